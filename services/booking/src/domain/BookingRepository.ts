/**
 * The port through which the booking service keeps bookings and seat inventory. Each operation is
 * one atomic step of the store: it checks the state, changes the seats and the booking, and appends
 * the event that reports the change to the outbox, all or nothing.
 *
 * Events are built by the caller (envelope, data) and completed by the store with what only the
 * atomic step knows: the seats chosen and the total for `booking.created`, whether the booking was
 * paid for `booking.cancelled`.
 */
import {
  type AnyMessage,
  type BookingId,
  type BookingReference,
  Cabin,
  type Envelope,
  type FlightId,
  type Messages,
  type MessageOf,
  type Money,
  type PaymentId,
  type SeatNumber,
} from "@flight/contracts"
import { type Idempotent, StoreError } from "@flight/runtime"
import { Context, type DateTime, Duration, type Effect, type Option, Schema } from "effect"
import { Booking, type HoldExpired, type InvalidTransition, type Owner } from "./Booking.ts"
import type { HoldLimit, HoldLimitReached } from "./HoldLimit.ts"
import type { FlightSeating, SeatNotInCabin, SeatState, SeatsUnavailable } from "./SeatInventory.ts"

/** The booking store failed: transient (the default) unless it holds what this build cannot read. */
export class BookingStoreError extends StoreError.Tagged("BookingStoreError", "booking") {}

export class FlightNotFound extends Schema.TaggedError<FlightNotFound>()("FlightNotFound", { flightId: Schema.String }) {
  override get message() {
    return `No flight ${this.flightId} is on sale`
  }
}

/** The flight is cancelled, boarding or gone: its seats are no longer sold. */
export class FlightNotBookable extends Schema.TaggedError<FlightNotBookable>()("FlightNotBookable", {
  flightId: Schema.String,
  status: Schema.String,
}) {
  override get message() {
    return `Flight ${this.flightId} is ${this.status}: its seats are no longer sold`
  }
}

export class CabinNotOnFlight extends Schema.TaggedError<CabinNotOnFlight>()("CabinNotOnFlight", {
  flightId: Schema.String,
  cabin: Cabin,
}) {
  override get message() {
    return `Flight ${this.flightId} has no ${this.cabin} cabin`
  }
}

export class BookingNotFound extends Schema.TaggedError<BookingNotFound>()("BookingNotFound", { id: Schema.String }) {
  override get message() {
    return `No booking ${this.id}`
  }
}

/** An event to publish once the change that produced it is stored. */
export interface Outgoing<M> {
  readonly message: M
  /** The trace of the work that produced it, continued when the relay publishes it. */
  readonly traceparent: string | null
}

export interface HoldRequest {
  /** The new booking's id; an id held before is not held again (see `hold`). */
  readonly id: BookingId
  readonly reference: BookingReference
  readonly flightId: FlightId
  readonly cabin: Cabin
  /** Each passenger with the seat they named, if any. */
  readonly passengers: ReadonlyArray<{ readonly firstName: string; readonly lastName: string; readonly seat?: SeatNumber | undefined }>
  readonly contact: Booking["contact"]
  /** The customer making it; null for a guest. */
  readonly owner: Owner | null
  readonly holdExpiresAt: DateTime.Utc
  readonly now: DateTime.Utc
  /** `booking.created` (version 2, naming the owner); the store fills in the seats and the total. */
  readonly event: Outgoing<Envelope.EnvelopeOf<typeof Messages.BookingCreatedV2>>
  /** The total the store records: the cabin's fare times the passengers (computed by the caller). */
  readonly total: Money
  /**
   * Whom the new seats count against, and how many each may hold at once (DESIGN §10): checked in
   * the same atomic step as the hold, after a booking id held before is answered.
   */
  readonly limit: HoldLimit
}

/**
 * The booking a hold request makes: pending, its passengers on `seats` (in passenger order), its
 * total the request's. Every adapter stores this once it has chosen the seats. Built from fields
 * already of their types, so not checked again.
 */
export const pendingBooking = (request: HoldRequest, seats: ReadonlyArray<SeatNumber>): Booking =>
  new Booking({
    id: request.id,
    reference: request.reference,
    flightId: request.flightId,
    cabin: request.cabin,
    passengers: request.passengers.map((passenger, index) => ({
      firstName: passenger.firstName,
      lastName: passenger.lastName,
      seat: seats[index]!,
    })) as unknown as Booking["passengers"],
    contact: request.contact,
    total: request.total,
    status: "pending",
    holdExpiresAt: request.holdExpiresAt,
    paymentId: null,
    cancellationReason: null,
    createdAt: request.now,
    updatedAt: request.now,
    owner: request.owner,
  }, true)

/**
 * The Idempotency-Keys of the booking POSTs (decision 24): one record per key, its fingerprint, the
 * booking id its claim named (`Fresh`'s `claimed`, the id a creation under the key holds), until
 * when the claim waits for its request, and its response once recorded; kept
 * `IdempotencyKey.retention` from the claim on. A claim whose request crashed (its window passed,
 * nothing recorded) is taken over by the same request again with the same booking id, and since
 * `hold` never holds an id twice, the retry answers the booking held, never a second one; another
 * request under the key is refused as long as the key is kept, crashed or not. `release` deletes a
 * claim that recorded no response.
 */
export type IdempotencyKeys = Idempotent.Store<Booking, BookingId, BookingStoreError>

/** How long a claim waits for its request before the same request, sent again, takes it over. */
export const defaultClaimWindow = Duration.seconds(30)

