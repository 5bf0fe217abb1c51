/** The consumer's failure policy, as a value, on the TestClock. */
import { BookingId, FlightId } from "@flight/contracts"
import { expect, test } from "bun:test"
import { Effect, Fiber, Ref, TestClock, TestContext } from "effect"
import * as BookingEvents from "../src/application/BookingEvents.ts"
import { UnknownCabin } from "../src/domain/Availability.ts"
import { FlightNotFound } from "../src/domain/Flight.ts"
import { FlightStoreError, VersionConflict } from "../src/domain/FlightRepository.ts"

const flightId = FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e")

test("store outages and lost races are transient; unreadable data, unknown flights and cabins are not", () => {
  const { isTransient } = BookingEvents.policy
  expect(isTransient(new FlightStoreError({ operation: "update", reason: "connection reset" }))).toBe(true)
  expect(isTransient(new VersionConflict({ id: flightId, expected: 3 }))).toBe(true)
  expect(isTransient(new FlightStoreError({ operation: "read", reason: "invalid", transient: false }))).toBe(false)
  expect(isTransient(new FlightNotFound({ id: flightId }))).toBe(false)
  expect(isTransient(new UnknownCabin({ cabin: "first", bookingId: BookingId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9f") }))).toBe(false)
})

test("a store outage is retried with backoff capped at 5 s for about two minutes, then the message is given up", () =>
  Effect.runPromise(Effect.gen(function* () {
    const instants = yield* Ref.make<Array<number>>([])
    const fiber = yield* Effect.fork(
      Effect.flatMap(TestClock.currentTimeMillis, (now) => Ref.update(instants, (all) => [...all, now])).pipe(
        Effect.zipRight(Effect.fail(new FlightStoreError({ operation: "update", reason: "down" }))),
        Effect.retry(BookingEvents.retry),
        Effect.either,
      ),
    )
    yield* TestClock.adjust("10 minutes")
    expect((yield* Fiber.join(fiber))._tag).toBe("Left")
    const all = yield* Ref.get(instants)
    const delays = all.slice(1).map((at, index) => at - all[index]!)
    expect(Math.max(...delays)).toBeLessThanOrEqual(5_000)
    expect(all.at(-1)! - all[0]!).toBeGreaterThanOrEqual(115_000)
    expect(all.at(-1)! - all[0]!).toBeLessThanOrEqual(125_000)
  }).pipe(Effect.provide(TestContext.TestContext))))
