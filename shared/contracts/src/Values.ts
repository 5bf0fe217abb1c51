/**
 * Value objects that travel in messages and across service boundaries.
 * Each is a Schema, so the same definition validates HTTP input, messages and stored data.
 */
import { Option, Schema } from "effect"
import * as FreeText from "./FreeText.ts"

/** UUID version 7 (time-ordered), lower-case, as every id in the system is. */
export const UuidV7 = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  Schema.annotations({ identifier: "UuidV7", description: "UUID version 7, lower-case" }),
)

export const FlightId = UuidV7.pipe(Schema.brand("FlightId"))
export type FlightId = typeof FlightId.Type
export const BookingId = UuidV7.pipe(Schema.brand("BookingId"))
export type BookingId = typeof BookingId.Type
export const PaymentId = UuidV7.pipe(Schema.brand("PaymentId"))
export type PaymentId = typeof PaymentId.Type
export const RefundId = UuidV7.pipe(Schema.brand("RefundId"))
export type RefundId = typeof RefundId.Type

/** IATA airport code: three upper-case letters. */
export const IataCode = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{3}$/),
  Schema.brand("IataCode"),
  Schema.annotations({ identifier: "IataCode", description: "IATA airport code, e.g. LHR" }),
)
export type IataCode = typeof IataCode.Type

/** Airline designator (two characters) and 1 to 4 digits, with an optional suffix: BA117, U21234A. */
export const FlightNumber = Schema.String.pipe(
  Schema.pattern(/^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$/),
  Schema.brand("FlightNumber"),
  Schema.annotations({ identifier: "FlightNumber", description: "e.g. BA117" }),
)
export type FlightNumber = typeof FlightNumber.Type

export const Cabin = Schema.Literal("economy", "premium", "business", "first").annotations({ identifier: "Cabin" })
export type Cabin = typeof Cabin.Type

/** A seat: row number then letter, e.g. 12A. */
export const SeatNumber = Schema.String.pipe(
  Schema.pattern(/^[1-9][0-9]{0,2}[A-Z]$/),
  Schema.brand("SeatNumber"),
  Schema.annotations({ identifier: "SeatNumber", description: "row then letter, e.g. 12A" }),
)
export type SeatNumber = typeof SeatNumber.Type

/** ISO 4217 currency code. */
export const Currency = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{3}$/),
  Schema.annotations({ identifier: "Currency", description: "ISO 4217 code, e.g. GBP" }),
)

/** Money in integer minor units (pence, cents), never a float. */
export const Money = Schema.Struct({
  amount: Schema.Int.pipe(Schema.nonNegative(), Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER)),
  currency: Currency,
}).annotations({ identifier: "Money", description: "amount in integer minor units" })
export type Money = typeof Money.Type

export const BookingReferenceAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
/** Six characters from an alphabet without look-alikes (no I, O, 0, 1). */
export const BookingReference = Schema.String.pipe(
  Schema.pattern(/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/),
  Schema.brand("BookingReference"),
  Schema.annotations({ identifier: "BookingReference", description: "e.g. X7K2QP" }),
)
export type BookingReference = typeof BookingReference.Type

export const Email = Schema.String.pipe(
  FreeText.filter,
  Schema.maxLength(254),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/),
  Schema.annotations({ identifier: "Email" }),
)
/** E.164 phone number. */
export const Phone = Schema.String.pipe(
  Schema.pattern(/^\+[1-9][0-9]{6,14}$/),
  Schema.annotations({ identifier: "Phone", description: "E.164, e.g. +447700900123" }),
)

export const Contact = Schema.Struct({
  email: Email,
  // `phone: undefined` is accepted, but left out of the encoded form, which must be plain JSON
  // (a document store would otherwise keep it as null, and null is not a phone number).
  phone: Schema.optionalToOptional(Phone, Schema.UndefinedOr(Phone), {
    decode: (phone) => phone,
    encode: Option.filter((phone) => phone !== undefined),
  }),
}).annotations({ identifier: "Contact" })
export type Contact = typeof Contact.Type

export const PersonName = Schema.String.pipe(
  FreeText.filter,
  Schema.trimmed(),
  Schema.minLength(1),
  Schema.maxLength(100),
  Schema.annotations({ identifier: "PersonName" }),
)

export const Passenger = Schema.Struct({
  firstName: PersonName,
  lastName: PersonName,
  seat: SeatNumber,
}).annotations({ identifier: "Passenger" })
export type Passenger = typeof Passenger.Type

/** Where a notification goes: an email address, a phone number or a device token (its channel says which). */
export const Recipient = Schema.String.pipe(FreeText.filter, Schema.minLength(1), Schema.maxLength(254))

/**
 * The account that owns a booking: the `sub` of the signed-in customer who made it, as the identity
 * provider issued it. Guests' bookings have none.
 */
export const AccountSubject = Schema.String.pipe(
  FreeText.filter,
  Schema.minLength(1),
  Schema.maxLength(255),
  Schema.annotations({ identifier: "AccountSubject", description: "the owning account's token subject (sub)" }),
)
export type AccountSubject = typeof AccountSubject.Type

export const FlightStatus = Schema.Literal("scheduled", "delayed", "boarding", "departed", "arrived", "cancelled")
  .annotations({ identifier: "FlightStatus" })
export type FlightStatus = typeof FlightStatus.Type

/** Why a flight's status changed, as operations word it: one line of free text. */
export const StatusReason = Schema.String.pipe(FreeText.filter, Schema.maxLength(500))

export const Aircraft = Schema.String.pipe(
  FreeText.filter,
  Schema.trimmed(),
  Schema.minLength(1),
  Schema.maxLength(60),
  Schema.annotations({ identifier: "Aircraft", description: "aircraft type, e.g. Boeing 777-300ER" }),
)

export const SeatRows = Schema.Struct({
  from: Schema.Int.pipe(Schema.between(1, 999)),
  to: Schema.Int.pipe(Schema.between(1, 999)),
}).annotations({ identifier: "SeatRows" })

/** A cabin's layout as the flight service schedules it. */
export const CabinLayout = Schema.Struct({
  cabin: Cabin,
  rows: SeatRows,
  seatLetters: Schema.String.pipe(Schema.pattern(/^[A-Z]{1,10}$/)),
  fare: Money,
}).annotations({ identifier: "CabinLayout" })
export type CabinLayout = typeof CabinLayout.Type

export const ServiceName = Schema.Literal("booking", "flight", "payment", "notification")
export type ServiceName = typeof ServiceName.Type
