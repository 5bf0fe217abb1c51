/** A booking of the domain tests, in any status, on a fixed flight and a fixed clock. */
import { BookingId, BookingReference, FlightId, PaymentId, SeatNumber } from "@flight/contracts"
import { DateTime } from "effect"
import { Booking, type BookingStatus } from "../../src/domain/Booking.ts"

export const flightId = FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e")
export const bookingId = BookingId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9f")
export const paymentId = PaymentId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8da0")
export const createdAt = DateTime.unsafeMake("2026-12-01T10:00:00Z")
export const holdExpiresAt = DateTime.unsafeMake("2026-12-01T10:15:00Z")
/** Well inside the hold. */
export const during = DateTime.unsafeMake("2026-12-01T10:05:00Z")
/** After the hold ran out. */
export const after = DateTime.unsafeMake("2026-12-01T10:20:00Z")

export const statuses: ReadonlyArray<BookingStatus> = ["pending", "confirmed", "cancelled", "expired"]

/** A booking in the given status, with the fields that status implies. */
export const bookingIn = (status: BookingStatus, overrides: Partial<ConstructorParameters<typeof Booking>[0]> = {}) =>
  new Booking({
    id: bookingId,
    reference: BookingReference.make("X7K2QP"),
    flightId,
    cabin: "economy",
    passengers: [
      { firstName: "Ada", lastName: "Lovelace", seat: SeatNumber.make("1A") },
      { firstName: "Charles", lastName: "Babbage", seat: SeatNumber.make("1B") },
    ],
    contact: { email: "ada@example.com" },
    total: { amount: 90000, currency: "GBP" },
    status,
    holdExpiresAt,
    paymentId: status === "confirmed" ? paymentId : null,
    cancellationReason: status === "cancelled" ? "customer" : status === "expired" ? "expired" : null,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  })
