/**
 * The routes that list flights, a page at a time: the search anyone may make (`GET /api/flights`)
 * and a day's departures for staff (`GET /api/flights/departures`).
 */
import { Cabin, FlightStatus, IataCode } from "@flight/contracts"
import { Paging, Route } from "@flight/runtime"
import { Effect, Option, Schema } from "effect"
import * as FlightPolicy from "../application/FlightPolicy.ts"
import { FlightQueries } from "../application/FlightQueries.ts"
import * as Flight from "../domain/Flight.ts"
import { problems } from "./FlightProblems.ts"
import { Cursor, FlightPage, pageResponse, publicRead } from "./FlightViews.ts"

export const SearchQuery = Schema.Struct({
  origin: IataCode,
  destination: IataCode,
  date: Flight.Day,
  // A whole number from 1 to 9, 1 when absent: the same field as a limit of at most 9.
  passengers: Paging.limitOf(9, 1),
  cabin: Schema.optionalWith(Cabin, { default: () => "economy" as const }),
  ...Paging.fields(Cursor),
})

export const DeparturesQuery = Schema.Struct({
  date: Flight.Day,
  origin: Schema.optional(IataCode),
  destination: Schema.optional(IataCode),
  status: Schema.optional(FlightStatus),
  ...Paging.fields(Cursor, { fallback: 50 }),
})

const listing = problems.for("FlightStoreError")

export const search = Route.make({
  method: "get",
  path: "/api/flights",
  summary: "Search flights",
  access: "anyone",
  description: "Bookable flights (scheduled or delayed) of a route departing on a UTC day, with at least `passengers` " +
    "seats available in `cabin` (economy unless given), ordered by departure, `limit` (default 20) per page.",
  tags: ["flights"],
  query: SearchQuery,
  success: { status: 200, schema: FlightPage, headers: publicRead },
  errors: listing.statuses,
  handler: ({ query }) =>
    Effect.gen(function* () {
      const queries = yield* FlightQueries
      const page = yield* listing.answer(queries.search({ ...query, after: Option.fromNullable(query.cursor) }))
      return pageResponse(page)
    }),
})

export const departures = Route.make({
  method: "get",
  path: "/api/flights/departures",
  summary: "List a day's departures",
  access: FlightPolicy.operations,
  description: "Every flight departing on a UTC day, whatever its status or seats (cancelled, full and departed " +
    "ones too), of `origin` and `destination` and in `status` when given, ordered by departure, `limit` " +
    "(default 50) per page.",
  tags: ["flights"],
  query: DeparturesQuery,
  success: { status: 200, schema: FlightPage },
  errors: listing.statuses,
  handler: ({ query }) =>
    Effect.gen(function* () {
      const queries = yield* FlightQueries
      const page = yield* listing.answer(queries.departures({
        date: query.date,
        origin: Option.fromNullable(query.origin),
        destination: Option.fromNullable(query.destination),
        status: Option.fromNullable(query.status),
        limit: query.limit,
        after: Option.fromNullable(query.cursor),
      }))
      return pageResponse(page)
    }),
})
