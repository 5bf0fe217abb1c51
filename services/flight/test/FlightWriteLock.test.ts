/**
 * The lock that serialises the writes of one flight document (FerretDB, decision 9): a write that
 * has started is not cut short (one writer at a time is `KeyedLock`'s, tested in shared/runtime).
 */
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Deferred, Effect, Fiber } from "effect"
import * as FlightWriteLock from "../src/infrastructure/FlightWriteLock.ts"

describe("flight write lock", () => {
  EffectTest.effect("a write that has started completes even when its caller is interrupted", () =>
    Effect.gen(function* () {
      const lock = yield* FlightWriteLock.make
      const started = yield* Deferred.make<void>()
      const open = yield* Deferred.make<void>()
      let written = false
      const writer = yield* Effect.fork(lock.alone("a")(
        Effect.zipRight(Deferred.succeed(started, undefined), Effect.zipRight(Deferred.await(open), Effect.sync(() => (written = true)))),
      ))
      yield* Deferred.await(started)
      const interrupted = yield* Effect.fork(Fiber.interrupt(writer))
      yield* Deferred.succeed(open, undefined)
      yield* Fiber.join(interrupted)
      expect(written).toBe(true)
      expect(yield* lock.size).toBe(0)
    }))
})
