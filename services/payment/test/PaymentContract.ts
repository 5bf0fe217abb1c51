/**
 * The payment store's contract, through the commands that use it: run on the in-memory adapter
 * always, and on PostgreSQL (a fresh database per test) when DATABASE_URL is set.
 */
import { Principal } from "@flight/auth"
import { Lease, Outbox } from "@flight/bus"
import { BookingId, type MessageOf, PaymentId, StoredMessage } from "@flight/contracts"
import { IdempotencyKey } from "@flight/runtime"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Clock, DateTime, Duration, Effect, Either, Fiber, type Layer, Logger, Option, Schedule, type Scope } from "effect"
import { IntentWait } from "../src/application/IntentWait.ts"
import { PaymentCommands } from "../src/application/PaymentCommands.ts"
import { PaymentRepository } from "../src/domain/PaymentRepository.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

export { bookingCancelled, bookingCreated, bookingCreatedBy, render } from "./support/Fixtures.ts"
import { bookingCancelled, bookingCreated, bookingCreatedBy, render, guestOf } from "./support/Fixtures.ts"

type Services = PaymentCommands | PaymentRepository | Outbox.Store

export const contract = (name: string, layer: () => Effect.Effect<Layer.Layer<Services, unknown>, unknown, Scope.Scope>) => {
  const it = (title: string, body: () => Effect.Effect<void, unknown, Services | Scope.Scope>) =>
    EffectTest.effect(title, () => Effect.flatMap(layer(), (built) => Effect.scoped(Effect.provide(body(), built))), {
      layer: quiet,
      timeout: 60_000,
    })

  describe(`payments: ${name}`, () => {
    describe("charges", () => {
      it("50 concurrent identical requests under one key: one charge, 50 identical responses", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          const fingerprint = IdempotencyKey.fingerprint("POST /api/payments", { bookingId, token: "tok_visa" })
          const answers = yield* Effect.forEach(
            Array.from({ length: 50 }),
            () => commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "same-key", fingerprint }, render),
            { concurrency: 50 },
          )
          expect(new Set(answers.map((answer) => `${answer.status} ${answer.body}`)).size).toBe(1)
          expect(answers.filter((answer) => !answer.replayed)).toHaveLength(1)
          const history = yield* repository.history(bookingId)
          expect(history.payments.map((payment) => payment.status)).toEqual(["succeeded"])
        }))

      it("20 concurrent requests with different keys for one booking: one charge, a conflict for each other", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          const answers = yield* Effect.forEach(
            Array.from({ length: 20 }, (_, index) => index),
            (index) => Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: `key-${index}`, fingerprint: "f" }, render)),
            { concurrency: 20 },
          )
          const paid = answers.filter((answer) => answer._tag === "Right")
          expect(paid).toHaveLength(1)
          const conflicts = answers.flatMap((answer) => (answer._tag === "Left" ? [answer.left._tag] : []))
          expect(conflicts).toHaveLength(19)
          for (const tag of conflicts) expect(["PaymentInProgress", "NoOpenIntent"]).toContain(tag)
          const history = yield* repository.history(bookingId)
          expect(history.payments.filter((payment) => payment.status === "succeeded")).toHaveLength(1)
          expect(Option.map(history.intent, (intent) => intent.status)).toEqual(Option.some("paid"))
        }))

      it("the amount charged is the booking's total, whatever the request", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId, 123_456))
          yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_mastercard", key: "k", fingerprint: "f" }, render)
          const [payment] = (yield* repository.history(bookingId)).payments
          expect(payment!.amount).toEqual({ amount: 123_456, currency: "GBP" })
        }))
    })

    describe("interrupted payments", () => {
      it("a payment left pending by a stopped process is completed by the recovery, and its key then replays the response", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          // Begun, then the process stopped before the gateway call; its lease has run out.
          const begun = yield* repository.beginPayment({
            key: "interrupted",
            fingerprint: "f",
            payer: null,
            paymentId: PaymentId.make(Bun.randomUUIDv7()),
            bookingId,
            token: "tok_visa",
            now: yield* DateTime.now,
            holder: "stopped",
            lease: Duration.zero,
          })
          expect(begun._tag).toBe("Fresh")
          const blocked = yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "other", fingerprint: "g" }, render))
          expect(blocked._tag === "Left" && blocked.left._tag).toBe("PaymentInProgress")
          yield* Effect.sleep("5 millis") // past the lease, by a clock tick
          expect(yield* commands.recoverStale(render)).toBe(1)
          const history = yield* repository.history(bookingId)
          expect(history.payments.map((payment) => payment.status)).toEqual(["succeeded"])
          expect(Option.map(history.intent, (intent) => intent.status)).toEqual(Option.some("paid"))
          const replay = yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "interrupted", fingerprint: "f" }, render)
          expect(replay.replayed).toBe(true)
          expect(JSON.parse(replay.body)).toMatchObject({ id: history.payments[0]!.id, status: "succeeded" })
          expect(yield* commands.recoverStale(render)).toBe(0)
        }))

      it("a charge whose process renews its lease is never taken by the recovery; once it stops, the recovery settles it a lease later, once", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const outbox = yield* Outbox.Store
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          const lease = Duration.millis(1_500)
          const paymentId = PaymentId.make(Bun.randomUUIDv7())
          yield* repository.beginPayment({ key: "slow", fingerprint: "f", payer: null, paymentId, bookingId, token: "tok_visa", now: yield* DateTime.now, holder: "live", lease })
          // A live process, its gateway slow: it renews, and the recovery (another holder) leaves it alone.
          const renewals = yield* Effect.fork(
            Effect.repeat(repository.renewPayments("live", [paymentId], lease), Schedule.spaced(Lease.renewalInterval(lease))),
          )
          const until = (yield* Clock.currentTimeMillis) + 2 * Duration.toMillis(lease)
          while ((yield* Clock.currentTimeMillis) < until) {
            expect(yield* commands.recoverStale(render)).toBe(0)
            yield* Effect.sleep("100 millis")
          }
          expect(yield* repository.renewPayments("another", [paymentId], lease)).toEqual([])
          expect(yield* repository.renewPayments("live", [paymentId], lease)).toEqual([paymentId])
          // The process dies: the recovery settles the charge within the lease (and a little).
          yield* Fiber.interrupt(renewals)
          const stoppedAt = yield* Clock.currentTimeMillis
          yield* commands.recoverStale(render).pipe(
            Effect.filterOrFail((settled) => settled === 1, () => new Error("not settled yet")),
            Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("10 seconds"))),
          )
          expect((yield* Clock.currentTimeMillis) - stoppedAt).toBeLessThanOrEqual(Duration.toMillis(lease) + 1_000)
          expect((yield* repository.history(bookingId)).payments.map((payment) => [payment.id, payment.status])).toEqual([[paymentId, "succeeded"]])
          // The dead holder's renewal finds nothing to hold; the charge went out once.
          expect(yield* repository.renewPayments("live", [paymentId], lease)).toEqual([])
          expect(yield* commands.recoverStale(render)).toBe(0)
          const entries = yield* outbox.claim({ owner: "test", limit: 100, lease: Duration.seconds(30) })
          expect(entries.filter((entry) => entry.message.type === "payment.processed").map((entry) => (StoredMessage.decodeSync(entry.message) as MessageOf<"payment.processed">).data.paymentId)).toEqual([paymentId])
        }))
    })

    describe("Idempotency-Keys", () => {
      it("purging forgets the keys answered before the cutoff; a request still under way keeps its key", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const [paid, pending] = [BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7())]
          yield* commands.openIntent(yield* bookingCreated(paid))
          yield* commands.openIntent(yield* bookingCreated(pending))
          const fingerprint = IdempotencyKey.fingerprint("POST /api/payments", { bookingId: paid, token: "tok_visa" })
          expect((yield* commands.pay({ caller: guestOf(paid), bookingId: paid, token: "tok_visa", key: "answered", fingerprint }, render)).status).toBe(201)
          yield* repository.beginPayment({
            key: "under-way",
            fingerprint: "f",
            payer: null,
            paymentId: PaymentId.make(Bun.randomUUIDv7()),
            bookingId: pending,
            token: "tok_visa",
            now: yield* DateTime.now,
            holder: "elsewhere",
            lease: Duration.seconds(30),
          })
          const now = yield* DateTime.now
          expect(yield* repository.purgeKeys(DateTime.subtractDuration(now, Duration.hours(1)))).toBe(0)
          expect((yield* commands.pay({ caller: guestOf(paid), bookingId: paid, token: "tok_visa", key: "answered", fingerprint }, render)).replayed).toBe(true)
          expect(yield* repository.purgeKeys(DateTime.addDuration(now, Duration.hours(1)))).toBe(1)
          // The key is forgotten: the request is a new one, and the booking is paid already.
          const again = yield* Effect.either(commands.pay({ caller: guestOf(paid), bookingId: paid, token: "tok_visa", key: "answered", fingerprint }, render))
          expect(again._tag === "Left" && again.left._tag).toBe("NoOpenIntent")
          const underWay = yield* Effect.either(commands.pay({ caller: guestOf(pending), bookingId: pending, token: "tok_visa", key: "under-way", fingerprint: "f" }, render))
          expect(underWay._tag === "Left" && underWay.left._tag).toBe("RequestInProgress")
        }))
    })

    describe("owners", () => {
      it("a charge begins only for whom the booking's rule lets pay: another account is told BookingNotFound, even under the owner's answered key", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const [owned, guests, early] = [BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7())]
          yield* commands.openIntent(yield* bookingCreatedBy("customer-a", owned))
          yield* commands.openIntent(yield* bookingCreatedBy(null, guests))
          const [a, b] = [new Principal.Customer({ sub: "customer-a", roles: ["customer"] }), new Principal.Customer({ sub: "customer-b", roles: ["customer"] })]
          const pay = (caller: Principal.Principal, bookingId: BookingId, key: string) =>
            Effect.either(commands.pay({ caller, bookingId, token: "tok_visa", key, fingerprint: "f" }, render).pipe(
              Effect.provideService(IntentWait, { within: Duration.millis(10) }),
            ))
          const tagOf = (answer: Either.Either<{ readonly replayed: boolean }, { readonly _tag: string }>) =>
            Either.match(answer, { onLeft: (error) => error._tag, onRight: (paid) => (paid.replayed ? "replayed" : "paid") })
          expect(tagOf(yield* pay(a, owned, "a-key"))).toBe("paid")
          expect([tagOf(yield* pay(b, owned, "a-key")), tagOf(yield* pay(b, owned, "b-key"))]).toEqual(["BookingNotFound", "BookingNotFound"])
          expect(tagOf(yield* pay(a, owned, "a-key"))).toBe("replayed")
          // A guest's booking: no account pays it, its guest token does; an account before the intent is not ready.
          expect(tagOf(yield* pay(a, guests, "g-key"))).toBe("BookingNotFound")
          expect(tagOf(yield* pay(guestOf(guests), guests, "g-key"))).toBe("paid")
          expect(tagOf(yield* pay(a, early, "e-key"))).toBe("IntentNotOpenYet")
          expect(tagOf(yield* pay(guestOf(owned), early, "o-key"))).toBe("BookingNotFound")
          const charged = yield* Effect.forEach([owned, guests, early], (bookingId) =>
            Effect.map(repository.history(bookingId), (history) => history.payments.length))
          expect(charged).toEqual([1, 1, 0])
        }))

      it("booking.created v2 records its owner with the intent; a guest's (owner null) and a version 1 record none", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const [owned, guests, v1] = [BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7())]
          yield* commands.openIntent(yield* bookingCreatedBy("customer-a", owned))
          yield* commands.openIntent(yield* bookingCreatedBy(null, guests))
          yield* commands.openIntent(yield* bookingCreated(v1))
          const ownerOf = (bookingId: BookingId) =>
            Effect.map(repository.getIntent(bookingId), Option.map((intent) => [intent.owner, intent.status, intent.amount.amount]))
          expect(yield* ownerOf(owned)).toEqual(Option.some(["customer-a", "open", 90000]))
          expect(yield* ownerOf(guests)).toEqual(Option.some([null, "open", 90000]))
          expect(yield* ownerOf(v1)).toEqual(Option.some([null, "open", 90000]))
          expect(Option.map((yield* repository.history(owned)).intent, (intent) => intent.owner)).toEqual(Option.some("customer-a"))
          expect(yield* repository.getIntent(BookingId.make(Bun.randomUUIDv7()))).toEqual(Option.none())
        }))

      it("the owner stays what the first booking.created said, and stays with the intent once paid", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreatedBy("customer-a", bookingId))
          yield* commands.openIntent(yield* bookingCreatedBy("customer-b", bookingId))
          yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k", fingerprint: "f" }, render)
          const intent = Option.getOrThrow(yield* repository.getIntent(bookingId))
          expect([intent.owner, intent.status]).toEqual(["customer-a", "paid"])
        }))

      it("a booking.cancelled that overtakes its booking.created leaves a closed intent that learns its owner", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.bookingEnded(yield* bookingCancelled(bookingId, "expired"))
          expect(Option.map(yield* repository.getIntent(bookingId), (intent) => [intent.owner, intent.status])).toEqual(Option.some([null, "closed"]))
          yield* commands.openIntent(yield* bookingCreatedBy("customer-a", bookingId))
          expect(Option.map(yield* repository.getIntent(bookingId), (intent) => [intent.owner, intent.status])).toEqual(Option.some(["customer-a", "closed"]))
          expect((yield* repository.history(bookingId)).intent).toEqual(Option.none())
        }))
    })

    describe("booking events, redelivered", () => {
      it("an intent created twice from a redelivered booking.created exists once", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          const created = yield* bookingCreated(bookingId)
          const applied = yield* Effect.forEach([created, created, created], (message) => commands.openIntent(message), { concurrency: 3 })
          expect(applied.filter(Boolean)).toHaveLength(1)
          // Another booking.created of the booking (another message) does not open it again either.
          expect(yield* commands.openIntent(yield* bookingCreated(bookingId, 1))).toBe(true)
          const intent = Option.getOrThrow((yield* repository.history(bookingId)).intent)
          expect([intent.status, intent.amount.amount]).toEqual(["open", 90000])
        }))

      it("a refund happens once under a redelivered booking.cancelled, for the full amount", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const repository = yield* PaymentRepository
          const outbox = yield* Outbox.Store
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k", fingerprint: "f" }, render)
          const cancelled = yield* bookingCancelled(bookingId)
          yield* Effect.forEach([cancelled, cancelled, cancelled], (message) => commands.bookingEnded(message), { concurrency: 3 })
          yield* commands.refundPending(10)
          yield* commands.bookingEnded(cancelled)
          yield* commands.refundPending(10)
          const history = yield* repository.history(bookingId)
          expect(history.refunds.map((refund) => [refund.status, refund.amount.amount])).toEqual([["succeeded", 90000]])
          const entries = yield* outbox.claim({ owner: "test", limit: 100, lease: Duration.seconds(30) })
          const refunded = entries.filter((entry) => entry.message.type === "payment.refunded")
          expect(refunded).toHaveLength(1)
          expect((StoredMessage.decodeSync(refunded[0]!.message) as MessageOf<"payment.refunded">).data.amount).toEqual({ amount: 90000, currency: "GBP" })
        }))

      it("an unpaid booking that ends closes its intent: it can no longer be paid", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          expect(yield* commands.bookingEnded(yield* bookingCancelled(bookingId, "expired"))).toBe("closed")
          const refused = yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k", fingerprint: "f" }, render))
          expect(refused._tag === "Left" && refused.left._tag).toBe("NoOpenIntent")
        }))

      it("a booking.cancelled that overtakes its booking.created leaves nothing to pay", () =>
        Effect.gen(function* () {
          const commands = yield* PaymentCommands
          const bookingId = BookingId.make(Bun.randomUUIDv7())
          yield* commands.bookingEnded(yield* bookingCancelled(bookingId, "expired"))
          yield* commands.openIntent(yield* bookingCreated(bookingId))
          const refused = yield* Effect.either(commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k", fingerprint: "f" }, render))
          expect(refused._tag === "Left" && refused.left._tag).toBe("NoOpenIntent")
        }))
    })
  })
}
