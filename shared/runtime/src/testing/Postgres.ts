/** PostgreSQL for tests: a database of the test's own on a shared server. */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"

/** A fresh database on the server of `url`, named `<prefix>_<random>`, dropped when the scope closes. */
export const freshDatabase = (url: string, prefix: string) =>
  Effect.gen(function* () {
    const name = `${prefix}_${Bun.randomUUIDv7().replaceAll("-", "").slice(-16)}`
    const admin = yield* Layer.build(PgClient.layer({ url: Redacted.make(url) }))
    const sql = Context.get(admin, SqlClient.SqlClient)
    yield* sql.unsafe(`CREATE DATABASE ${name}`)
    yield* Effect.addFinalizer(() => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore))
    const target = new URL(url)
    target.pathname = `/${name}`
    return target
  })
