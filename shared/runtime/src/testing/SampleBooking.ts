/**
 * The booking the tests of the services that hear of bookings start from: X7K2QP, Ada Lovelace in
 * seat 10A in economy, contact ada@example.com only, on a flight of a new id. The total and the end
 * of the hold are each test's.
 */
import { type BookingId, BookingReference, FlightId, SeatNumber } from "@flight/contracts"
import type { DateTime } from "effect"

/** The data of its `booking.created` (version 1; version 2 adds `owner`). */
export const created = (bookingId: BookingId, options: { readonly amount: number; readonly holdExpiresAt: DateTime.Utc }) => ({
  bookingId,
  reference: BookingReference.make("X7K2QP"),
  flightId: FlightId.make(Bun.randomUUIDv7()),
  cabin: "economy" as const,
  seats: [SeatNumber.make("10A")] as const,
  passengers: [{ firstName: "Ada", lastName: "Lovelace", seat: SeatNumber.make("10A") }] as const,
  contact: { email: "ada@example.com" },
  total: { amount: options.amount, currency: "GBP" },
  holdExpiresAt: options.holdExpiresAt,
})
