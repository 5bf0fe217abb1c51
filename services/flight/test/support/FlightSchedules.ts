/**
 * Schedules of the flight domain tests: a valid one as a client sends it (each test changes one
 * thing), its decoding and the issues a refused one reports, and the flight it schedules.
 */
import { FlightId } from "@flight/contracts"
import { DateTime, Either, ParseResult, Schema } from "effect"
import { FlightSchedule, schedule } from "../../src/domain/Flight.ts"
import { scheduleInput } from "./Fixtures.ts"

export const flightId = FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e")
export const now = DateTime.unsafeMake("2026-11-01T08:00:00Z")
export const later = DateTime.unsafeMake("2026-11-02T08:00:00Z")
export const hour = 60 * 60 * 1000

export const decodeSchedule = Schema.decodeUnknownEither(FlightSchedule)

export type CabinInput = {
  cabin: string
  rows: { from: number; to: number }
  seatLetters: string
  fare: { amount: number; currency: string }
}
export type ScheduleInput = {
  flightNumber: string
  origin: string
  destination: string
  departureAt: string
  arrivalAt: string
  aircraft: string
  cabins: Array<CabinInput>
}

/** A schedule as a client sends it, valid: every test changes one thing. */
export const validInput = (): ScheduleInput => ({
  ...scheduleInput,
  aircraft: "Boeing 777-300ER",
  cabins: [
    { cabin: "first", rows: { from: 1, to: 2 }, seatLetters: "AK", fare: { amount: 900000, currency: "GBP" } },
    { cabin: "business", rows: { from: 3, to: 8 }, seatLetters: "ACDGHK", fare: { amount: 350000, currency: "GBP" } },
    { cabin: "economy", rows: { from: 20, to: 45 }, seatLetters: "ABCDEFGHJK", fare: { amount: 45000, currency: "GBP" } },
  ],
})

export const cabinAt = (input: ScheduleInput, index: number): CabinInput => {
  const cabin = input.cabins[index]
  if (cabin === undefined) throw new Error(`no cabin at ${index}`)
  return cabin
}

export const decoded = (input: unknown): FlightSchedule => {
  const result = decodeSchedule(input, { errors: "all" })
  if (Either.isLeft(result)) {
    throw new Error(`expected the schedule to decode: ${JSON.stringify(ParseResult.ArrayFormatter.formatErrorSync(result.left))}`)
  }
  return result.right
}

/** Decodes a schedule that should be refused, and returns the issues the decoder reports. */
export const issuesOf = (input: unknown): ReadonlyArray<ParseResult.ArrayFormatterIssue> => {
  const result = decodeSchedule(input, { errors: "all" })
  if (Either.isRight(result)) throw new Error(`expected the schedule to be rejected: ${JSON.stringify(input)}`)
  return ParseResult.ArrayFormatter.formatErrorSync(result.left)
}

export const pathsOf = (input: unknown) => issuesOf(input).map((issue) => issue.path)

export const validSchedule = decoded(validInput())
export const scheduledFlight = schedule(flightId, validSchedule, now)
