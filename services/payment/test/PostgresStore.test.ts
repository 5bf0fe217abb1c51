import { describe, expect } from "bun:test"
import { SqlClient } from "@effect/sql"
import { InProcessBus } from "@flight/bus"
import { Effect, Exit, Layer, Logger, Option, Redacted, Scope } from "effect"
import * as PostgresStore from "../src/infrastructure/PostgresStore.ts"
import * as Payment from "../src/main.ts"
import { StoreHealth } from "@flight/runtime"
import { EffectTest, RealServer } from "@flight/runtime/testing"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)
const redacted = (url: string) => Redacted.make(new URL(url))

describe("PostgreSQL store adapter", () => {
  EffectTest.effect("a PostgreSQL that refuses connections stops the start, naming the address but not the password", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Layer.build(PostgresStore.layer(redacted("postgres://app:s3cret@127.0.0.1:1/payments"))))
      if (Exit.isSuccess(exit)) throw new Error("expected the connection to fail")
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error?._tag).toBe("StoreUnavailable")
      expect(error?.message).toContain("127.0.0.1:1/payments")
      expect(error?.message).toContain("ECONNREFUSED")
      expect(error?.message).not.toContain("s3cret")
    }), { layer: quiet })
})

RealServer.describeWith("DATABASE_URL", "PostgreSQL store adapter against a real server", (url) => {
  EffectTest.effect("connects at start, answers its health check with SELECT 1, and ends its pool when its scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(PostgresStore.layer(redacted(url)), scope)
      yield* Effect.flatMap(StoreHealth, (store) => store.check).pipe(Effect.provide(context))
      const sql = yield* Effect.provide(SqlClient.SqlClient, context)
      yield* Scope.close(scope, Exit.void)
      // The pool has ended: a query can no longer get a connection.
      const after = yield* Effect.exit(sql`SELECT 1`)
      expect(Exit.isFailure(after)).toBe(true)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("the service on PostgreSQL answers /health/ready 200", () =>
    Effect.gen(function* () {
      const running = yield* Payment.make({ port: 0, databaseUrl: Option.some(redacted(url)) }).pipe(
        Effect.provide(InProcessBus.layer()),
      )
      expect(running.store).toStartWith("PostgreSQL ")
      const response = yield* Effect.promise(() => fetch(new URL("/health/ready", running.url)))
      expect(response.status).toBe(200)
    }), { layer: quiet, timeout: 30_000 })
})
