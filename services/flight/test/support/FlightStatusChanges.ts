/** Flights in each status, and the status changes and outcomes the status tests read. */
import type { FlightStatus } from "@flight/contracts"
import { DateTime, Either, Option } from "effect"
import { Flight, type StatusChange } from "../../src/domain/Flight.ts"
import { hour, scheduledFlight } from "./FlightSchedules.ts"

export const statuses: ReadonlyArray<FlightStatus> = ["scheduled", "delayed", "boarding", "departed", "arrived", "cancelled"]

export const flightIn = (status: FlightStatus): Flight => new Flight({ ...scheduledFlight, status })

export const at = (flight: Flight, millisAfterScheduled: number) => DateTime.add(flight.scheduledDepartureAt, { millis: millisAfterScheduled })

export const changeTo = (status: FlightStatus, fields: Partial<StatusChange> = {}): StatusChange => ({
  status,
  reason: Option.none(),
  departureAt: status === "delayed" ? Option.some(at(scheduledFlight, 2 * hour)) : Option.none(),
  ...fields,
})

export const succeeded = <A, E>(result: Either.Either<A, E>): A => {
  if (Either.isLeft(result)) throw new Error(`expected success, got ${JSON.stringify(result.left)}`)
  return result.right
}

export const failed = <A, E>(result: Either.Either<A, E>): E => {
  if (Either.isRight(result)) throw new Error("expected a failure")
  return result.left
}

export const sameInstant = (a: DateTime.DateTime, b: DateTime.DateTime) => DateTime.toEpochMillis(a) === DateTime.toEpochMillis(b)
