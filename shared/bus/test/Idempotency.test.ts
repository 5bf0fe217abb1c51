import { expect, test } from "bun:test"
import { Effect, Ref } from "effect"
import * as Idempotency from "../src/Idempotency.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

test("two hundred concurrent deliveries of one message apply it once", () =>
  run(Effect.gen(function* () {
    const store = Idempotency.inMemory()
    const applied = yield* Ref.make(0)
    const ran = yield* Effect.all(
      Array.from({ length: 200 }, () => store.once("payment/m1", Effect.zipRight(Effect.sleep("1 millis"), Ref.update(applied, (n) => n + 1)))),
      { concurrency: "unbounded" },
    )
    expect(yield* Ref.get(applied)).toBe(1)
    expect(ran.filter(Boolean)).toHaveLength(1)
  })))

test("a failed effect records nothing, so the redelivery applies it", () =>
  run(Effect.gen(function* () {
    const store = Idempotency.inMemory()
    expect(yield* Effect.either(store.once("k", Effect.fail("store down")))).toMatchObject({ _tag: "Left" })
    expect(store.applied.has("k")).toBe(false)
    expect(yield* store.once("k", Effect.void)).toBe(true)
    expect(yield* store.once("k", Effect.void)).toBe(false)
  })))
