/**
 * Intents, payments and refunds in memory, for the embedded mode and tests: the same semantics as
 * the PostgreSQL adapter (one succeeded and one pending payment per booking, one refund per
 * payment, each message applied once). Each operation is one synchronous block, so it is atomic
 * within the process.
 */
import { Outbox } from "@flight/bus"
import type { BookingId, PaymentId, RefundId } from "@flight/contracts"
import { Idempotent, type StoreHealth, StoreHealthLayer } from "@flight/runtime"
import { Clock, Context, DateTime, Duration, Effect, Layer, Option } from "effect"
import * as IntentSignals from "./IntentSignals.ts"
import { BookingNotFound, IntentNotOpenYet, NoOpenIntent, Payment, PaymentInProgress, PaymentIntent, Refund } from "../domain/Payment.ts"
import { HoldExpired, type Outgoing, PaymentRepository, type Recorded } from "../domain/PaymentRepository.ts"

type Repository = PaymentRepository["Type"]

export const make = Effect.sync(() => {
  const intents = new Map<BookingId, PaymentIntent>()
  const payments = new Map<PaymentId, Payment>()
  const refunds = new Map<RefundId, Refund>()
  const applied = new Set<string>()
  const keys = new Map<
    string,
    { fingerprint: string; paymentId: PaymentId | null; response: Recorded | null; readonly at: DateTime.Utc }
  >()
  /** Who holds each pending payment, and until when (epoch ms). */
  const leases = new Map<PaymentId, { holder: string; until: number }>()
  const outbox = Outbox.inMemory()
  const arrivals = IntentSignals.make()

  const append = (events: ReadonlyArray<Outgoing>, now: number) =>
    outbox.appendNow(events.map((event) => ({ id: event.message.id, message: event.message, traceparent: event.traceparent })), now)

  const ofBooking = (bookingId: BookingId) => [...payments.values()].filter((payment) => payment.bookingId === bookingId)

  const repository: Repository = {
    openIntent: (messageKey, intent) =>
      Effect.sync(() => {
        if (applied.has(messageKey)) return false
        applied.add(messageKey)
        const stored = intents.get(intent.bookingId)
        if (stored === undefined) {
          intents.set(intent.bookingId, new PaymentIntent({
            bookingId: intent.bookingId,
            owner: intent.owner,
            amount: intent.amount,
            status: "open",
            holdExpiresAt: intent.holdExpiresAt,
            paymentId: null,
            closedReason: null,
            createdAt: intent.now,
            updatedAt: intent.now,
          }))
        } else if (stored.amount.currency === "XXX" && stored.owner === null) {
          // The cancellation came first: the intent stays closed, and now knows whose booking it was.
          intents.set(intent.bookingId, new PaymentIntent({ ...stored, owner: intent.owner }))
        }
        return true
      }).pipe(Effect.tap((applied) => (applied ? arrivals.signal(intent.bookingId) : Effect.void))),

    intentMark: arrivals.mark,
    intentArrival: arrivals.arrival,

    bookingEnded: (messageKey, ended) =>
      Effect.sync(() => {
        if (applied.has(messageKey)) return "nothing" as const
        applied.add(messageKey)
        const intent = intents.get(ended.bookingId)
        if (intent === undefined || intent.status === "open") {
          intents.set(ended.bookingId, new PaymentIntent({
            bookingId: ended.bookingId,
            owner: intent?.owner ?? null,
            amount: intent?.amount ?? { amount: 0, currency: "XXX" },
            status: "closed",
            holdExpiresAt: intent?.holdExpiresAt ?? ended.now,
            paymentId: null,
            closedReason: ended.reason,
            createdAt: intent?.createdAt ?? ended.now,
            updatedAt: ended.now,
          }))
          return "closed" as const
        }
        const charge = ofBooking(ended.bookingId).find((payment) => payment.status === "succeeded")
        if (charge === undefined || [...refunds.values()].some((refund) => refund.paymentId === charge.id)) return "nothing" as const
        refunds.set(ended.refundId, new Refund({
          id: ended.refundId,
          paymentId: charge.id,
          bookingId: ended.bookingId,
          amount: charge.amount,
          status: "pending",
          reason: "booking-cancelled",
          transactionId: null,
          createdAt: ended.now,
          completedAt: null,
        }))
        return "refund" as const
      }),

    beginPayment: (request) =>
      Effect.flatMap(Clock.currentTimeMillis, (at): ReturnType<Repository["beginPayment"]> => {
        const intent = intents.get(request.bookingId)
        if (request.payer !== null && intent === undefined) return Effect.fail(new IntentNotOpenYet({ bookingId: request.bookingId }))
        if (request.payer !== null && intent?.owner !== request.payer) {
          return Effect.fail(new BookingNotFound({ bookingId: request.bookingId }))
        }
        const recorded = keys.get(request.key)
        if (recorded !== undefined) {
          return Effect.succeed(
            recorded.response === null
              ? Idempotent.running(recorded.fingerprint)
              : Idempotent.done(recorded.fingerprint, recorded.response),
          )
        }
        if (intent === undefined) return Effect.fail(new IntentNotOpenYet({ bookingId: request.bookingId }))
        if (intent.status !== "open") {
          return Effect.fail(new NoOpenIntent({ bookingId: request.bookingId, status: intent.closedReason ?? intent.status }))
        }
        if (DateTime.greaterThanOrEqualTo(request.now, intent.holdExpiresAt)) return Effect.fail(new HoldExpired({ bookingId: request.bookingId }))
        if (ofBooking(request.bookingId).some((payment) => payment.status === "pending")) {
          return Effect.fail(new PaymentInProgress({ bookingId: request.bookingId }))
        }
        const payment = new Payment({
          id: request.paymentId,
          bookingId: request.bookingId,
          status: "pending",
          amount: intent.amount,
          method: { type: "card", token: request.token },
          transactionId: null,
          failureReason: null,
          createdAt: request.now,
          completedAt: null,
        })
        payments.set(payment.id, payment)
        leases.set(payment.id, { holder: request.holder, until: at + Duration.toMillis(request.lease) })
        keys.set(request.key, { fingerprint: request.fingerprint, paymentId: payment.id, response: null, at: request.now })
        return Effect.succeed(Idempotent.fresh(payment))
      }),

    completePayment: (request) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.sync(() => {
          const stored = payments.get(request.paymentId)!
          if (stored.status !== "pending") {
            const refund = [...refunds.values()].find((candidate) => candidate.paymentId === stored.id)
            return { payment: stored, refund: Option.fromNullable(refund) }
          }
          const approved = request.outcome._tag === "Approved"
          const payment = new Payment({
            ...stored,
            status: approved ? "succeeded" : "failed",
            transactionId: request.outcome._tag === "Approved" ? request.outcome.transactionId : null,
            failureReason: request.outcome._tag === "Declined" ? request.outcome.reason : null,
            completedAt: request.now,
          })
          payments.set(payment.id, payment)
          leases.delete(payment.id)
          let refund = Option.none<Refund>()
          if (approved) {
            const intent = intents.get(payment.bookingId)!
            if (intent.status === "open") {
              intents.set(intent.bookingId, new PaymentIntent({ ...intent, status: "paid", paymentId: payment.id, updatedAt: request.now }))
            } else {
              const created = new Refund({
                id: request.refundId,
                paymentId: payment.id,
                bookingId: payment.bookingId,
                amount: payment.amount,
                status: "pending",
                reason: "charged-after-booking-ended",
                transactionId: null,
                createdAt: request.now,
                completedAt: null,
              })
              refunds.set(created.id, created)
              refund = Option.some(created)
            }
          }
          append([request.event], at)
          for (const key of keys.values()) {
            if (key.paymentId === request.paymentId) key.response = { status: request.response.status, body: request.response.body }
          }
          return { payment, refund }
        })),

    purgeKeys: (before) =>
      Effect.sync(() => {
        let purged = 0
        for (const [key, recorded] of keys) {
          if (recorded.response !== null && DateTime.lessThan(recorded.at, before)) {
            keys.delete(key)
            purged++
          }
        }
        return purged
      }),

    claimStale: ({ holder, lease, limit }) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          const stale = [...payments.values()]
            .filter((payment) => payment.status === "pending" && (leases.get(payment.id)?.until ?? 0) < now)
            .slice(0, limit)
          for (const payment of stale) leases.set(payment.id, { holder, until: now + Duration.toMillis(lease) })
          return stale
        })),

    renewPayments: (holder, ids, lease) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() =>
          ids.filter((id) => {
            const held = leases.get(id)
            if (held === undefined || held.holder !== holder || payments.get(id)?.status !== "pending") return false
            held.until = now + Duration.toMillis(lease)
            return true
          })
        )),

    pendingRefunds: (limit) => Effect.sync(() => [...refunds.values()].filter((refund) => refund.status === "pending").slice(0, limit)),

    completeRefund: (refundId, transactionId, now, event) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        Effect.sync(() => {
          const refund = refunds.get(refundId)
          if (refund === undefined || refund.status !== "pending") return false
          refunds.set(refundId, new Refund({ ...refund, status: "succeeded", transactionId, completedAt: now }))
          append([event], at)
          return true
        })),

    getPayment: (id) => Effect.sync(() => Option.fromNullable(payments.get(id))),

    getIntent: (bookingId) => Effect.sync(() => Option.fromNullable(intents.get(bookingId))),

    history: (bookingId) =>
      Effect.sync(() => ({
        intent: Option.filter(Option.fromNullable(intents.get(bookingId)), (intent) => intent.amount.currency !== "XXX"),
        payments: ofBooking(bookingId),
        refunds: [...refunds.values()].filter((refund) => refund.bookingId === bookingId),
      })),
  }
  return { repository, outbox }
})

/** The repository, its outbox and an always-up store health, for the embedded mode. */
export const layer: Layer.Layer<PaymentRepository | Outbox.Store | StoreHealth> = Layer.effectContext(
  Effect.map(make, ({ outbox, repository }) =>
    Context.make(PaymentRepository, repository).pipe(Context.add(Outbox.Store, outbox))),
).pipe(Layer.merge(StoreHealthLayer.inMemory))
