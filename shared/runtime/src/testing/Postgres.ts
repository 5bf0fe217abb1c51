/** PostgreSQL for tests: a database of the test's own on a shared server. */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted, Schedule } from "effect"

/**
 * The connections to `name` still open, waited out for up to a second: a pool's `end()` resolves
 * once it has asked its connections to close, before their server processes have gone, and a forced
 * drop would end them with a FATAL error (57P01) that a pool without an `error` listener throws into
 * whichever test runs next. A connection that stays is ended by the drop: @effect/sql-pg 0.53 leaves
 * the one `listen` was opening when its scope closes (closed within ~50 ms of the start), with a listener.
 */
const closed = (sql: SqlClient.SqlClient, name: string) =>
  sql<{ readonly open: number }>`SELECT count(*)::int AS open FROM pg_stat_activity WHERE datname = ${name}`.pipe(
    Effect.map((rows) => rows[0]?.open ?? 0),
    Effect.repeat({ until: (open) => open === 0, schedule: Schedule.spaced("20 millis"), times: 50 }),
  )

/**
 * A fresh database on the server of `url`, named `<prefix>_<random>`, dropped when the scope
 * closes, once the connections the test opened to it have closed (forced after a second).
 */
export const freshDatabase = (url: string, prefix: string) =>
  Effect.gen(function* () {
    const name = `${prefix}_${Bun.randomUUIDv7().replaceAll("-", "").slice(-16)}`
    const admin = yield* Layer.build(PgClient.layer({ url: Redacted.make(url) }))
    const sql = Context.get(admin, SqlClient.SqlClient)
    yield* sql.unsafe(`CREATE DATABASE ${name}`)
    yield* Effect.addFinalizer(() =>
      closed(sql, name).pipe(Effect.ignore, Effect.zipRight(sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)), Effect.ignore)
    )
    const target = new URL(url)
    target.pathname = `/${name}`
    return target
  })
