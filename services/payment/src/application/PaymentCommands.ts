/**
 * The payment service's commands: Pay (a charge in two transactions around the gateway call),
 * OpenIntent and BookingEnded (from booking events), RecoverStale (the recovery's step) and
 * RefundPending (the refund worker's step).
 */
import type { Principal } from "@flight/auth"
import { Lease } from "@flight/bus"
import { type BookingId, Envelope, Messages, type MessageOf, PaymentId, RefundId } from "@flight/contracts"
import { Idempotent, Spans, Traceparent } from "@flight/runtime"
import { Context, DateTime, Duration, Effect, Option, Schedule, type Scope } from "effect"
import { BookingNotFound, makePayment, type Payment } from "../domain/Payment.ts"
import { type ChargeResult, PaymentGateway } from "../domain/PaymentGateway.ts"
import { type BeginFailure, type Outgoing, PaymentRepository, type Recorded } from "../domain/PaymentRepository.ts"
import { awaitingIntent } from "./IntentWait.ts"
import * as PaymentAccess from "./PaymentAccess.ts"
import { readableGateway } from "./ReadableGateway.ts"

const source = "payment" as const

/**
 * Retries a charge or refund the gateway could not answer, with the same idempotency key: from
 * 100 ms, jittered, four times (about 1.5 s); a charge still unanswered stays pending for the recovery.
 */
