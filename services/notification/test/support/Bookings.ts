/** A booking's creation as the notification tests receive it: one seat, contact by email only. */
import { type AccountSubject, BookingId, BookingReference, Envelope, FlightId, Messages, SeatNumber } from "@flight/contracts"
import { DateTime } from "effect"

const booking = (bookingId: BookingId) => ({
  bookingId,
  reference: BookingReference.make("X7K2QP"),
  flightId: FlightId.make(Bun.randomUUIDv7()),
  cabin: "economy" as const,
  seats: [SeatNumber.make("10A")] as const,
  passengers: [{ firstName: "Ada", lastName: "Lovelace", seat: SeatNumber.make("10A") }] as const,
  contact: { email: "ada@example.com" },
  total: { amount: 45000, currency: "GBP" },
  holdExpiresAt: DateTime.unsafeMake("2026-12-01T10:15:00Z"),
})

/** `booking.created` (version 1, which names no owner) of booking X7K2QP for Ada Lovelace (ada@example.com), seat 10A. */
export const bookingCreated = (bookingId: BookingId) => Envelope.make(Messages.BookingCreated, booking(bookingId), { source: "booking" })

/** The same booking's `booking.created` as booking produces it now (version 2): `owner` made it, or a guest (null). */
export const bookingCreatedV2 = (owner: AccountSubject | null, bookingId: BookingId = BookingId.make(Bun.randomUUIDv7())) =>
  Envelope.make(Messages.BookingCreatedV2, { ...booking(bookingId), owner }, { source: "booking" })
