/**
 * The port through which the payment service keeps intents, payments and refunds. Each operation
 * is one transaction of the store, with the events it produces (outbox) and, for message handlers,
 * the id of the message it applies (inbox): a redelivery finds the message applied and changes
 * nothing. The store never holds a transaction open while the gateway is called: a charge is begun
 * in one transaction and completed in another.
 */
import type { AccountSubject, AnyMessage, BookingId, MessageOf, Money, PaymentId, RefundId } from "@flight/contracts"
import { type Idempotent, StoreError } from "@flight/runtime"
import { Context, type DateTime, type Duration, type Effect, type Option, Schema } from "effect"
import type {
  BookingNotFound,
  IntentNotOpenYet,
  NoOpenIntent,
  Payment,
  PaymentInProgress,
  PaymentIntent,
  Refund,
} from "./Payment.ts"

/** The payment store failed (transient unless it holds what this build cannot read, or a migration failed). */
export class PaymentStoreError extends StoreError.Tagged("PaymentStoreError", "payment") {}

/** The booking's hold ran out: it can no longer be paid. */
export class HoldExpired extends Schema.TaggedError<HoldExpired>()("HoldExpired", { bookingId: Schema.String }) {
  override get message() {
    return `The hold of booking ${this.bookingId} has run out; it can no longer be paid`
  }
}

export interface Outgoing<M extends AnyMessage = AnyMessage> {
  readonly message: M
  readonly traceparent: string | null
}

/** Begins a charge under an Idempotency-Key (`key`, the `fingerprint` of its request). */
export interface BeginPayment extends Idempotent.Request {
  readonly paymentId: PaymentId
  readonly bookingId: BookingId
  /**
   * The account the booking's intent must name as its owner for the payment to begin; null when
   * whoever asks may pay it (its guest token). Checked before the key is looked at, so a stranger
   * learns nothing of a key: an intent of another owner (or none) fails BookingNotFound, no intent
   * yet IntentNotOpenYet.
   */
  readonly payer: string | null
  readonly token: string
  readonly now: DateTime.Utc
  /** The process that charges it: the pending payment is leased to it for `lease`, renewed while it works. */
  readonly holder: string
  readonly lease: Duration.Duration
}

/** Pending payments to settle, leased to the process that settles them. */
export interface ClaimStale {
  readonly holder: string
  readonly lease: Duration.Duration
  readonly limit: number
}

/** A response as its Idempotency-Key records it and replays it: the status and the JSON body. */
export interface Recorded {
  readonly status: number
  readonly body: string
}

/**
 * What `beginPayment` found under the key: nothing, so the payment is begun (`Fresh`, a pending
 * payment for the intent's amount: call the gateway, then `completePayment`); a first request whose
 * payment is not complete yet (`Running`); or the response the first request recorded (`Done`). The
 * fingerprint recorded with the key comes with the last two: `Idempotent.run` compares it.
 */
export type Begun = Idempotent.Lookup<Recorded, Payment>

/**
 * Why a payment cannot begin: not the payer's booking, no intent yet, nothing to pay, the hold ran
 * out, another charge under way, the store.
 */
export type BeginFailure = BookingNotFound | IntentNotOpenYet | NoOpenIntent | HoldExpired | PaymentInProgress | PaymentStoreError

export interface CompletePayment {
  readonly paymentId: PaymentId
  readonly outcome: { readonly _tag: "Approved"; readonly transactionId: string } | { readonly _tag: "Declined"; readonly reason: string }
  readonly now: DateTime.Utc
  /** `payment.processed` for the outcome. */
  readonly event: Outgoing<MessageOf<"payment.processed">>
  /** The response to record under the Idempotency-Key that began the payment. */
  readonly response: Recorded
  /** A refund id, used when the booking ended while the charge was under way. */
  readonly refundId: RefundId
}

export interface History {
  readonly intent: Option.Option<PaymentIntent>
  readonly payments: ReadonlyArray<Payment>
  readonly refunds: ReadonlyArray<Refund>
}

