/**
 * Payments the gateway did not answer: they stay pending (nothing else can charge the booking) and
 * the recovery settles them with the same provider key, never charging a booking twice nor one that
 * has ended.
 */
import { BookingId, PaymentId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { DateTime, Duration, Effect, Either, Layer, Logger, Option, Schedule } from "effect"
import { ChargeLease, PaymentCommands, startRecovery } from "../src/application/PaymentCommands.ts"
import { type ChargeResult, GatewayUnavailable, PaymentGateway } from "../src/domain/PaymentGateway.ts"
import { PaymentRepository } from "../src/domain/PaymentRepository.ts"
import * as InMemoryPaymentRepository from "../src/infrastructure/InMemoryPaymentRepository.ts"
import { bookingCancelled, bookingCreated, render } from "./PaymentContract.ts"
import { guestOf } from "./support/Fixtures.ts"

/** A provider that charges, then times out on the first `silentCalls` calls of each key. */
const timingOut = (silentCalls: number, charges: Map<string, ChargeResult>) => {
  const calls = new Map<string, number>()
  return PaymentGateway.of({
    charge: ({ key }) =>
      Effect.suspend(() => {
        const result: ChargeResult = { _tag: "Approved", transactionId: `ch_${key}` }
        charges.set(key, result)
        const count = (calls.get(key) ?? 0) + 1
        calls.set(key, count)
        return count <= silentCalls ? Effect.fail(new GatewayUnavailable({ reason: "timeout" })) : Effect.succeed(result)
      }),
    refund: ({ key }) => Effect.succeed({ transactionId: `re_${key}` }),
    find: (key) => Effect.sync(() => Option.fromNullable(charges.get(key))),
  })
}

/**
 * The commands on the in-memory store and `gateway`; a charge the gateway did not answer is left to
 * the recovery for `unansweredRetry` (none unless given, so a test can recover it at once).
 */
const layer = (gateway: PaymentGateway["Type"], unansweredRetry: Duration.DurationInput = Duration.zero) =>
  Layer.provideMerge(
    PaymentCommands.Default,
    Layer.mergeAll(
      InMemoryPaymentRepository.layer,
      Layer.succeed(PaymentGateway, gateway),
      Layer.succeed(ChargeLease, { lease: Duration.seconds(3), unansweredRetry: Duration.decode(unansweredRetry) }),
    ),
  )

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const firstCharges = new Map<string, ChargeResult>()

EffectTest.effect("a charge the gateway did not answer stays pending, blocks other charges, and is settled once by the recovery", () => {
  const charges = firstCharges
  return Effect.gen(function* () {
    const commands = yield* PaymentCommands
    const repository = yield* PaymentRepository
    const bookingId = BookingId.make(Bun.randomUUIDv7())
    yield* commands.openIntent(yield* bookingCreated(bookingId))
    const unanswered = yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "first", fingerprint: "f" }, render))
    expect(Either.isLeft(unanswered) && unanswered.left._tag).toBe("GatewayUnavailable")
    expect((yield* repository.history(bookingId)).payments.map((payment) => payment.status)).toEqual(["pending"])
    const other = yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "second", fingerprint: "g" }, render))
    expect(Either.isLeft(other) && other.left._tag).toBe("PaymentInProgress")
    yield* Effect.sleep("5 millis") // older than now, by a clock tick
    expect(yield* commands.recoverStale(render)).toBe(1)
    const history = yield* repository.history(bookingId)
    expect(history.payments.map((payment) => payment.status)).toEqual(["succeeded"])
    expect(charges.size).toBe(1)
    const replay = yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "first", fingerprint: "f" }, render)
    expect([replay.replayed, JSON.parse(replay.body).status]).toEqual([true, "succeeded"])
  })
}, { layer: Layer.merge(layer(timingOut(5, firstCharges)), quiet) })

