/**
 * A booking: passengers on seats of one cabin of one flight, held until `holdExpiresAt` and then
 * confirmed by a payment, cancelled, or expired. The lifecycle is pure functions over this value:
 *
 *   pending -> confirmed | cancelled | expired,   confirmed -> cancelled
 */
import {
  BookingId,
  BookingReference,
  BookingReferenceAlphabet,
  Cabin,
  Contact,
  FlightId,
  Money,
  Passenger,
  PaymentId,
  SchemaClass,
} from "@flight/contracts"
import { DateTime, Either, Schema } from "effect"

export const BookingStatus = Schema.Literal("pending", "confirmed", "cancelled", "expired")
export type BookingStatus = typeof BookingStatus.Type

export const CancellationReason = Schema.Literal("customer", "expired", "flight-cancelled")
export type CancellationReason = typeof CancellationReason.Type

/** The account that made a booking: its `sub` at the identity issuer. */
export const Owner = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255), Schema.brand("BookingOwner"))
export type Owner = typeof Owner.Type

export class Booking extends Schema.Class<Booking>("Booking")({
  id: BookingId,
  reference: BookingReference,
  flightId: FlightId,
  cabin: Cabin,
  passengers: Schema.NonEmptyArray(Passenger),
  contact: Contact,
  total: Money,
  status: BookingStatus,
  holdExpiresAt: Schema.DateTimeUtc,
  /** The payment that confirmed it. */
  paymentId: Schema.NullOr(PaymentId),
  /** Why it ended without flying (expired bookings say `expired`). */
  cancellationReason: Schema.NullOr(CancellationReason),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
  /**
   * The customer who made it; null for a guest's booking. Bookings stored before owners were
   * recorded have no such field and read as null.
   */
  owner: Schema.optionalWith(Schema.NullOr(Owner), { default: () => null }),
}) {}

/** The seats a booking takes, in passenger order. */
export const seatsOf = (booking: Booking) => booking.passengers.map((passenger) => passenger.seat)

export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  id: BookingId,
  from: BookingStatus,
  to: BookingStatus,
}) {
  override get message() {
    return `Booking ${this.id} is ${this.from} and cannot become ${this.to}`
  }
}

export class HoldExpired extends Schema.TaggedError<HoldExpired>()("HoldExpired", {
  id: BookingId,
  holdExpiresAt: Schema.DateTimeUtc,
}) {
  override get message() {
    return `The hold of booking ${this.id} expired at ${DateTime.formatIso(this.holdExpiresAt)}`
  }
}

/** From each status, where a booking may go. */
export const allowedTransitions: { readonly [S in BookingStatus]: ReadonlyArray<BookingStatus> } = {
  pending: ["confirmed", "cancelled", "expired"],
  confirmed: ["cancelled"],
  cancelled: [],
  expired: [],
}

/** A booking with its fields checked by a parser built once (`SchemaClass.maker`). */
const makeBooking = SchemaClass.maker(Booking)

const move = (booking: Booking, to: BookingStatus, now: DateTime.Utc, fields: Partial<Booking> = {}) =>
  allowedTransitions[booking.status].includes(to)
    ? Either.right(makeBooking({ ...booking, ...fields, status: to, updatedAt: now }))
    : Either.left(new InvalidTransition({ id: booking.id, from: booking.status, to }))

/** A successful payment confirms a pending booking whose hold has not run out. */
export const confirm = (
  booking: Booking,
  paymentId: PaymentId,
  now: DateTime.Utc,
): Either.Either<Booking, InvalidTransition | HoldExpired> =>
  booking.status === "pending" && DateTime.greaterThanOrEqualTo(now, booking.holdExpiresAt)
    ? Either.left(new HoldExpired({ id: booking.id, holdExpiresAt: booking.holdExpiresAt }))
    : move(booking, "confirmed", now, { paymentId })

/** The customer (or a cancelled flight) cancels a pending or confirmed booking. */
export const cancel = (booking: Booking, reason: "customer" | "flight-cancelled", now: DateTime.Utc) =>
  move(booking, "cancelled", now, { cancellationReason: reason })

/** A pending booking whose hold has run out expires; before that it cannot. */
export const expire = (booking: Booking, now: DateTime.Utc): Either.Either<Booking, InvalidTransition> =>
  booking.status === "pending" && DateTime.lessThan(now, booking.holdExpiresAt)
    ? Either.left(new InvalidTransition({ id: booking.id, from: "pending", to: "expired" }))
    : move(booking, "expired", now, { cancellationReason: "expired" })

/** Whether the booking still takes its seats (held or sold). */
export const takesSeats = (booking: Booking) => booking.status === "pending" || booking.status === "confirmed"

/** Whether the booking was paid (confirmed, or cancelled after a payment): a refund is due on cancel. */
export const isPaid = (booking: Booking) => booking.paymentId !== null

/** The total of a booking: the cabin's fare times the passengers. */
export const totalOf = (fare: Money, passengers: number): Money => ({ amount: fare.amount * passengers, currency: fare.currency })

/** A random booking reference (uniqueness is the store's to check). */
export const randomReference = (): BookingReference => {
  const bytes = crypto.getRandomValues(new Uint8Array(6))
  return BookingReference.make(
    Array.from(bytes, (byte) => BookingReferenceAlphabet[byte % BookingReferenceAlphabet.length]).join(""),
  )
}

/** Whether a last name matches one of the booking's passengers (case and accents as typed, spaces trimmed). */
export const hasPassenger = (booking: Booking, lastName: string) => {
  const wanted = lastName.trim().toLocaleLowerCase("en")
  return booking.passengers.some((passenger) => passenger.lastName.toLocaleLowerCase("en") === wanted)
}
