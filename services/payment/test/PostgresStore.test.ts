import { InProcessBus } from "@flight/bus"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Effect, Logger, Option, Redacted } from "effect"
import * as Payment from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

RealServer.describeWith("DATABASE_URL", "the payment service on PostgreSQL", (url) => {
  EffectTest.effect("answers /health/ready 200 and names its store", () =>
    Effect.gen(function* () {
      const running = yield* Payment.make({ port: 0, databaseUrl: Option.some(Redacted.make(new URL(url))) }).pipe(
        Effect.provide(InProcessBus.layer()),
      )
      expect(running.store).toStartWith("PostgreSQL ")
      const response = yield* Effect.promise(() => fetch(new URL("/health/ready", running.url)))
      expect(response.status).toBe(200)
    }), { layer: quiet, timeout: 30_000 })
})
