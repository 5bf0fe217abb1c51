/**
 * The flight the tests of every service start from: BA117 LHR→JFK on 2026-12-01, 10:00-18:00 UTC,
 * on a Boeing 777. Each service's tests show it in their own form (a `flight.scheduled`, a schedule
 * request, the flight API's view, a page rendering it) from these fields; the cabins are each test's.
 */
import { Envelope, FlightId, Messages } from "@flight/contracts"
import { Schema } from "effect"

/** Its number, route and times as JSON carries them, the times as the APIs answer them (ISO UTC with milliseconds). */
export const ba117 = {
  flightNumber: "BA117",
  origin: "LHR",
  destination: "JFK",
  departureAt: "2026-12-01T10:00:00.000Z",
  arrivalAt: "2026-12-01T18:00:00.000Z",
} as const

export const aircraft = "Boeing 777"

/** An economy cabin of these rows, seats A to F, each at £450.00. */
export const economy = (rows: { readonly from: number; readonly to: number }) => ({
  cabin: "economy" as const,
  rows,
  seatLetters: "ABCDEF",
  fare: { amount: 45_000, currency: "GBP" },
})

/**
 * `flight.scheduled` of the flight under a new id, as the flight service publishes it, with these
 * cabins (as JSON spells them: the message's Schema decodes them, and a bad one throws).
 */
export const scheduled = (cabins: ReadonlyArray<unknown>) =>
  Envelope.make(
    Messages.FlightScheduled,
    Schema.decodeUnknownSync(Messages.FlightScheduled.data)({ flightId: FlightId.make(Bun.randomUUIDv7()), ...ba117, aircraft, cabins }),
    { source: "flight" },
  )
