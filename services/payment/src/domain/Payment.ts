/**
 * Payments for bookings: the intent a booking opens (the amount due), the attempts to charge it,
 * and the refunds. Every charge and refund goes through the `PaymentGateway` port; the rules that
 * make a booking charged at most once and refunded at most once live here and, as constraints, in
 * the store.
 */
import { AccountSubject, BookingId, Money, PaymentId, RefundId, SchemaClass } from "@flight/contracts"
import { Schema } from "effect"

export const IntentStatus = Schema.Literal("open", "paid", "closed")
export type IntentStatus = typeof IntentStatus.Type

export const CloseReason = Schema.Literal("customer", "expired", "flight-cancelled")

/** What a booking owes: opened by `booking.created`, paid once, or closed when the booking ends unpaid. */
export class PaymentIntent extends Schema.Class<PaymentIntent>("PaymentIntent")({
  bookingId: BookingId,
  /**
   * The account that made the booking (the `sub` of `booking.created` v2); null for a guest's
   * booking, for one announced by a version 1 message, and for intents recorded before owners were.
   */
  owner: Schema.NullOr(AccountSubject),
  amount: Money,
  status: IntentStatus,
  holdExpiresAt: Schema.DateTimeUtc,
  /** The payment that paid it. */
  paymentId: Schema.NullOr(PaymentId),
  closedReason: Schema.NullOr(CloseReason),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
}) {}

export const PaymentStatus = Schema.Literal("pending", "succeeded", "failed")
export type PaymentStatus = typeof PaymentStatus.Type

/** One attempt to charge a booking's intent with a card token. */
export class Payment extends Schema.Class<Payment>("Payment")({
  id: PaymentId,
  bookingId: BookingId,
  status: PaymentStatus,
  amount: Money,
  method: Schema.Struct({ type: Schema.Literal("card"), token: Schema.String }),
  transactionId: Schema.NullOr(Schema.String),
  failureReason: Schema.NullOr(Schema.String),
  createdAt: Schema.DateTimeUtc,
  completedAt: Schema.NullOr(Schema.DateTimeUtc),
}) {}

/** A payment with its fields checked by a parser built once (`SchemaClass.maker`). */
export const makePayment = SchemaClass.maker(Payment)

export const RefundStatus = Schema.Literal("pending", "succeeded")
export const RefundReason = Schema.Literal("booking-cancelled", "charged-after-booking-ended")

/** A full refund of a succeeded payment; at most one per payment. */
export class Refund extends Schema.Class<Refund>("Refund")({
  id: RefundId,
  paymentId: PaymentId,
  bookingId: BookingId,
  amount: Money,
  status: RefundStatus,
  reason: RefundReason,
  transactionId: Schema.NullOr(Schema.String),
  createdAt: Schema.DateTimeUtc,
  completedAt: Schema.NullOr(Schema.DateTimeUtc),
}) {}

/** No intent for the booking yet: `booking.created` has not arrived. Worth trying again shortly. */
export class IntentNotOpenYet extends Schema.TaggedError<IntentNotOpenYet>()("IntentNotOpenYet", { bookingId: BookingId }) {
  override get message() {
    return `Booking ${this.bookingId} has no payment intent yet; try again in a moment`
  }
}

/** The booking has nothing to pay: already paid, expired or cancelled. */
export class NoOpenIntent extends Schema.TaggedError<NoOpenIntent>()("NoOpenIntent", {
  bookingId: BookingId,
  status: Schema.String,
}) {
  override get message() {
    return `Booking ${this.bookingId} has nothing to pay (${this.status})`
  }
}

/** Another charge of the booking is under way. */
export class PaymentInProgress extends Schema.TaggedError<PaymentInProgress>()("PaymentInProgress", { bookingId: BookingId }) {
  override get message() {
    return `Another payment of booking ${this.bookingId} is under way`
  }
}

/**
 * No booking the caller may pay or read the payments of: the answer for an unknown booking and for
 * one that is not the caller's alike, so a stranger learns nothing of whether it exists.
 */
export class BookingNotFound extends Schema.TaggedError<BookingNotFound>()("BookingNotFound", { bookingId: BookingId }) {
  override get message() {
    return `No booking ${this.bookingId} among yours`
  }
}

export class PaymentNotFound extends Schema.TaggedError<PaymentNotFound>()("PaymentNotFound", { id: Schema.String }) {
  override get message() {
    return `No payment ${this.id}`
  }
}
