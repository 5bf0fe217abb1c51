/**
 * How the booking service's typed failures are shown: each as its problem+json, in one place, for
 * every route module of the API.
 */
import { IdempotencyKey, Problem } from "@flight/runtime"
import { Effect } from "effect"
import type { IdempotencyKeyReused, RequestInProgress } from "../application/BookingCommands.ts"
import type { HoldExpired, InvalidTransition } from "../domain/Booking.ts"
import type {
  BookingNotFound,
  BookingStoreError,
  CabinNotOnFlight,
  FlightNotBookable,
  FlightNotFound,
} from "../domain/BookingRepository.ts"
import type { HoldLimitReached, PartyOverHoldLimit } from "../domain/HoldLimit.ts"
import type { SeatNotInCabin, SeatRequestedTwice, SeatsUnavailable, TotalTooLarge } from "../domain/SeatInventory.ts"

export type ApiError =
  | FlightNotFound
  | BookingNotFound
  | SeatsUnavailable
  | FlightNotBookable
  | CabinNotOnFlight
  | SeatNotInCabin
  | SeatRequestedTwice
  | TotalTooLarge
  | InvalidTransition
  | HoldExpired
  | IdempotencyKeyReused
  | RequestInProgress
  | HoldLimitReached
  | PartyOverHoldLimit
  | BookingStoreError

/** Every typed failure of the application, as the client sees it. */
export const problemOf = (error: ApiError): Problem.Problem => {
  switch (error._tag) {
    case "FlightNotFound":
      return Problem.notFound("flight-not-found", error.message)
    case "BookingNotFound":
      return Problem.notFound("booking-not-found", "No booking matches")
    case "SeatsUnavailable":
      return Problem.conflict("seats-unavailable", error.message)
    case "FlightNotBookable":
      return Problem.conflict("flight-not-bookable", error.message)
    case "CabinNotOnFlight":
      return Problem.badRequest("The booking is invalid", [{ path: "body.cabin", message: error.message }])
    case "SeatNotInCabin":
    case "SeatRequestedTwice":
      return Problem.badRequest("The booking is invalid", [{ path: `body.passengers.${error.passenger}.seat`, message: error.message }])
    case "TotalTooLarge":
      return Problem.badRequest("The booking is invalid", [{ path: "body.passengers", message: error.message }])
    case "InvalidTransition":
      return Problem.conflict("booking-not-cancellable", error.message)
    case "HoldExpired":
      return Problem.conflict("hold-expired", error.message)
    case "IdempotencyKeyReused":
      return IdempotencyKey.reused(error.key)
    case "RequestInProgress":
      return Problem.conflict("request-in-progress", "The first request with this Idempotency-Key is still being handled", {
        retryAfterSeconds: 1,
      })
    case "HoldLimitReached":
      // Which holder (account, email, address) is over the limit is not said: the email may not be the caller's.
      return Problem.make({
        status: 429,
        type: "too-many-holds",
        title: "Too many seats held",
        detail: error.message,
        headers: { "retry-after": String(Math.max(1, Math.ceil(error.retryAfterMillis / 1000))) },
      })
    case "PartyOverHoldLimit":
      return Problem.badRequest("The booking is invalid", [{ path: "body.passengers", message: error.message }])
    case "BookingStoreError":
      return error.transient ? Problem.unavailable("The booking store is unavailable", 1) : Problem.internal()
  }
}

/** An application effect whose typed failures are answered as problems. */
export const answer = <A, R>(effect: Effect.Effect<A, ApiError, R>) => Effect.mapError(effect, problemOf)
