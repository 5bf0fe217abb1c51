/** The flight and the booking events the flight tests start from. */
import { BookingId, BookingReference, type Cabin, Envelope, type FlightId, Messages, SeatNumber } from "@flight/contracts"
import { SampleFlight } from "@flight/runtime/testing"
import { DateTime, Schema } from "effect"
import * as Flight from "../../src/domain/Flight.ts"

/** `SampleFlight` (BA117 LHR→JFK on 2026-12-01, 10:00-18:00 UTC): economy rows 10-19 ABCDEF (60 seats), business rows 1-2 AC (4). */
export const scheduleInput = {
  ...SampleFlight.ba117,
  aircraft: SampleFlight.aircraft,
  cabins: [
    SampleFlight.economy({ from: 10, to: 19 }),
    { cabin: "business", rows: { from: 1, to: 2 }, seatLetters: "AC", fare: { amount: 250000, currency: "GBP" } },
  ],
}

export const scheduleOf = (overrides: Partial<Schema.Schema.Encoded<typeof Flight.FlightSchedule>> = {}) =>
  Schema.decodeUnknownSync(Flight.FlightSchedule)({ ...scheduleInput, ...overrides })

/** A booking of some seats of a flight, as the booking events carry it. */
export const booking = (flightId: FlightId, seats: ReadonlyArray<string>, cabin: Cabin = "economy") => ({
  bookingId: BookingId.make(Bun.randomUUIDv7()),
  reference: BookingReference.make("X7K2QP"),
  flightId,
  cabin,
  seats: seats.map((seat) => SeatNumber.make(seat)) as unknown as readonly [SeatNumber, ...Array<SeatNumber>],
  contact: { email: "ada@example.com" },
})
export type Booking = ReturnType<typeof booking>

export const bookingCreated = (b: Booking) =>
  Envelope.make(Messages.BookingCreated, {
    ...b,
    passengers: b.seats.map((seat) => ({ firstName: "Ada", lastName: "Lovelace", seat })) as never,
    total: { amount: 45000 * b.seats.length, currency: "GBP" },
    holdExpiresAt: DateTime.unsafeMake("2026-11-26T12:15:00Z"),
  }, { source: "booking" })

export const bookingConfirmed = (b: Booking) =>
  Envelope.make(Messages.BookingConfirmed, { ...b, paymentId: Bun.randomUUIDv7() as never }, { source: "booking" })

export const bookingCancelled = (b: Booking) =>
  Envelope.make(Messages.BookingCancelled, { ...b, reason: "customer" as const, paid: false }, { source: "booking" })
