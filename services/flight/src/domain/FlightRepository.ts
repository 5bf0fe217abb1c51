/**
 * The port through which the flight service keeps its catalogue. Every change is one atomic write
 * of the flight, the booking's ledger entry when there is one, and the events that report the
 * change (the outbox), guarded by the version the change was computed from.
 */
import { type AnyMessage, BookingId, Cabin, FlightId, FlightNumber, FlightStatus, IataCode } from "@flight/contracts"
import { type Idempotent, StoreError } from "@flight/runtime"
import { Context, type DateTime, type Effect, Option, Schema } from "effect"
import type { LedgerEntry } from "./Availability.ts"
import { Day, type Flight } from "./Flight.ts"

/** An event to publish once the change that produced it is stored. */
export interface Outgoing {
  readonly message: AnyMessage
  /** The trace of the work that produced it, continued when the relay publishes it. */
  readonly traceparent: string | null
}

/** What an Idempotency-Key recorded: the request it came with and the flight as it was created. */
export interface RecordedCreation {
  readonly fingerprint: string
  readonly flight: Flight
}

export class FlightAlreadyScheduled extends Schema.TaggedError<FlightAlreadyScheduled>()("FlightAlreadyScheduled", {
  flightNumber: FlightNumber,
  date: Day,
}) {
  override get message() {
    return `${this.flightNumber} is already scheduled on ${this.date}`
  }
}

/** The flight changed since it was read; the change is computed again from the new version. */
export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  id: FlightId,
  expected: Schema.Int,
}) {
  override get message() {
    return `flight ${this.id} changed since version ${this.expected} was read`
  }
}

/**
 * The store failed or cannot be reached (`transient`, the default: worth retrying), or holds data
 * this build cannot read (`transient: false`: retrying changes nothing).
 */
export class FlightStoreError extends StoreError.Tagged("FlightStoreError", "flight") {}

/** Where a page of search results ended: the next page starts after it. */
export interface SearchPosition {
  readonly departureAt: DateTime.Utc
  readonly id: FlightId
}

export const SearchCriteria = Schema.Struct({
  origin: IataCode,
  destination: IataCode,
  date: Day,
  cabin: Cabin,
  passengers: Schema.Int.pipe(Schema.between(1, 9)),
  limit: Schema.Int.pipe(Schema.between(1, 100)),
})
export interface SearchCriteria extends Schema.Schema.Type<typeof SearchCriteria> {
  readonly after: Option.Option<SearchPosition>
}

/** The flights departing on a UTC day, for staff: whatever their status or seats, optionally narrowed. */
export const DeparturesCriteria = Schema.Struct({
  date: Day,
  origin: Schema.OptionFromSelf(IataCode),
  destination: Schema.OptionFromSelf(IataCode),
  status: Schema.OptionFromSelf(FlightStatus),
  limit: Schema.Int.pipe(Schema.between(1, 100)),
})
export interface DeparturesCriteria extends Schema.Schema.Type<typeof DeparturesCriteria> {
  readonly after: Option.Option<SearchPosition>
}

export interface FlightPage {
  readonly items: ReadonlyArray<Flight>
  /** Set when more flights may follow. */
  readonly next: Option.Option<SearchPosition>
}

/** The page of `items`, the next one starting after the last of them when `more` follow. */
export const pageOf = (items: ReadonlyArray<Flight>, more: boolean): FlightPage => {
  const last = items.at(-1)
  return { items, next: more && last !== undefined ? Option.some({ departureAt: last.departureAt, id: last.id }) : Option.none() }
}

/** A flight with what the ledger knows of some bookings on it (those it has never seen are absent). */
export interface FlightWithBookings {
  readonly flight: Flight
  readonly entries: ReadonlyMap<BookingId, LedgerEntry>
}

/** A booking's ledger entry as a change writes it. */
export interface LedgerWrite {
  readonly id: BookingId
  readonly entry: LedgerEntry
}

export class FlightRepository extends Context.Tag("flight/FlightRepository")<FlightRepository, {
  /**
   * Stores a new flight with its events; one flight per number and scheduled departure day. Under an
   * Idempotency-Key, the request's record is written with the flight, in the same step, and a key
   * another request recorded first fails it with `IdempotencyKeyTaken`.
   */
  readonly insert: (
    flight: Flight,
    events: ReadonlyArray<Outgoing>,
    request: Option.Option<Idempotent.Request>,
  ) => Effect.Effect<void, FlightAlreadyScheduled | Idempotent.IdempotencyKeyTaken | FlightStoreError>
  /** What an Idempotency-Key recorded with the flight it created, if a flight was created under it. */
  readonly creationByKey: (key: string) => Effect.Effect<Option.Option<RecordedCreation>, FlightStoreError>
  readonly get: (id: FlightId) => Effect.Effect<Option.Option<Flight>, FlightStoreError>
  readonly getWithBookings: (
    id: FlightId,
    bookingIds: ReadonlyArray<BookingId>,
  ) => Effect.Effect<Option.Option<FlightWithBookings>, FlightStoreError>
  /**
   * Writes a changed flight (one version after the stored one, or it fails with VersionConflict),
   * the bookings' ledger entries (none, one, or a batch's), and the events, in one atomic step.
   */
  readonly save: (
    flight: Flight,
    ledger: ReadonlyArray<LedgerWrite>,
    events: ReadonlyArray<Outgoing>,
  ) => Effect.Effect<void, VersionConflict | FlightStoreError>
  /**
   * Bookable flights (scheduled or delayed) of a route departing on a UTC day, with at least
   * `passengers` seats available in the cabin, by departure then id, `limit` at a time.
   */
  readonly search: (criteria: SearchCriteria) => Effect.Effect<FlightPage, FlightStoreError>
  /**
   * Every flight departing on a UTC day (cancelled, full, departed ones too), of the origin and the
   * destination and in the status when given, by departure then id, `limit` at a time.
   */
  readonly departures: (criteria: DeparturesCriteria) => Effect.Effect<FlightPage, FlightStoreError>
}>() {}
