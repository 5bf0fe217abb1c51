/**
 * How the booking service's typed failures are shown: each tag's problem+json and its status,
 * declared once. A route selects the tags it may fail with (`problems.for(...)`); its documented
 * statuses and its handler's mapping both come from that selection.
 */
import { Problems } from "@flight/runtime"
import type { IdempotencyKeyReused, RequestInProgress } from "../application/BookingCommands.ts"
import type { InvalidTransition } from "../domain/Booking.ts"
import type {
  BookingNotFound,
  BookingStoreError,
  CabinNotOnFlight,
  FlightNotBookable,
  FlightNotFound,
} from "../domain/BookingRepository.ts"
import type { HoldLimitReached, PartyOverHoldLimit } from "../domain/HoldLimit.ts"
import type { SeatNotInCabin, SeatRequestedTwice, SeatsUnavailable, TotalTooLarge } from "../domain/SeatInventory.ts"

/** What the routes may fail with. (A hold that ran out is refused to a payment, never to a route.) */
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
  | IdempotencyKeyReused
  | RequestInProgress
  | HoldLimitReached
  | PartyOverHoldLimit
  | BookingStoreError

/** A booking the domain refuses is shown as its decoding would be: a 400 naming the field. */
const invalid = "The booking is invalid"

const seatOf = (error: SeatNotInCabin | SeatRequestedTwice) => `body.passengers.${error.passenger}.seat`

/** Every typed failure of the application, as the client sees it. */
export const problems = Problems.make<ApiError>({
  FlightNotFound: Problems.notFound("flight-not-found"),
  BookingNotFound: Problems.notFound("booking-not-found", "No booking matches"),
  SeatsUnavailable: Problems.conflict("seats-unavailable"),
  FlightNotBookable: Problems.conflict("flight-not-bookable"),
  CabinNotOnFlight: Problems.badRequestAt(invalid, "body.cabin"),
  SeatNotInCabin: Problems.badRequestAt(invalid, seatOf),
  SeatRequestedTwice: Problems.badRequestAt(invalid, seatOf),
  TotalTooLarge: Problems.badRequestAt(invalid, "body.passengers"),
  InvalidTransition: Problems.conflict("booking-not-cancellable"),
  IdempotencyKeyReused: Problems.keyReused,
  RequestInProgress: Problems.requestInProgress,
  // Which holder (account, email, address) is over the limit is not said: the email may not be the caller's.
  HoldLimitReached: Problems.tooMany("too-many-holds", "Too many seats held", (error) => error.retryAfterMillis / 1000),
  PartyOverHoldLimit: Problems.badRequestAt(invalid, "body.passengers"),
  BookingStoreError: Problems.store("The booking store is unavailable"),
})
