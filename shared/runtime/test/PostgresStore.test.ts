import { describe, expect } from "bun:test"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, Layer, Logger, Redacted, Scope } from "effect"
import * as PostgresStore from "../src/PostgresStore.ts"
import { StoreHealth } from "../src/StoreHealth.ts"
import { EffectTest, Postgres, RealServer } from "../src/testing/index.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)
const redacted = (url: string) => Redacted.make(new URL(url))

describe("PostgreSQL store", () => {
  EffectTest.effect("a PostgreSQL that refuses connections stops the start, naming the address but not the password", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Layer.build(PostgresStore.layer(redacted("postgres://app:s3cret@127.0.0.1:1/payments"), { applicationName: "test" })),
      )
      if (Exit.isSuccess(exit)) throw new Error("expected the connection to fail")
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error?._tag).toBe("StoreUnavailable")
      expect(error?.message).toContain("127.0.0.1:1/payments")
      expect(error?.message).toContain("ECONNREFUSED")
      expect(error?.message).not.toContain("s3cret")
    }), { layer: quiet })

  EffectTest.effect("the address in logs is host, port and database, never the credentials", () =>
    Effect.sync(() => {
      expect(PostgresStore.address(redacted("postgres://app:s3cret@db.internal:5432/payments"))).toBe("db.internal:5432/payments")
      expect(PostgresStore.address(redacted("postgres://app:s3cret@db.internal:5432/we%20ird"))).toBe("db.internal:5432")
    }))
})

RealServer.describeWith("DATABASE_URL", "PostgreSQL store against a real server", (url) => {
  EffectTest.effect("connects at start, answers its health check with SELECT 1, and ends its pool when its scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(PostgresStore.layer(redacted(url), { applicationName: "test" }), scope)
      yield* Effect.flatMap(StoreHealth, (store) => store.check).pipe(Effect.provide(context))
      const sql = yield* Effect.provide(SqlClient.SqlClient, context)
      yield* Scope.close(scope, Exit.void)
      // The pool has ended: a query can no longer get a connection.
      const after = yield* Effect.exit(sql`SELECT 1`)
      expect(Exit.isFailure(after)).toBe(true)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("six instances migrating one empty database at once: all start, the migrations run once", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "runtime_test")
      const migrations = {
        "0001_things": Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE things (id int PRIMARY KEY)`),
      }
      const migrate = PostgresStore.migrations("things_migrations", migrations)
      // Each instance with a pool of its own, as separate processes would have.
      const instance = Effect.scoped(Effect.provide(migrate, PgClient.layer({ url: Redacted.make(database.href) })))
      const ran = yield* Effect.all(Array.from({ length: 6 }, () => instance), { concurrency: 6 })
      expect(ran.map((done) => done.length).toSorted()).toEqual([0, 0, 0, 0, 0, 1])
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a failed statement's reason names the server's message and SQLSTATE, not only \"Failed to execute statement\"", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(sql`SELECT 1 / 0`)
      const reason = PostgresStore.reasonOf(error)
      expect(reason).toContain("division by zero")
      expect(reason).toContain("SQLSTATE 22012")
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) }))), { layer: quiet, timeout: 30_000 })
})
