/**
 * How often a payment request looks for its booking's intent (`awaitingIntent`), on the in-memory
 * store: each look is a statement on PostgreSQL, so a request that overtook its booking.created looks
 * twice (before the intent and once it opens), one that did not looks once, and an intent that opens
 * while the first look is under way is never missed.
 */
import { BookingId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { DateTime, Duration, Effect, Fiber, Option } from "effect"
import { awaitingIntent, IntentWait } from "../src/application/IntentWait.ts"
import { IntentNotOpenYet } from "../src/domain/Payment.ts"
import { PaymentRepository } from "../src/domain/PaymentRepository.ts"
import * as InMemoryPaymentRepository from "../src/infrastructure/InMemoryPaymentRepository.ts"

/** A look at the intent as a begin makes it, counted: the intent's amount, or IntentNotOpenYet. */
const counted = (bookingId: BookingId, before: Effect.Effect<void, never, PaymentRepository> = Effect.void) => {
  const looks = { count: 0 }
  const look = Effect.gen(function* () {
    looks.count++
    const repository = yield* PaymentRepository
    // Read before `before` runs: an intent committed during the look is not seen by it.
    const intent = yield* Effect.orDie(repository.getIntent(bookingId))
    yield* before
    return yield* Option.match(intent, {
      onNone: () => Effect.fail(new IntentNotOpenYet({ bookingId })),
      onSome: (found) => Effect.succeed(found.amount.amount),
    })
  })
  return { looks, look }
}

const openIntent = (bookingId: BookingId) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    yield* Effect.orDie((yield* PaymentRepository).openIntent(`booking.created/${bookingId}`, {
      bookingId,
      owner: null,
      amount: { amount: 45_000, currency: "GBP" },
      holdExpiresAt: DateTime.addDuration(now, Duration.minutes(15)),
      now,
    }))
  })

/** A wait longer than any test: only the intent's arrival can end it in time. */
const longWait = { within: Duration.minutes(5) }
const newBooking = () => BookingId.make(Bun.randomUUIDv7())

EffectTest.effect("a request whose intent is open looks for it once", () =>
  Effect.gen(function* () {
    const bookingId = newBooking()
    yield* openIntent(bookingId)
    const { look, looks } = counted(bookingId)
    expect(yield* awaitingIntent(bookingId, look)).toBe(45_000)
    expect(looks.count).toBe(1)
  }), { layer: InMemoryPaymentRepository.layer })

EffectTest.effect("a request that overtook its intent looks twice: before it, and once the intent opens", () =>
  Effect.gen(function* () {
    const bookingId = newBooking()
    const { look, looks } = counted(bookingId)
    const paying = yield* Effect.fork(awaitingIntent(bookingId, look).pipe(Effect.provideService(IntentWait, longWait)))
    yield* Effect.sleep("50 millis")
    expect(looks.count).toBe(1)
    yield* openIntent(bookingId)
    expect(yield* Fiber.join(paying)).toBe(45_000)
    expect(looks.count).toBe(2)
  }), { layer: InMemoryPaymentRepository.layer, timeout: 10_000 })

EffectTest.effect("an intent that opens while the first look is under way wakes the request at once", () =>
  Effect.gen(function* () {
    const bookingId = newBooking()
    // The first look reads no intent, and the intent opens before that look answers.
    const { look, looks } = counted(bookingId, Effect.suspend(() => (looks.count === 1 ? openIntent(bookingId) : Effect.void)))
    expect(yield* awaitingIntent(bookingId, look).pipe(Effect.provideService(IntentWait, longWait))).toBe(45_000)
    expect(looks.count).toBe(2)
  }), { layer: InMemoryPaymentRepository.layer, timeout: 10_000 })

EffectTest.effect("a request whose intent never comes answers IntentNotOpenYet after the bounded wait, having looked once", () =>
  Effect.gen(function* () {
    const bookingId = newBooking()
    const { look, looks } = counted(bookingId)
    const answer = yield* Effect.flip(awaitingIntent(bookingId, look).pipe(Effect.provideService(IntentWait, { within: Duration.millis(50) })))
    expect(answer).toBeInstanceOf(IntentNotOpenYet)
    expect(looks.count).toBe(1)
  }), { layer: InMemoryPaymentRepository.layer })
