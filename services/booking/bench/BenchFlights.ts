/**
 * The flights booking's benches book: 600 economy seats (rows 1-60, ten abreast), scheduled by the
 * `flight.scheduled` each bench gives the service (through its consumer or `BookingCommands.seed`).
 */
import { Envelope, type FlightId, FlightNumber, Messages } from "@flight/contracts"
import { DateTime } from "effect"

export const cabins = [{ cabin: "economy" as const, rows: { from: 1, to: 60 }, seatLetters: "ABCDEFGHJK", fare: { amount: 45000, currency: "GBP" } }]

/** The flight.scheduled of a bench flight. */
export const scheduled = (flightId: FlightId) =>
  Envelope.make(Messages.FlightScheduled, {
    flightId,
    flightNumber: FlightNumber.make("FB100"),
    origin: "LHR" as never,
    destination: "JFK" as never,
    departureAt: DateTime.unsafeMake("2027-01-01T10:00:00Z"),
    arrivalAt: DateTime.unsafeMake("2027-01-01T18:00:00Z"),
    aircraft: "Airbus A350",
    cabins: cabins as never,
  }, { source: "flight" })
