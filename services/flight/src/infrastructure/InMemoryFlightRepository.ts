/**
 * The flight catalogue in memory, for the embedded mode and tests: the same semantics as the
 * MongoDB adapter (one flight per number and day, versioned writes, the ledger and the outbox
 * written in the same step as the flight). Each write is one synchronous block, so it is atomic
 * within the process. Search keeps an index by route and day, the departures one by day, each
 * ordered by departure.
 */
import { Outbox } from "@flight/bus"
import type { BookingId, FlightId } from "@flight/contracts"
import { Idempotent, type StoreHealth, StoreHealthLayer } from "@flight/runtime"
import { Clock, Context, DateTime, Effect, Layer, Option } from "effect"
import type { LedgerEntry } from "../domain/Availability.ts"
import * as Flight from "../domain/Flight.ts"
import {
  FlightAlreadyScheduled,
  type FlightPage,
  FlightRepository,
  pageOf,
  type RecordedCreation,
  type SearchPosition,
  VersionConflict,
} from "../domain/FlightRepository.ts"

interface Stored {
  flight: Flight.Flight
  readonly ledger: Map<BookingId, LedgerEntry>
}

const routeKey = (origin: string, destination: string, day: string) => `${origin}-${destination}-${day}`

const compare = (a: SearchPosition, b: SearchPosition): number => {
  const byTime = DateTime.Order(a.departureAt, b.departureAt)
  return byTime !== 0 ? byTime : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** The first index whose flight comes after `position`, by binary search. */
const firstAfter = (list: ReadonlyArray<Flight.Flight>, position: SearchPosition): number => {
  let low = 0
  let high = list.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compare(list[middle]!, position) <= 0) low = middle + 1
    else high = middle
  }
  return low
}

export const make = Effect.sync(() => {
  const flights = new Map<FlightId, Stored>()
  const byNumberAndDay = new Map<string, FlightId>()
  const creations = new Map<string, RecordedCreation>()
  /** Route and departure day to its flights, ordered by departure then id. */
  const byRoute = new Map<string, Array<Flight.Flight>>()
  /** Departure day to its flights, ordered by departure then id. */
  const byDay = new Map<string, Array<Flight.Flight>>()
  const outbox = Outbox.inMemory()

  const keysOf = (flight: Flight.Flight) => {
    const day = Flight.dayOf(flight.departureAt)
    return [[byRoute, routeKey(flight.origin, flight.destination, day)], [byDay, day]] as const
  }
  const unindex = (flight: Flight.Flight) => {
    for (const [lists, key] of keysOf(flight)) {
      const list = lists.get(key)
      if (list === undefined) continue
      const index = list.findIndex((candidate) => candidate.id === flight.id)
      if (index >= 0) list.splice(index, 1)
    }
  }
  const index = (flight: Flight.Flight) => {
    for (const [lists, key] of keysOf(flight)) {
      const list = lists.get(key) ?? []
      list.splice(firstAfter(list, flight), 0, flight)
      lists.set(key, list)
    }
  }

  /** Up to `limit` flights of `list` after the position that pass `keep`, and where the next page starts. */
  const pageAfter = (
    list: ReadonlyArray<Flight.Flight>,
    after: Option.Option<SearchPosition>,
    limit: number,
    keep: (flight: Flight.Flight) => boolean,
  ): FlightPage => {
    const items: Array<Flight.Flight> = []
    let more = false
    for (let i = Option.match(after, { onNone: () => 0, onSome: (after) => firstAfter(list, after) }); i < list.length; i++) {
      const flight = list[i]!
      if (!keep(flight)) continue
      if (items.length === limit) {
        more = true
        break
      }
      items.push(flight)
    }
    return pageOf(items, more)
  }

  const entries = (events: ReadonlyArray<{ readonly message: Outbox.OutboxEntry["message"]; readonly traceparent: string | null }>) =>
    events.map((event) => ({ id: event.message.id, message: event.message, traceparent: event.traceparent }))

  const repository: FlightRepository["Type"] = {
    insert: (flight, events, request) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.suspend((): Effect.Effect<void, Idempotent.IdempotencyKeyTaken | FlightAlreadyScheduled> => {
          if (Option.isSome(request) && creations.has(request.value.key)) {
            return Effect.fail(new Idempotent.IdempotencyKeyTaken({ key: request.value.key }))
          }
          const numberAndDay = `${flight.flightNumber}/${Flight.flightDate(flight)}`
          if (byNumberAndDay.has(numberAndDay)) {
            return Effect.fail(new FlightAlreadyScheduled({ flightNumber: flight.flightNumber, date: Flight.flightDate(flight) }))
          }
          flights.set(flight.id, { flight, ledger: new Map() })
          byNumberAndDay.set(numberAndDay, flight.id)
          if (Option.isSome(request)) creations.set(request.value.key, { fingerprint: request.value.fingerprint, flight })
          index(flight)
          outbox.appendNow(entries(events), now)
          return Effect.void
        })),
    creationByKey: (key) => Effect.sync(() => Option.fromNullable(creations.get(key))),
    get: (id) => Effect.sync(() => Option.map(Option.fromNullable(flights.get(id)), (stored) => stored.flight)),
    getWithBookings: (id, bookingIds) =>
      Effect.sync(() =>
        Option.map(Option.fromNullable(flights.get(id)), (stored) => {
          const entries = new Map<BookingId, LedgerEntry>()
          for (const bookingId of bookingIds) {
            const entry = stored.ledger.get(bookingId)
            if (entry !== undefined) entries.set(bookingId, entry)
          }
          return { flight: stored.flight, entries }
        })
      ),
    save: (flight, ledger, events) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.suspend((): Effect.Effect<void, VersionConflict> => {
          const stored = flights.get(flight.id)
          if (stored === undefined || stored.flight.version !== flight.version - 1) {
            return Effect.fail(new VersionConflict({ id: flight.id, expected: flight.version - 1 }))
          }
          unindex(stored.flight)
          stored.flight = flight
          index(flight)
          for (const write of ledger) stored.ledger.set(write.id, write.entry)
          outbox.appendNow(entries(events), now)
          return Effect.void
        })),
    search: (criteria) =>
      Effect.sync(() =>
        pageAfter(byRoute.get(routeKey(criteria.origin, criteria.destination, criteria.date)) ?? [], criteria.after, criteria.limit, (flight) => {
          const seats = Option.getOrUndefined(Flight.availabilityOf(flight, criteria.cabin))
          return Flight.isBookable(flight) && seats !== undefined && seats.available >= criteria.passengers
        })
      ),
    departures: (criteria) =>
      Effect.sync(() => {
        const is = <A>(wanted: Option.Option<A>, value: A) => Option.match(wanted, { onNone: () => true, onSome: (wanted) => wanted === value })
        return pageAfter(byDay.get(criteria.date) ?? [], criteria.after, criteria.limit, (flight) =>
          is(criteria.origin, flight.origin) && is(criteria.destination, flight.destination) && is(criteria.status, flight.status))
      }),
  }
  return { repository, outbox }
})

/** The repository, its outbox and an always-up store health, for the embedded mode. */
export const layer: Layer.Layer<FlightRepository | Outbox.Store | StoreHealth> = Layer.effectContext(
  Effect.map(make, ({ outbox, repository }) =>
    Context.make(FlightRepository, repository).pipe(Context.add(Outbox.Store, outbox))),
).pipe(Layer.merge(StoreHealthLayer.inMemory))
