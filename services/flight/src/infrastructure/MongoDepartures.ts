/**
 * The departures listing on the flight documents (staff): every flight of a UTC day whatever its
 * status or seats, of an origin, a destination and a status when given, by departure then id. Its
 * filter, the index that serves it, and the keyset condition that pages it (search pages by it too).
 */
import { DateTime, Option } from "effect"
import type { Document } from "mongodb"
import type { DeparturesCriteria, SearchPosition } from "../domain/FlightRepository.ts"

/** By day then in result order; a listing narrowed to a route may use the search index instead. */
export const index = { key: { departureDay: 1, departureAt: 1, _id: 1 }, name: "departures" } as const

/** The documents that come after `position` in departure-then-id order: where a page starts. */
export const after = (position: Option.Option<SearchPosition>): Document =>
  Option.match(position, {
    onNone: () => ({}),
    onSome: ({ departureAt, id }) => {
      const at = DateTime.toDateUtc(departureAt)
      return { $or: [{ departureAt: { $gt: at } }, { departureAt: at, _id: { $gt: id } }] }
    },
  })

const given = <A>(field: string, value: Option.Option<A>): Document =>
  Option.match(value, { onNone: () => ({}), onSome: (value) => ({ [field]: value }) })

export const filter = (criteria: DeparturesCriteria): Document => ({
  departureDay: criteria.date,
  ...given("origin", criteria.origin),
  ...given("destination", criteria.destination),
  ...given("status", criteria.status),
  ...after(criteria.after),
})