export const gatewayRetry = Schedule.exponential("100 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4)))

/**
 * A charge under way is leased to the process working on it, for `lease`, renewed every third of it
 * while the process works (`Lease`): a process that dies mid-charge leaves it to the recovery of a
 * restarted process or another instance one lease later, and a live one, however slow its gateway,
 * is never overtaken. A charge the gateway did not answer is left for `unansweredRetry` before the
 * recovery tries the gateway again.
 */
export class ChargeLease extends Context.Reference<ChargeLease>()("payment/ChargeLease", {
  defaultValue: () => ({ lease: Duration.seconds(3), unansweredRetry: Duration.seconds(15) }),
}) {}

const outgoing = <M extends Outgoing["message"]>(message: M) =>
  Effect.map(Traceparent.current, (traceparent): Outgoing<M> => ({ message, traceparent: Option.getOrNull(traceparent) }))

export interface PayRequest {
  /** Who asks: the booking's rule (`PaymentAccess.payerOf`) says whether, and as whom, it may pay. */
  readonly caller: Principal.Principal
  readonly bookingId: BookingId
  readonly token: string
  readonly key: string
  readonly fingerprint: string
}

export class PaymentCommands extends Effect.Service<PaymentCommands>()("payment/PaymentCommands", {
  effect: Effect.gen(function* () {
    const repository = yield* PaymentRepository
    const withRepository = Effect.provideService(PaymentRepository, repository)
    const gateway = readableGateway(yield* PaymentGateway)
    const timing = yield* ChargeLease
    /** This process, as the holder of the charges it works on. */
    const holder = `payment-${crypto.randomUUID()}`

    /**
     * Runs work on pending payments while their lease is renewed (those no longer pending drop out):
     * the payments of every charge under way renewed together (`Lease.keeper`).
     */
    const leased = Lease.keeper((ids: ReadonlyArray<PaymentId>) => repository.renewPayments(holder, ids, timing.lease), timing.lease, "payments")

    /** Leaves payments the gateway did not answer to a later recovery pass. */
    const leaveForLater = (ids: ReadonlyArray<PaymentId>) =>
      repository.renewPayments(holder, ids, timing.unansweredRetry).pipe(
        Effect.catchAll((error) => Effect.logWarning(`payments ${ids.join(", ")} may be retried early: ${error.message}`)),
      )

    /**
     * The gateway call and the completion of a begun payment, with the payment's id as the
     * provider's key (so a repeat is the same charge). Answers the response body recorded.
     */
    const charge = (pending: Payment, render: (payment: Payment) => string) =>
      Effect.flatMap(
        gateway.charge({ key: pending.id, amount: pending.amount, token: pending.method.token }).pipe(
          Effect.retry({ schedule: gatewayRetry, while: (error) => error.transient }),
          Spans.within("PaymentGateway.charge", { kind: "client", attributes: { "payment.id": pending.id } }),
        ),
        (outcome) => complete(pending, outcome, render),
      )

    /** Records a payment's outcome (see `PaymentRepository.completePayment`); answers the response body. */
    const complete = (pending: Payment, outcome: ChargeResult, render: (payment: Payment) => string) =>
      Effect.gen(function* () {
        const now = yield* DateTime.now
        const completed = makePayment({
          ...pending,
          status: outcome._tag === "Approved" ? "succeeded" : "failed",
          transactionId: outcome._tag === "Approved" ? outcome.transactionId : null,
          failureReason: outcome._tag === "Declined" ? outcome.reason : null,
          completedAt: now,
        })
        const event = yield* outgoing(yield* Envelope.make(Messages.PaymentProcessed, {
          paymentId: completed.id,
          bookingId: completed.bookingId,
          status: completed.status === "succeeded" ? ("succeeded" as const) : ("failed" as const),
          amount: completed.amount,
          transactionId: completed.transactionId,
          failureReason: completed.failureReason,
        }, { source, correlationId: completed.bookingId }))
        const result = yield* repository.completePayment({
          paymentId: completed.id,
          outcome,
          now,
          event,
          response: { status: 201, body: render(completed) },
          refundId: RefundId.make(Bun.randomUUIDv7()),
        })
        // What is stored stands (a recovery may have completed it first): the answer is rendered from it.
        return render(result.payment)
      })

    /**
     * Settles one pending payment of a stopped or unanswered request. While the booking still owes
     * the amount, the charge is made again with the same provider key (the provider answers the
     * charge it made, or makes it). Once the booking has ended, nothing new is charged: the provider
     * is asked what it did under the key; a charge it made is completed (and so refunded), none
     * fails the payment.
     */
    const settle = (payment: Payment, render: (payment: Payment) => string) =>
      Effect.gen(function* () {
        const history = yield* repository.history(payment.bookingId)
        const owed = Option.exists(history.intent, (intent) => intent.status === "open")
        if (owed) return yield* charge(payment, render)
        const made = yield* gateway.find(payment.id)
        const outcome = Option.getOrElse(made, () => ({ _tag: "Declined" as const, reason: "booking_ended" }))
        return yield* complete(payment, outcome, render)
      })

    /**
     * Completes payments whose lease ran out: left pending by a process that stopped between begin
     * and complete, or whose gateway did not answer. They are leased to this process while it settles
     * them; one that cannot be settled now is left to a pass `unansweredRetry` later.
     */
    const recoverStale = Spans.fn("PaymentCommands.recoverStale")(function* (render: (payment: Payment) => string) {
      const stale = yield* repository.claimStale({ holder, lease: timing.lease, limit: 20 })
      if (stale.length === 0) return 0
      const unsettled: Array<PaymentId> = []
      yield* Effect.forEach(stale, (payment) =>
        // Each on its own: one that fails is logged and tried again on a later pass.
        settle(payment, render).pipe(
          Effect.catchAll((error) =>
            Effect.zipRight(
              Effect.logWarning(`stale payment ${payment.id} not settled this pass: ${error.message}`),
              Effect.sync(() => void unsettled.push(payment.id)),
            )
          ),
        ), { discard: true }).pipe(leased(stale.map((payment) => payment.id)))
      if (unsettled.length > 0) yield* leaveForLater(unsettled)
      return stale.length
    })

    /**
     * The Idempotency-Key of a payment, as the store keeps it: claimed by the begin, in the statement
     * that begins the payment (a key taken answers what it holds), and its response recorded in the
     * transaction that completes the payment, so `record` has nothing to do. Nor has `release`: a
     * charge that failed after its payment began keeps its key, since the payment stays pending (so
     * no other charge of the booking can start) until the recovery settles it and records its
     * response under the key, which the key then replays. A begin that fails claims nothing.
     */
    const keysOf = (request: PayRequest, payer: string | null): Idempotent.Store<Recorded, Payment, BeginFailure> => ({
      // A request that overtook booking.created waits for the intent (`IntentWait`), then begins.
      claim: () =>
        withRepository(awaitingIntent(request.bookingId, Effect.flatMap(DateTime.now, (now) =>
          repository.beginPayment({
            key: request.key,
            fingerprint: request.fingerprint,
            paymentId: PaymentId.make(Bun.randomUUIDv7()),
            bookingId: request.bookingId,
            payer,
            token: request.token,
            now,
            holder,
            lease: timing.lease,
          })))),
      record: () => Effect.void,
      release: () => Effect.void,
    })

    /**
     * Charges the booking's intent under its Idempotency-Key (`Idempotent.run`), when the caller may
     * pay it (`PaymentAccess.payerOf`; anyone else gets the BookingNotFound of an unknown booking,
     * whatever the key holds): begins (the owner checked, key claimed, intent checked, payment
     * pending in one statement: one round trip), calls the gateway with the payment's id as its
     * idempotency key, and completes (outcome, intent paid or the charge refunded when the booking
     * ended meanwhile, `payment.processed`, the response recorded under the key). `render` is the
     * response body the key replays.
     */
    const pay = Spans.fn("PaymentCommands.pay")(function* (request: PayRequest, render: (payment: Payment) => string) {
      yield* Effect.annotateCurrentSpan({ "booking.id": request.bookingId })
      const payer = PaymentAccess.payerOf(request.caller, request.bookingId)
      if (payer._tag === "nobody") return yield* Effect.fail(new BookingNotFound({ bookingId: request.bookingId }))
      const keys = keysOf(request, payer._tag === "owner" ? payer.sub : null)
      const { replayed, value } = yield* Idempotent.run(keys, { key: request.key, fingerprint: request.fingerprint }, (pending) =>
        // A gateway that does not answer may still have charged: the payment stays pending until the
        // recovery settles it with the same provider key; the request answers 503, and its key
        // replays the settled response.
        charge(pending, render).pipe(
          leased([pending.id]),
          Effect.tapErrorTag("GatewayUnavailable", (error) =>
            Effect.zipRight(Effect.logWarning(`payment ${pending.id} pending: ${error.message}`), leaveForLater([pending.id]))),
          Effect.map((body): Recorded => ({ status: 201, body })),
        ))
      return { replayed, ...value }
    })

    const openIntent = Spans.fn("PaymentCommands.openIntent")(function* (created: MessageOf<"booking.created">) {
      return yield* repository.openIntent(`payment/${created.id}`, {
        bookingId: created.data.bookingId,
        // Narrowed first: the helper's parameter type does not accept a version 1 message as such.
        owner: created.version === 2 ? Messages.ownerOfBookingCreated(created) : null,
        amount: created.data.total,
        holdExpiresAt: created.data.holdExpiresAt,
        now: yield* DateTime.now,
      })
    })

    const bookingEnded = Spans.fn("PaymentCommands.bookingEnded")(function* (cancelled: MessageOf<"booking.cancelled">) {
      return yield* repository.bookingEnded(`payment/${cancelled.id}`, {
        bookingId: cancelled.data.bookingId,
        reason: cancelled.data.reason,
        refundId: RefundId.make(Bun.randomUUIDv7()),
        now: yield* DateTime.now,
      })
    })

    /** Refunds what is due (a cancelled paid booking, a charge after the booking ended): each once. */
    const refundPending = Spans.fn("PaymentCommands.refundPending")(function* (limit: number) {
      const due = yield* repository.pendingRefunds(limit)
      for (const refund of due) {
        // Each on its own: one the gateway or the store refuses now is tried again on the next pass.
        yield* Effect.gen(function* () {
          const payment = yield* repository.getPayment(refund.paymentId)
          if (Option.isNone(payment) || payment.value.transactionId === null) return
          const refunded = yield* gateway.refund({ key: refund.id, transactionId: payment.value.transactionId, amount: refund.amount }).pipe(
            Effect.retry({ schedule: gatewayRetry, while: (error) => error.transient }),
          )
          const event = yield* outgoing(yield* Envelope.make(Messages.PaymentRefunded, {
            paymentId: refund.paymentId,
            bookingId: refund.bookingId,
            refundId: refund.id,
            amount: refund.amount,
          }, { source, correlationId: refund.bookingId }))
          yield* repository.completeRefund(refund.id, refunded.transactionId, yield* DateTime.now, event)
        }).pipe(Effect.catchAll((error) => Effect.logWarning(`refund ${refund.id} not done this pass: ${error.message}`)))
      }
      return due.length
    })

    return { pay, recoverStale, openIntent, bookingEnded, refundPending } as const
  }),
}) {}

/**
 * Runs the recovery of interrupted payments until the scope closes: a pass at once (a restarted
 * process takes over what it left as soon as the lease allows), then every `interval` (a second: a
 * charge whose process died is settled within a lease and a second of its last renewal).
 */
export const startRecovery = (
  render: (payment: Payment) => string,
  options: { readonly interval?: Duration.DurationInput } = {},
): Effect.Effect<void, never, PaymentCommands | Scope.Scope> =>
  Effect.gen(function* () {
    const commands = yield* PaymentCommands
    const pass = commands.recoverStale(render).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("payment recovery pass failed", cause)),
      Effect.zipRight(Effect.sleep(options.interval ?? "1 second")),
    )
    yield* Effect.forkScoped(Effect.forever(pass))
  })

/** Runs the refund worker until the scope closes: every `interval`, what is due is refunded. */
export const startRefunds = (interval: Duration.DurationInput = "500 millis"): Effect.Effect<void, never, PaymentCommands | Scope.Scope> =>
  Effect.gen(function* () {
    const commands = yield* PaymentCommands
    const pass = commands.refundPending(20).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("refund pass failed", cause)),
      Effect.zipRight(Effect.sleep(interval)),
    )
    yield* Effect.forkScoped(Effect.forever(pass))
  })
