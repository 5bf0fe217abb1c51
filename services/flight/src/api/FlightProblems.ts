/**
 * Every typed failure of the flight API and the problem+json it becomes, declared once: a route
 * selects the failures it may answer (`problems.for(...)`), and its documented statuses and its
 * mapping both come from that selection.
 */
import { type Idempotent, Problems } from "@flight/runtime"
import type { FlightNotFound, InvalidStatusChange, InvalidTransition } from "../domain/Flight.ts"
import type { FlightAlreadyScheduled, FlightStoreError, VersionConflict } from "../domain/FlightRepository.ts"

export type ApiError =
  | FlightNotFound
  | InvalidTransition
  | InvalidStatusChange
  | FlightAlreadyScheduled
  | Idempotent.IdempotencyKeyReused
  | Idempotent.RequestInProgress
  | FlightStoreError
  | VersionConflict

export const problems = Problems.make<ApiError>({
  FlightNotFound: Problems.notFound("flight-not-found"),
  InvalidTransition: Problems.conflict("invalid-status-transition"),
  InvalidStatusChange: Problems.badRequestAt("The status change is invalid", (error) => `body.${error.field}`, (error) => error.reason),
  FlightAlreadyScheduled: Problems.conflict("flight-already-scheduled"),
  IdempotencyKeyReused: Problems.keyReused,
  RequestInProgress: Problems.requestInProgress,
  VersionConflict: Problems.conflict(
    "concurrent-update",
    "The flight kept changing while this request was applied; send it again",
    { retryAfterSeconds: 1 },
  ),
  // Data this build cannot read (not transient) is no client's doing and not a passing outage: a 500.
  FlightStoreError: Problems.store("The flight store is unavailable"),
})