export class PaymentRepository extends Context.Tag("payment/PaymentRepository")<PaymentRepository, {
  /**
   * `booking.created`: opens the booking's intent with its owner, once per message. A booking whose
   * `booking.cancelled` came first stays closed, and learns its owner. False when the message was
   * applied before.
   */
  readonly openIntent: (
    messageKey: string,
    intent: {
      readonly bookingId: BookingId
      /** The account that made the booking; null for a guest's (or a version 1 message). */
      readonly owner: AccountSubject | null
      readonly amount: Money
      readonly holdExpiresAt: DateTime.Utc
      readonly now: DateTime.Utc
    },
  ) => Effect.Effect<boolean, PaymentStoreError>
  /**
   * `booking.cancelled`: closes an open intent; for a paid one, records a pending refund of its
   * payment (at most one per payment). Once per message.
   */
  readonly bookingEnded: (
    messageKey: string,
    ended: {
      readonly bookingId: BookingId
      readonly reason: "customer" | "expired" | "flight-cancelled"
      readonly refundId: RefundId
      readonly now: DateTime.Utc
    },
  ) => Effect.Effect<"closed" | "refund" | "nothing", PaymentStoreError>
  /**
   * First step of a charge and the claim of its Idempotency-Key (`Idempotent.Store.claim`), one
   * transaction: once the booking is the payer's (see `BeginPayment.payer`), when the key holds
   * nothing, checks the intent is open and unexpired, records a pending payment for its amount (at
   * most one pending per booking), leased to the request's holder, and the key with it; otherwise
   * answers what the key holds (see `Begun`), without looking further at the intent. The key's
   * response is recorded by `completePayment`.
   */
  readonly beginPayment: (
    request: BeginPayment,
  ) => Effect.Effect<Begun, BeginFailure>
  /**
   * Second step, one transaction: records the gateway's outcome, pays the intent (or, when the
   * booking ended meanwhile, records a refund of the charge), the event, and the response.
   */
  readonly completePayment: (
    request: CompletePayment,
  ) => Effect.Effect<{ readonly payment: Payment; readonly refund: Option.Option<Refund> }, PaymentStoreError>
  /**
   * Pending payments whose lease ran out (their process stopped mid-way, or left them after the
   * gateway did not answer), oldest first, leased to `holder`: to settle. A payment begun by a build
   * that leased nothing is taken once it is a minute old.
   */
  readonly claimStale: (request: ClaimStale) => Effect.Effect<ReadonlyArray<Payment>, PaymentStoreError>
  /**
   * Extends the lease of the payments among `ids` that `holder` still holds and that are still
   * pending to `lease` from now; answers their ids (a payment another process took is not taken back).
   */
  readonly renewPayments: (
    holder: string,
    ids: ReadonlyArray<PaymentId>,
    lease: Duration.Duration,
  ) => Effect.Effect<ReadonlyArray<PaymentId>, PaymentStoreError>
  readonly pendingRefunds: (limit: number) => Effect.Effect<ReadonlyArray<Refund>, PaymentStoreError>
  /** Records a refund's success and its `payment.refunded`; false when it was completed before. */
  readonly completeRefund: (
    refundId: RefundId,
    transactionId: string,
    now: DateTime.Utc,
    event: Outgoing<MessageOf<"payment.refunded">>,
  ) => Effect.Effect<boolean, PaymentStoreError>
  /**
   * Forgets the Idempotency-Keys recorded before `before` whose response is recorded (a request
   * still under way keeps its key until the recovery answers it); answers how many.
   */
  readonly purgeKeys: (before: DateTime.Utc) => Effect.Effect<number, PaymentStoreError>
  readonly getPayment: (id: PaymentId) => Effect.Effect<Option.Option<Payment>, PaymentStoreError>
  /**
   * The booking's intent as stored, for deciding who may reach the booking: None until
   * `booking.created` or `booking.cancelled` arrives. A cancellation that came first leaves a closed
   * intent of amount 0 XXX (which `history` does not show), with the owner once `booking.created` names it.
   */
  readonly getIntent: (bookingId: BookingId) => Effect.Effect<Option.Option<PaymentIntent>, PaymentStoreError>
  /** A mark of the intents arrived so far, taken before a request first looks for its intent. */
  readonly intentMark: Effect.Effect<number>
  /**
   * Completes once the booking's intent arrived (`booking.created`, or a cancellation that came
   * first) after `since`, a mark: at once if it already has, otherwise when it does, in this process
   * or in another instance on the same store. A request that overtook its booking's event waits on it.
   */
  readonly intentArrival: (bookingId: BookingId, since: number) => Effect.Effect<void>
  readonly history: (bookingId: BookingId) => Effect.Effect<History, PaymentStoreError>
}>() {}
