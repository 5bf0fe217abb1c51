/** The tests' own databases: made fresh, and dropped without ending a connection a test just closed. */
import { expect } from "bun:test"
import { Effect, Exit, Scope } from "effect"
import { Pool } from "pg"
import { EffectTest, Postgres, RealServer } from "../src/testing/index.ts"

RealServer.describeWith("DATABASE_URL", "a test's fresh database", (url) => {
  EffectTest.effect("is dropped once the pools the test ended have let go: none of them hears a FATAL termination", () =>
    Effect.gen(function* () {
      const heard: Array<string> = []
      for (let round = 0; round < 5; round++) {
        const scope = yield* Scope.make()
        const database = yield* Scope.extend(Postgres.freshDatabase(url, "testing_test"), scope)
        const pool = new Pool({ connectionString: database.href })
        pool.on("error", (error: Error & { code?: string }) => heard.push(error.code ?? error.message))
        yield* Effect.promise(() => Promise.all([pool.query("SELECT 1"), pool.query("SELECT 1"), pool.query("SELECT 1")]))
        // Resolves once the pool has asked its connections to close, before their server processes end.
        yield* Effect.promise(() => pool.end())
        yield* Scope.close(scope, Exit.void)
        const admin = new Pool({ connectionString: url })
        const left = yield* Effect.promise(() =>
          admin.query("SELECT count(*)::int AS n FROM pg_database WHERE datname = $1", [database.pathname.slice(1)]).finally(() => admin.end())
        )
        expect(left.rows[0].n).toBe(0)
      }
      yield* Effect.sleep("200 millis")
      expect(heard).toEqual([])
    }), { timeout: 30_000 })
})