export type ConfirmOutcome =
  | { readonly _tag: "Confirmed"; readonly booking: Booking }
  /** Confirmed before by the same payment: a redelivery. */
  | { readonly _tag: "AlreadyConfirmed"; readonly booking: Booking }

export type HoldError =
  | SeatsUnavailable
  | SeatNotInCabin
  | FlightNotFound
  | FlightNotBookable
  | CabinNotOnFlight
  | HoldLimitReached
  | BookingStoreError

export class BookingRepository extends Context.Tag("booking/BookingRepository")<BookingRepository, {
  /** Records a flight's seats from `flight.scheduled`; false when it was recorded before. */
  readonly seed: (seating: FlightSeating) => Effect.Effect<boolean, BookingStoreError>
  readonly seating: (flightId: FlightId) => Effect.Effect<Option.Option<FlightSeating>, BookingStoreError>
  /**
   * Records a flight's new status (see `SeatInventory.supersedes`: a late message never takes a
   * flight back from cancelled, boarding or gone); false for an unknown flight.
   */
  readonly setFlightStatus: (
    flightId: FlightId,
    status: FlightSeating["status"],
    departureAt: DateTime.Utc,
  ) => Effect.Effect<boolean, BookingStoreError>
  /**
   * Holds seats for a new booking (the named ones, or free ones chosen by `SeatInventory.allocate`).
   * A booking id held before is answered as it is stored instead (`replayed`), holding nothing, so
   * a creation retried under its Idempotency-Key's claim never books twice. Refused, holding nothing
   * and publishing nothing, when a holder of `limit` would hold more than its limit.
   */
  readonly hold: (request: HoldRequest) => Effect.Effect<{ readonly booking: Booking; readonly replayed: boolean }, HoldError>
  /**
   * Confirms a pending booking with a payment: its seats are sold, and no longer count as held. The
   * booking is as the caller read it: its id, flight and cabin (which never change) say where it is
   * stored, and one named with another flight or cabin is not found; whether it can be confirmed is
   * the store's to decide, at the confirmation.
   */
  readonly confirm: (
    booking: Pick<Booking, "id" | "flightId" | "cabin">,
    paymentId: PaymentId,
    now: DateTime.Utc,
    event: Outgoing<MessageOf<"booking.confirmed">>,
  ) => Effect.Effect<ConfirmOutcome, BookingNotFound | InvalidTransition | HoldExpired | BookingStoreError>
  /** Cancels a pending or confirmed booking: its seats are free (and count as held no more). The store fills in `paid`. */
  readonly cancel: (
    id: BookingId,
    reason: "customer" | "flight-cancelled",
    now: DateTime.Utc,
    event: Outgoing<MessageOf<"booking.cancelled">>,
  ) => Effect.Effect<Booking, BookingNotFound | InvalidTransition | BookingStoreError>
  /** Expires a pending booking whose hold has run out: its seats are free. None when it is not due. */
  readonly expire: (
    id: BookingId,
    now: DateTime.Utc,
    event: Outgoing<MessageOf<"booking.cancelled">>,
  ) => Effect.Effect<Option.Option<Booking>, BookingStoreError>
  /** Drops a booking from the expiry index (one that was never stored). */
  readonly forgetExpiry: (id: BookingId) => Effect.Effect<void, BookingStoreError>
  /** Appends events to the flight's outbox on their own (e.g. notification commands). */
  readonly append: (flightId: FlightId, events: ReadonlyArray<Outgoing<AnyMessage>>) => Effect.Effect<void, BookingStoreError>
  /** Bookings whose hold ends at or before `now`, oldest first: what the sweeper expires. */
  readonly dueForExpiry: (now: DateTime.Utc, limit: number) => Effect.Effect<ReadonlyArray<BookingId>, BookingStoreError>
  readonly get: (id: BookingId) => Effect.Effect<Option.Option<Booking>, BookingStoreError>
  readonly findByReference: (reference: BookingReference) => Effect.Effect<Option.Option<Booking>, BookingStoreError>
  /**
   * An owner's bookings, newest first: `limit` of them from `offset` ("my trips"), and whether more
   * follow. A hold that failed after its index entry was written is skipped.
   */
  readonly ownedBy: (
    owner: Owner,
    page: { readonly offset: number; readonly limit: number },
  ) => Effect.Effect<{ readonly items: ReadonlyArray<Booking>; readonly more: boolean }, BookingStoreError>
  /**
   * A flight's bookings, every status, newest first: `limit` of them from `offset` (the staff's
   * listing), and whether more follow. Indexed by the hold in its atomic step.
   */
  readonly ofFlight: (
    flightId: FlightId,
    page: { readonly offset: number; readonly limit: number },
  ) => Effect.Effect<{ readonly items: ReadonlyArray<Booking>; readonly more: boolean }, BookingStoreError>
  /** Every booking of a flight that still takes seats (pending or confirmed). */
  readonly activeOnFlight: (flightId: FlightId) => Effect.Effect<ReadonlyArray<Booking>, BookingStoreError>
  readonly seatMap: (
    flightId: FlightId,
    cabin: Cabin,
  ) => Effect.Effect<ReadonlyArray<{ readonly seat: SeatNumber; readonly state: SeatState }>, FlightNotFound | CabinNotOnFlight | BookingStoreError>
  /** The Idempotency-Keys of the booking POSTs, whose claims name the booking id `hold` uses. */
  readonly idempotency: IdempotencyKeys
  /**
   * A reference no other booking has, for the booking `id` about to be held (references are unique);
   * the hold names the booking under it.
   */
  readonly reserveReference: (id: BookingId) => Effect.Effect<BookingReference, BookingStoreError>
}>() {}
