/**
 * One holder at a time per key however the holders are scheduled, other keys not held up, and
 * nothing left behind once they are done (the flight's write lock and notification's sends use it).
 */
import { describe, expect } from "bun:test"
import { Deferred, Effect, Exit, Fiber } from "effect"
import * as KeyedLock from "../src/KeyedLock.ts"
import { EffectTest } from "../src/testing/index.ts"

describe("keyed lock", () => {
  EffectTest.effect("holders of one key never overlap, even when each is preempted after a few steps (as under load)", () =>
    Effect.gen(function* () {
      const lock = yield* KeyedLock.make
      const inside = new Map<string, number>()
      let most = 0
      const write = (id: string) =>
        Effect.gen(function* () {
          inside.set(id, (inside.get(id) ?? 0) + 1)
          most = Math.max(most, inside.get(id)!)
          yield* Effect.yieldNow()
          inside.set(id, inside.get(id)! - 1)
        })
      // Bursts of 64 (as the flight consumer's handlers make them): each key's semaphore is made by the
      // burst, and each holder runs out of its budget of steps at another point, while it is being made too.
      for (let round = 0; round < 20; round++) {
        yield* Effect.forEach(Array.from({ length: 64 }, (_, index) => index), (index) => {
          const id = `key-${round}-${index % 4}`
          return Effect.withMaxOpsBeforeYield(lock.alone(id)(write(id)), 50 + (index % 40))
        }, { concurrency: "unbounded", discard: true })
      }
      expect(most).toBe(1)
      expect(yield* lock.size).toBe(0)
    }), { timeout: 30_000 })

  EffectTest.effect("a key that is held does not hold up another", () =>
    Effect.gen(function* () {
      const lock = yield* KeyedLock.make
      const open = yield* Deferred.make<void>()
      const held = yield* Effect.fork(lock.alone("a")(Deferred.await(open)))
      yield* Effect.yieldNow()
      expect(yield* lock.alone("b")(Effect.succeed("written"))).toBe("written")
      expect(yield* lock.size).toBe(1)
      yield* Deferred.succeed(open, undefined)
      yield* Fiber.join(held)
      expect(yield* lock.size).toBe(0)
    }))

  EffectTest.effect("a failed holder, and one interrupted while it waits, leave the lock free and nothing behind", () =>
    Effect.gen(function* () {
      const lock = yield* KeyedLock.make
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

})
