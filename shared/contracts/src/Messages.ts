/**
 * Every message of the system, versioned. A change that is not backwards compatible is a new
 * version of the message, defined beside the old one until no producer sends the old one.
 */
import { Schema } from "effect"
import { define } from "./Envelope.ts"
import * as FreeText from "./FreeText.ts"
import {
  AccountSubject,
  Aircraft,
  BookingId,
  BookingReference,
  Cabin,
  CabinLayout,
  Contact,
  FlightId,
  FlightNumber,
  FlightStatus,
  IataCode,
  Money,
  Passenger,
  PaymentId,
  Recipient,
  RefundId,
  SeatNumber,
  StatusReason,
} from "./Values.ts"

const Seats = Schema.NonEmptyArray(SeatNumber)

export const FlightScheduled = define({
  type: "flight.scheduled",
  version: 1,
  kind: "event",
  description: "A flight was added to the catalogue; booking seeds its seat inventory from it.",
  producers: ["flight"],
  consumers: ["booking"],
  data: Schema.Struct({
    flightId: FlightId,
    flightNumber: FlightNumber,
    origin: IataCode,
    destination: IataCode,
    departureAt: Schema.DateTimeUtc,
    arrivalAt: Schema.DateTimeUtc,
    aircraft: Aircraft,
    cabins: Schema.NonEmptyArray(CabinLayout),
  }),
})

export const FlightStatusChanged = define({
  type: "flight.status-changed",
  version: 1,
  kind: "event",
  description: "A flight changed status (delayed, boarding, departed, arrived, cancelled).",
  producers: ["flight"],
  consumers: ["booking"],
  data: Schema.Struct({
    flightId: FlightId,
    flightNumber: FlightNumber,
    previousStatus: FlightStatus,
    status: FlightStatus,
    reason: Schema.NullOr(StatusReason),
    departureAt: Schema.DateTimeUtc,
  }),
})

export const FlightSeatsUpdated = define({
  type: "flight.seats-updated",
  version: 1,
  kind: "event",
  description: "The availability of a flight's cabins changed.",
  producers: ["flight"],
  consumers: [],
  data: Schema.Struct({
    flightId: FlightId,
    cabins: Schema.Array(Schema.Struct({
      cabin: Cabin,
      capacity: Schema.Int.pipe(Schema.nonNegative()),
      availableSeats: Schema.Int.pipe(Schema.nonNegative()),
    })),
  }),
})

/** What every version of `booking.created` says of the booking. */
const bookingCreatedFields = {
    bookingId: BookingId,
    reference: BookingReference,
    flightId: FlightId,
    cabin: Cabin,
    seats: Seats,
    passengers: Schema.NonEmptyArray(Passenger),
    contact: Contact,
    total: Money,
    holdExpiresAt: Schema.DateTimeUtc,
}

export const BookingCreated = define({
  type: "booking.created",
  version: 1,
  kind: "event",
  description: "Seats were held for a new booking, pending payment until holdExpiresAt.",
  producers: ["booking"],
  consumers: ["flight", "payment", "notification"],
  data: Schema.Struct(bookingCreatedFields),
})

/**
 * Version 2 adds the owner, so payment and notification decide who may see a booking's payments and
 * notifications from their own data. Consumers read both versions; a version 1 booking has no owner.
 */
export const BookingCreatedV2 = define({
  type: "booking.created",
  version: 2,
  kind: "event",
  description: "Seats were held for a new booking, pending payment until holdExpiresAt; owner is the account that made it, null for a guest.",
  producers: ["booking"],
  consumers: ["flight", "payment", "notification"],
  data: Schema.Struct({ ...bookingCreatedFields, owner: Schema.NullOr(AccountSubject) }),
})

export const BookingConfirmed = define({
  type: "booking.confirmed",
  version: 1,
  kind: "event",
  description: "A booking was paid; its seats are sold.",
  producers: ["booking"],
  consumers: ["flight", "notification"],
  data: Schema.Struct({
    bookingId: BookingId,
    reference: BookingReference,
    flightId: FlightId,
    cabin: Cabin,
    seats: Seats,
    paymentId: PaymentId,
    contact: Contact,
  }),
})

