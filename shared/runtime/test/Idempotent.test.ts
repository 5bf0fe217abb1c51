/**
 * The Idempotency-Key policy every service follows (decision 24): a replay answers the first
 * response, another request under the key is refused, a request while the first runs waits for it,
 * a failure frees the key, and a store that records the key with its change is looked at again when
 * another request took the key first.
 */
import { describe, expect } from "bun:test"
import { Deferred, Effect, Either, Fiber, Option, Schedule } from "effect"
import * as Idempotent from "../src/Idempotent.ts"
import { EffectTest } from "../src/testing/index.ts"

const request = (fingerprint = "f1"): Idempotent.Request => ({ key: "key-1", fingerprint })
const briefly = Schedule.spaced("5 millis").pipe(Schedule.upTo("300 millis"))

/** An effect that counts its runs and answers the run's number. */
const counted = () => {
  let runs = 0
  return { runs: () => runs, effect: Effect.sync(() => ++runs) }
}

describe("Idempotent.run", () => {
  EffectTest.effect("the same request again answers the first response, marked replayed, without running again", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const work = counted()
      const first = yield* Idempotent.run(store, request(), () => work.effect)
      const again = yield* Idempotent.run(store, request(), () => work.effect)
      expect(first).toEqual({ value: 1, replayed: false })
      expect(again).toEqual({ value: 1, replayed: true })
      expect(work.runs()).toBe(1)
    }))

  EffectTest.effect("another request under a key that answered is refused with IdempotencyKeyReused", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const work = counted()
      yield* Idempotent.run(store, request("f1"), () => work.effect)
      const other = yield* Effect.either(Idempotent.run(store, request("f2"), () => work.effect))
      expect(Either.isLeft(other) && other.left).toEqual(new Idempotent.IdempotencyKeyReused({ key: "key-1" }))
      expect(work.runs()).toBe(1)
    }))

  EffectTest.effect("another request while the first still runs is refused at once, not kept waiting", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const gate = yield* Deferred.make<void>()
      const first = yield* Effect.fork(Idempotent.run(store, request("f1"), () => Effect.as(Deferred.await(gate), 7)))
      yield* Effect.yieldNow()
      const other = yield* Effect.either(Idempotent.run(store, request("f2"), () => Effect.succeed(8), Schedule.forever))
      expect(Either.isLeft(other) && other.left._tag).toBe("IdempotencyKeyReused")
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toEqual({ value: 7, replayed: false })
    }))

  EffectTest.effect("the same request while the first runs waits for it and answers its response", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const gate = yield* Deferred.make<void>()
      const work = counted()
      const first = yield* Effect.fork(Idempotent.run(store, request(), () => Effect.zipRight(Deferred.await(gate), work.effect)))
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(Idempotent.run(store, request(), () => work.effect, briefly))
      yield* Effect.sleep("20 millis")
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toEqual({ value: 1, replayed: false })
      expect(yield* Fiber.join(second)).toEqual({ value: 1, replayed: true })
      expect(work.runs()).toBe(1)
    }))

  EffectTest.effect("inside a span, as a request runs, the same request still waits for the first and answers its response", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const gate = yield* Deferred.make<void>()
      const first = yield* Effect.fork(Idempotent.run(store, request(), () => Effect.as(Deferred.await(gate), 1)))
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(Idempotent.run(store, request(), () => Effect.succeed(2), briefly).pipe(Effect.withSpan("request")))
      yield* Effect.sleep("20 millis")
      expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toEqual({ value: 1, replayed: false })
      expect(yield* Fiber.join(second)).toEqual({ value: 1, replayed: true })
    }))

  EffectTest.effect("the same request while the first runs past the wait is refused with RequestInProgress", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const gate = yield* Deferred.make<void>()
      yield* Effect.fork(Idempotent.run(store, request(), () => Effect.as(Deferred.await(gate), 1)))
      yield* Effect.yieldNow()
      const second = yield* Effect.either(Idempotent.run(store, request(), () => Effect.succeed(2), briefly))
      expect(Either.isLeft(second) && second.left).toEqual(new Idempotent.RequestInProgress({ key: "key-1" }))
      yield* Deferred.succeed(gate, undefined)
    }))

  EffectTest.effect("a request that fails frees its key: the same request sent again runs", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const failed = yield* Effect.either(Idempotent.run(store, request(), () => Effect.fail("gateway down" as const)))
      expect(Either.isLeft(failed) && failed.left).toBe("gateway down")
      expect(yield* Idempotent.run(store, request(), () => Effect.succeed(5))).toEqual({ value: 5, replayed: false })
    }))

  EffectTest.effect("a waiting request runs itself when the first one fails", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const gate = yield* Deferred.make<void>()
      const first = yield* Effect.fork(Idempotent.run(store, request(), () => Effect.zipRight(Deferred.await(gate), Effect.fail("boom" as const))))
      yield* Effect.yieldNow()
      const second = yield* Effect.fork(Idempotent.run(store, request(), () => Effect.succeed(9), briefly))
      yield* Effect.sleep("20 millis")
      yield* Deferred.succeed(gate, undefined)
      expect(Either.isLeft(yield* Effect.either(Fiber.join(first)))).toBe(true)
      expect(yield* Fiber.join(second)).toEqual({ value: 9, replayed: false })
    }))

  EffectTest.effect("a claim whose request crashed runs out, and the key can be used again", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>("30 millis")
      // Claimed, and never recorded nor released: what a process killed mid-request leaves.
      expect((yield* store.claim(request()))._tag).toBe("Fresh")
      expect((yield* store.claim(request()))._tag).toBe("Running")
      yield* Effect.sleep("50 millis")
      expect(yield* Idempotent.run(store, request(), () => Effect.succeed(3))).toEqual({ value: 3, replayed: false })
    }))

  EffectTest.effect("an effect told another request took the key first answers as that request did", () =>
    Effect.gen(function* () {
      // A store that records the key with its change: the lookup claims nothing, the write finds the key taken.
      const recorded = new Map<string, { fingerprint: string; response: number }>()
      const store: Idempotent.Store<number, void, never> = {
        claim: (req) =>
          Effect.sync(() => {
            const held = recorded.get(req.key)
            return held === undefined ? Idempotent.fresh(undefined) : Idempotent.done(held.fingerprint, held.response)
          }),
        record: () => Effect.void,
        release: () => Effect.void,
      }
      const raced = Effect.suspend(() => {
        // The other request stores first, between our lookup and our write.
        recorded.set("key-1", { fingerprint: "f1", response: 41 })
        return Effect.fail(new Idempotent.IdempotencyKeyTaken({ key: "key-1" }))
      })
      expect(yield* Idempotent.run(store, request("f1"), () => raced)).toEqual({ value: 41, replayed: true })
      recorded.clear()
      const other = yield* Effect.either(Idempotent.run(store, request("f2"), () => raced))
      expect(Either.isLeft(other) && other.left._tag).toBe("IdempotencyKeyReused")
    }))

  EffectTest.effect("a response that cannot be recorded is still answered: the work was done", () =>
    Effect.gen(function* () {
      const memory = Idempotent.inMemory<number>()
      const store: Idempotent.Store<number, void, string> = { ...memory, record: () => Effect.fail("store down") }
      expect(yield* Idempotent.run(store, request(), () => Effect.succeed(4))).toEqual({ value: 4, replayed: false })
    }))

  EffectTest.effect("the store's claim hands the effect what it claimed", () =>
    Effect.gen(function* () {
      const store: Idempotent.Store<string, { readonly paymentId: string }, never> = {
        claim: () => Effect.succeed(Idempotent.fresh({ paymentId: "p-1" })),
        record: () => Effect.void,
        release: () => Effect.void,
      }
      const answer = yield* Idempotent.run(store, request(), (claimed) => Effect.succeed(`charged ${claimed.paymentId}`))
      expect(answer.value).toBe("charged p-1")
    }))
})

