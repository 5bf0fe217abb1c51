/** A booking's creation as the notification tests receive it: one seat, contact by email only. */
import { type BookingId, BookingReference, Envelope, FlightId, Messages, SeatNumber } from "@flight/contracts"
import { DateTime } from "effect"

/** `booking.created` of booking X7K2QP for Ada Lovelace (ada@example.com), seat 10A. */
export const bookingCreated = (bookingId: BookingId) =>
  Envelope.make(Messages.BookingCreated, {
    bookingId,
    reference: BookingReference.make("X7K2QP"),
    flightId: FlightId.make(Bun.randomUUIDv7()),
    cabin: "economy",
    seats: [SeatNumber.make("10A")],
    passengers: [{ firstName: "Ada", lastName: "Lovelace", seat: SeatNumber.make("10A") }],
    contact: { email: "ada@example.com" },
    total: { amount: 45000, currency: "GBP" },
    holdExpiresAt: DateTime.unsafeMake("2026-12-01T10:15:00Z"),
  }, { source: "booking" })
