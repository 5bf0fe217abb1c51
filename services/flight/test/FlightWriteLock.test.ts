/**
 * The lock that serialises the writes of one flight document (FerretDB, decision 9): one writer of
 * a flight at a time however its writers are scheduled, other flights not held up, and nothing left
 * behind once the writes are done.
 */
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Deferred, Effect, Exit, Fiber } from "effect"
import * as FlightWriteLock from "../src/infrastructure/FlightWriteLock.ts"

describe("flight write lock", () => {
  EffectTest.effect("writers of one flight never overlap, even when each is preempted after a few steps (as under load)", () =>
    Effect.gen(function* () {
      const lock = yield* FlightWriteLock.make
      const inside = new Map<string, number>()
      let most = 0
      const write = (id: string) =>
        Effect.gen(function* () {
          inside.set(id, (inside.get(id) ?? 0) + 1)
          most = Math.max(most, inside.get(id)!)
          yield* Effect.yieldNow()
          inside.set(id, inside.get(id)! - 1)
        })
      // Bursts as the consumer's 64 handlers make them: each flight's lock is made by the burst, and
      // each writer runs out of its budget of steps at another point, while the lock is being made too.
      for (let round = 0; round < 20; round++) {
        yield* Effect.forEach(Array.from({ length: 64 }, (_, index) => index), (index) => {
          const id = `flight-${round}-${index % 4}`
          return Effect.withMaxOpsBeforeYield(lock.alone(id)(write(id)), 50 + (index % 40))
        }, { concurrency: "unbounded", discard: true })
      }
      expect(most).toBe(1)
      expect(yield* lock.size).toBe(0)
    }), { timeout: 30_000 })

  EffectTest.effect("a flight whose write is held does not hold up another's", () =>
    Effect.gen(function* () {
      const lock = yield* FlightWriteLock.make
      const open = yield* Deferred.make<void>()
      const held = yield* Effect.fork(lock.alone("a")(Deferred.await(open)))
      yield* Effect.yieldNow()
      expect(yield* lock.alone("b")(Effect.succeed("written"))).toBe("written")
      expect(yield* lock.size).toBe(1)
      yield* Deferred.succeed(open, undefined)
      yield* Fiber.join(held)
      expect(yield* lock.size).toBe(0)
    }))

  EffectTest.effect("a failed write, and a writer interrupted while it waits, leave the lock free and nothing behind", () =>
    Effect.gen(function* () {
      const lock = yield* FlightWriteLock.make
      expect(Exit.isFailure(yield* Effect.exit(lock.alone("a")(Effect.fail("refused"))))).toBe(true)
      const open = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(lock.alone("a")(Deferred.await(open)))
      yield* Effect.yieldNow()
      const waiter = yield* Effect.fork(lock.alone("a")(Effect.void))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(waiter)
      yield* Deferred.succeed(open, undefined)
      yield* Fiber.join(holder)
      expect(yield* lock.size).toBe(0)
      expect(yield* lock.alone("a")(Effect.succeed(1))).toBe(1)
    }))

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