describe("Idempotent.optional", () => {
  EffectTest.effect("without a key the effect runs every time", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const work = counted()
      yield* Idempotent.optional(store, Option.none(), work.effect)
      const second = yield* Idempotent.optional(store, Option.none(), work.effect)
      expect(second).toEqual({ value: 2, replayed: false })
    }))

  EffectTest.effect("with a key it is `run`", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      const work = counted()
      yield* Idempotent.optional(store, Option.some(request()), work.effect)
      expect(yield* Idempotent.optional(store, Option.some(request()), work.effect)).toEqual({ value: 1, replayed: true })
    }))
})

describe("Idempotent.inMemory", () => {
  EffectTest.effect("purge forgets the responses recorded before a time, never a running claim", () =>
    Effect.gen(function* () {
      const store = Idempotent.inMemory<number>()
      yield* Idempotent.run(store, { key: "a", fingerprint: "f" }, () => Effect.succeed(1))
      yield* store.claim({ key: "b", fingerprint: "f" })
      expect(yield* store.purge(Date.now() + 1000)).toBe(1)
      expect((yield* store.claim({ key: "a", fingerprint: "f" }))._tag).toBe("Fresh")
      expect((yield* store.claim({ key: "b", fingerprint: "f" }))._tag).toBe("Running")
    }))
})