export const BookingCancelled = define({
  type: "booking.cancelled",
  version: 1,
  kind: "event",
  description: "A booking ended without flying: cancelled by the customer, expired, or its flight cancelled.",
  producers: ["booking"],
  consumers: ["flight", "payment", "notification"],
  data: Schema.Struct({
    bookingId: BookingId,
    reference: BookingReference,
    flightId: FlightId,
    cabin: Cabin,
    seats: Seats,
    reason: Schema.Literal("customer", "expired", "flight-cancelled"),
    paid: Schema.Boolean,
    contact: Contact,
  }),
})

export const PaymentProcessed = define({
  type: "payment.processed",
  version: 1,
  kind: "event",
  description: "A charge for a booking succeeded or failed.",
  producers: ["payment"],
  consumers: ["booking", "notification"],
  data: Schema.Struct({
    paymentId: PaymentId,
    bookingId: BookingId,
    status: Schema.Literal("succeeded", "failed"),
    amount: Money,
    transactionId: Schema.NullOr(Schema.String.pipe(FreeText.filter, Schema.minLength(1), Schema.maxLength(200))),
    failureReason: Schema.NullOr(Schema.String.pipe(FreeText.filter, Schema.maxLength(200))),
  }),
})

export const PaymentRefunded = define({
  type: "payment.refunded",
  version: 1,
  kind: "event",
  description: "A charge was refunded in full.",
  producers: ["payment"],
  consumers: ["booking", "notification"],
  data: Schema.Struct({
    paymentId: PaymentId,
    bookingId: BookingId,
    refundId: RefundId,
    amount: Money,
  }),
})

const TemplateValue = Schema.Union(Schema.String, Schema.Number.pipe(Schema.finite()), Schema.Boolean, Schema.Null)

/** The most a template's data holds: fields, a key's length, a string value's (a flight's status reason, 500, with room). */
export const templateDataLimits = { fields: 32, keyLength: 64, valueLength: 1000 } as const

/**
 * The values a template is rendered from. Keys and string values are free text, checked on the
 * whole record: a refused key is reported by its position, never as a path made of the key itself.
 * Bounded (`templateDataLimits`): every value goes into a notification kept in a booking's history.
 */
const TemplateData = Schema.Record({ key: Schema.String, value: TemplateValue }).pipe(
  Schema.filter((data) => {
    const entries = Object.entries(data)
    if (entries.length > templateDataLimits.fields) return [{ path: [], message: `at most ${templateDataLimits.fields} fields` }]
    return entries.flatMap(([key, value], position): Array<Schema.FilterIssue> => {
      const keyIssue = key.length > templateDataLimits.keyLength ? `at most ${templateDataLimits.keyLength} characters` : FreeText.issueOf(key)
      if (keyIssue !== undefined) return [{ path: [], message: `key ${position}: ${keyIssue}` }]
      const valueIssue = typeof value !== "string"
        ? undefined
        : value.length > templateDataLimits.valueLength
        ? `at most ${templateDataLimits.valueLength} characters`
        : FreeText.issueOf(value)
      return valueIssue === undefined ? [] : [{ path: [key], message: valueIssue }]
    })
  }),
)

export const SendNotification = define({
  type: "notification.send",
  version: 1,
  kind: "command",
  description: "Send one notification on one channel to one recipient from a named template.",
  producers: ["booking", "flight", "payment", "notification"],
  consumers: ["notification"],
  data: Schema.Struct({
    channel: Schema.Literal("email", "sms", "push"),
    recipient: Recipient,
    template: Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9-]{0,63}$/)),
    data: TemplateData,
  }),
})

/** The owner a `booking.created` names, whatever its version: version 1 named none. */
export const ownerOfBookingCreated = (
  created: { readonly version: 1 | 2; readonly data: object & { readonly owner?: AccountSubject | null } },
): AccountSubject | null => created.version === 2 ? created.data.owner ?? null : null