EffectTest.effect("a pending charge whose booking ended is settled from what the provider did: a charge made is refunded", () => {
  const charges = new Map<string, ChargeResult>()
  return Effect.gen(function* () {
    const commands = yield* PaymentCommands
    const repository = yield* PaymentRepository
    const bookingId = BookingId.make(Bun.randomUUIDv7())
    yield* commands.openIntent(yield* bookingCreated(bookingId))
    yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k", fingerprint: "f" }, render))
    yield* commands.bookingEnded(yield* bookingCancelled(bookingId, "expired"))
    yield* Effect.sleep("5 millis")
    yield* commands.recoverStale(render)
    yield* commands.refundPending(10)
    const history = yield* repository.history(bookingId)
    expect(history.payments.map((payment) => payment.status)).toEqual(["succeeded"])
    expect(history.refunds.map((refund) => [refund.reason, refund.status])).toEqual([["charged-after-booking-ended", "succeeded"]])
  }).pipe(Effect.provide(layer(timingOut(100, charges))))
}, { layer: quiet })

EffectTest.effect("a pending charge the provider never made, whose booking ended, fails without charging anything", () => {
  const charges = new Map<string, ChargeResult>()
  const never = PaymentGateway.of({
    charge: () => Effect.fail(new GatewayUnavailable({ reason: "connection refused" })),
    refund: ({ key }) => Effect.succeed({ transactionId: `re_${key}` }),
    find: (key) => Effect.sync(() => Option.fromNullable(charges.get(key))),
  })
  return Effect.gen(function* () {
    const commands = yield* PaymentCommands
    const repository = yield* PaymentRepository
    const bookingId = BookingId.make(Bun.randomUUIDv7())
    yield* commands.openIntent(yield* bookingCreated(bookingId))
    yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k", fingerprint: "f" }, render))
    yield* commands.bookingEnded(yield* bookingCancelled(bookingId, "expired"))
    yield* Effect.sleep("5 millis")
    yield* commands.recoverStale(render)
    const history = yield* repository.history(bookingId)
    expect(history.payments.map((payment) => [payment.status, payment.failureReason])).toEqual([["failed", "booking_ended"]])
    expect(history.refunds).toEqual([])
  }).pipe(Effect.provide(layer(never)))
}, { layer: quiet })

EffectTest.effect("a charge the gateway did not answer is left to the recovery for a while, then settled", () => {
  const charges = new Map<string, ChargeResult>()
  return Effect.gen(function* () {
    const commands = yield* PaymentCommands
    const repository = yield* PaymentRepository
    const bookingId = BookingId.make(Bun.randomUUIDv7())
    yield* commands.openIntent(yield* bookingCreated(bookingId))
    yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k", fingerprint: "f" }, render))
    // The gateway just failed five times: the recovery does not call it again at once.
    yield* Effect.sleep("100 millis")
    expect(yield* commands.recoverStale(render)).toBe(0)
    yield* Effect.sleep("1200 millis")
    expect(yield* commands.recoverStale(render)).toBe(1)
    expect((yield* repository.history(bookingId)).payments.map((payment) => payment.status)).toEqual(["succeeded"])
  }).pipe(Effect.provide(layer(timingOut(5, charges), "1 second")))
}, { layer: quiet })

EffectTest.effect("the recovery's first pass runs as it starts: what a dead process left is settled without waiting an interval", () =>
  Effect.gen(function* () {
    const repository = yield* PaymentRepository
    const commands = yield* PaymentCommands
    const bookingId = BookingId.make(Bun.randomUUIDv7())
    yield* commands.openIntent(yield* bookingCreated(bookingId))
    yield* repository.beginPayment({
      key: "k",
      fingerprint: "f",
      payer: null,
      paymentId: PaymentId.make(Bun.randomUUIDv7()),
      bookingId,
      token: "tok_visa",
      now: yield* DateTime.now,
      holder: "dead",
      lease: Duration.zero,
    })
    yield* Effect.sleep("5 millis")
    yield* startRecovery(render, { interval: "1 hour" })
    const statuses = Effect.map(repository.history(bookingId), (history) => history.payments.map((payment) => payment.status))
    yield* statuses.pipe(
      Effect.filterOrFail((found) => found[0] === "succeeded", () => new Error("not settled")),
      Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("2 seconds"))),
    )
  }).pipe(Effect.provide(layer(timingOut(0, new Map())))), { layer: quiet })
