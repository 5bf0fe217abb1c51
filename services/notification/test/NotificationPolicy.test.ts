/** The consumer's failure policy, as a value, on the TestClock. */
import { expect, test } from "bun:test"
import { Duration, Effect, Fiber, Ref, TestClock, TestContext } from "effect"
import { claimLease, ContactUnknown, NotificationInProgress } from "../src/application/NotificationCommands.ts"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import { DeliveryFailed, NotificationStoreError } from "../src/domain/Notification.ts"
import { TemplateDataInvalid, TemplateDataMissing, TemplateUnknown } from "../src/domain/Templates.ts"

test("a delivery that may work later, an unknown contact, a notification held by another sender and a store outage are retried; a bad template or a refused delivery are not", () => {
  const { isTransient } = NotificationEvents.policy
  expect(isTransient(new DeliveryFailed({ channel: "email", reason: "451 try later", transient: true }))).toBe(true)
  expect(isTransient(new ContactUnknown({ bookingId: "b" }))).toBe(true)
  expect(isTransient(new NotificationInProgress({ key: "k" }))).toBe(true)
  expect(isTransient(new NotificationStoreError({ operation: "claim", reason: "connection refused" }))).toBe(true)
  expect(isTransient(new TemplateDataInvalid({ template: "booking-received", fields: ["reference"] }))).toBe(false)
  expect(isTransient(new DeliveryFailed({ channel: "email", reason: "550 no such user", transient: false }))).toBe(false)
  expect(isTransient(new TemplateUnknown({ template: "x" }))).toBe(false)
  expect(isTransient(new TemplateDataMissing({ template: "booking-received", fields: ["reference"] }))).toBe(false)
})

/** The instants (ms) at which an effect that always fails with `error` is tried under `deliveryRetry`, and how it ended. */
const triedUnder = (error: unknown) =>
  Effect.gen(function* () {
    const instants = yield* Ref.make<Array<number>>([])
    const fiber = yield* Effect.fork(
      Effect.flatMap(TestClock.currentTimeMillis, (now) => Ref.update(instants, (all) => [...all, now])).pipe(
        Effect.zipRight(Effect.fail(error)),
        Effect.retry(NotificationEvents.deliveryRetry),
        Effect.either,
      ),
    )
    yield* TestClock.adjust("10 minutes")
    const ended = yield* Fiber.join(fiber)
    const all = yield* Ref.get(instants)
    return { all, delays: all.slice(1).map((at, index) => at - all[index]!), ended }
  }).pipe(Effect.provide(TestContext.TestContext))

test("deliveries are retried with backoff capped at 5 s for three minutes, far past a claim's lease, then the message is given up", () =>
  Effect.runPromise(Effect.gen(function* () {
    const { all, delays, ended } = yield* triedUnder(new DeliveryFailed({ channel: "email", reason: "down", transient: true }))
    expect(ended._tag).toBe("Left")
    expect(Math.max(...delays)).toBeLessThanOrEqual(5_000)
    expect(delays[0]!).toBeLessThanOrEqual(300)
    expect(all.at(-1)! - all[0]!).toBeGreaterThan(Duration.toMillis(claimLease) * 10)
    expect(all.at(-1)! - all[0]!).toBeGreaterThanOrEqual(175_000)
    expect(all.at(-1)! - all[0]!).toBeLessThanOrEqual(185_000)
  })))

test("a notification held by another sender is asked again at least every third of a claim's lease (as often as its holder renews it)", () =>
  Effect.runPromise(Effect.gen(function* () {
    const { all, delays } = yield* triedUnder(new NotificationInProgress({ key: "k" }))
    expect(Math.max(...delays)).toBeLessThanOrEqual(Duration.toMillis(claimLease) / 3)
    expect(delays[0]!).toBeLessThanOrEqual(300)
    // Still for three minutes: a slow sender's claim is waited for, not given up after a few leases.
    expect(all.at(-1)! - all[0]!).toBeGreaterThanOrEqual(175_000)
  })))
