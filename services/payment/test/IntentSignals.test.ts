/**
 * The intents' arrivals a request waits on (`IntentSignals`): an arrival after the request's mark
 * answers at once, one before it does not count, a wait ends with the signal, and arrivals are
 * forgotten after their retention.
 */
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Duration, Effect, Fiber, Option } from "effect"
import * as IntentSignals from "../src/infrastructure/IntentSignals.ts"

const arrivedWithin = (effect: Effect.Effect<void>, within: Duration.DurationInput = "50 millis") =>
  Effect.map(Effect.timeoutOption(effect, within), Option.isSome)

EffectTest.effect("an intent signalled after the mark answers at once; one signalled before it does not count", () =>
  Effect.gen(function* () {
    const signals = IntentSignals.make()
    yield* signals.signal("before")
    const mark = yield* signals.mark
    yield* signals.signal("after")
    expect(yield* arrivedWithin(signals.arrival("after", mark))).toBe(true)
    expect(yield* arrivedWithin(signals.arrival("before", mark))).toBe(false)
    expect(yield* arrivedWithin(signals.arrival("never", mark))).toBe(false)
  }))

EffectTest.effect("a request waiting for its intent is woken by the signal, and another booking's signal does not wake it", () =>
  Effect.gen(function* () {
    const signals = IntentSignals.make()
    const mark = yield* signals.mark
    const waiting = yield* Effect.fork(arrivedWithin(signals.arrival("mine", mark), "5 seconds"))
    yield* Effect.sleep("20 millis")
    yield* signals.signal("theirs")
    yield* Effect.sleep("20 millis")
    expect(yield* Fiber.poll(waiting)).toEqual(Option.none())
    yield* signals.signal("mine")
    expect(yield* Fiber.join(waiting)).toBe(true)
  }))

EffectTest.effect("arrivals are forgotten after their retention", () =>
  Effect.gen(function* () {
    const signals = IntentSignals.make("30 millis")
    const mark = yield* signals.mark
    yield* signals.signal("old")
    yield* Effect.sleep("60 millis")
    yield* signals.signal("new")
    expect(yield* arrivedWithin(signals.arrival("new", mark))).toBe(true)
    expect(yield* arrivedWithin(signals.arrival("old", mark))).toBe(false)
  }))
