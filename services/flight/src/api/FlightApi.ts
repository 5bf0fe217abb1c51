/**
 * The flight service's HTTP API (DESIGN §3, flight): schedule, get, search, list a day's departures
 * (staff) and change status.
 * Routes decode their input with Schemas, run one application function, and map its typed errors
 * to problem+json in `problemOf`.
 */
import { HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { DeadLetters, type MessageBus, OperationsRoutes, ServiceBus } from "@flight/bus"
import { Cabin, CabinLayout, FlightId, FlightNumber, FlightStatus, IataCode, StatusReason } from "@flight/contracts"
import { HttpApp, type Idempotent, IdempotencyKey, Paging, Problem, Route, type StoreHealth } from "@flight/runtime"
import { DateTime, Effect, Option, type Runtime, Schema } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import { FlightCommands } from "../application/FlightCommands.ts"
import * as FlightPolicy from "../application/FlightPolicy.ts"
import { FlightQueries } from "../application/FlightQueries.ts"
import * as Flight from "../domain/Flight.ts"
import type {
  FlightAlreadyScheduled,
  FlightPage as FoundFlights,
  FlightStoreError,
  VersionConflict,
} from "../domain/FlightRepository.ts"

// -------------------------------------------------------------------------------------------------
// Representations

export const CabinView = Schema.Struct({
  ...CabinLayout.fields,
  capacity: Schema.Int,
  availableSeats: Schema.Int,
}).annotations({ identifier: "CabinView" })

export const FlightView = Schema.Struct({
  id: FlightId,
  flightNumber: FlightNumber,
  origin: IataCode,
  destination: IataCode,
  departureAt: Schema.DateTimeUtc,
  arrivalAt: Schema.DateTimeUtc,
  scheduledDepartureAt: Schema.DateTimeUtc,
  aircraft: Schema.String,
  status: FlightStatus,
  statusReason: Schema.NullOr(Schema.String),
  cabins: Schema.Array(CabinView),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
}).annotations({ identifier: "Flight" })

export const viewOf = (flight: Flight.Flight): typeof FlightView.Type => ({
  id: flight.id,
  flightNumber: flight.flightNumber,
  origin: flight.origin,
  destination: flight.destination,
  departureAt: flight.departureAt,
  arrivalAt: flight.arrivalAt,
  scheduledDepartureAt: flight.scheduledDepartureAt,
  aircraft: flight.aircraft,
  status: flight.status,
  statusReason: flight.statusReason,
  cabins: flight.cabins.map((layout) => {
    const seats = Option.getOrThrow(Flight.availabilityOf(flight, layout.cabin))
    return { ...layout, capacity: seats.capacity, availableSeats: seats.available }
  }),
  createdAt: flight.createdAt,
  updatedAt: flight.updatedAt,
})

/** Where a page ended, opaque to clients: base64url of `{ departureAt, id }`. */
export const Cursor = Paging.cursorOf(Schema.Struct({ departureAt: Schema.DateTimeUtc, id: FlightId }))

type EncodedView = typeof FlightView.Encoded

/**
 * Flight values never change (a change saves a new `Flight`), so each one's encoded view is made
 * once and kept as long as the flight itself is held.
 */
const encodedViews = new WeakMap<Flight.Flight, EncodedView>()

/**
 * What `FlightView` encodes `viewOf(flight)` to, the same JSON values field for field, written
 * out instead of walking the schema: a search answers the same flights again and again.
 */
export const encodedViewOf = (flight: Flight.Flight): EncodedView => {
  const cached = encodedViews.get(flight)
  if (cached !== undefined) return cached
  const view: EncodedView = {
    id: flight.id,
    flightNumber: flight.flightNumber,
    origin: flight.origin,
    destination: flight.destination,
    departureAt: DateTime.formatIso(flight.departureAt),
    arrivalAt: DateTime.formatIso(flight.arrivalAt),
    scheduledDepartureAt: DateTime.formatIso(flight.scheduledDepartureAt),
    aircraft: flight.aircraft,
    status: flight.status,
    statusReason: flight.statusReason,
    cabins: flight.cabins.map((layout) => {
      const seats = Option.getOrThrow(Flight.availabilityOf(flight, layout.cabin))
      return {
        cabin: layout.cabin,
        rows: { from: layout.rows.from, to: layout.rows.to },
        seatLetters: layout.seatLetters,
        fare: { amount: layout.fare.amount, currency: layout.fare.currency },
        capacity: seats.capacity,
        availableSeats: seats.available,
      }
    }),
    createdAt: DateTime.formatIso(flight.createdAt),
    updatedAt: DateTime.formatIso(flight.updatedAt),
  }
  encodedViews.set(flight, view)
  return view
}

const encodeCursor = Schema.encodeSync(Cursor)

/** A page as `FlightPage` encodes it, sent as it is (`Route.response`), so the runtime does not encode it again. */
export const pageResponse = (page: FoundFlights): Route.Response =>
  Route.response({
    status: 200,
    body: {
      items: page.items.map(encodedViewOf),
      nextCursor: Option.isSome(page.next) ? encodeCursor(page.next.value) : null,
    },
  })

const PositiveIntFromString = (min: number, max: number) =>
  Schema.String.pipe(
    Schema.pattern(/^[0-9]{1,3}$/),
    Schema.compose(Schema.NumberFromString),
    Schema.int(),
    Schema.between(min, max),
    Schema.annotations({ message: () => ({ message: `must be a whole number from ${min} to ${max}`, override: true }) }),
  )

export const SearchQuery = Schema.Struct({
  origin: IataCode,
  destination: IataCode,
  date: Flight.Day,
  passengers: Schema.optionalWith(PositiveIntFromString(1, 9), { default: () => 1 }),
  cabin: Schema.optionalWith(Cabin, { default: () => "economy" as const }),
  limit: Paging.limit,
  cursor: Schema.optional(Cursor),
})

export const DeparturesQuery = Schema.Struct({
  date: Flight.Day,
  origin: Schema.optional(IataCode),
  destination: Schema.optional(IataCode),
  status: Schema.optional(FlightStatus),
  limit: Paging.limitOf(100, 50),
  cursor: Schema.optional(Cursor),
})

export const FlightPage = Schema.Struct({
  items: Schema.Array(FlightView),
  nextCursor: Schema.NullOr(Cursor),
}).annotations({ identifier: "FlightPage" })

export const StatusChangeBody = Schema.Struct({
  status: FlightStatus,
  reason: Schema.optional(StatusReason),
  departureAt: Schema.optional(Schema.DateTimeUtc),
})

const IdParams = Schema.Struct({ id: FlightId })

// -------------------------------------------------------------------------------------------------
// Errors

type ApiError =
  | Flight.FlightNotFound
  | Flight.InvalidTransition
  | Flight.InvalidStatusChange
  | FlightAlreadyScheduled
  | Idempotent.IdempotencyKeyReused
  | Idempotent.RequestInProgress
  | FlightStoreError
  | VersionConflict

/** Every typed failure of the application, as the client sees it. */
export const problemOf = (error: ApiError): Problem.Problem => {
  switch (error._tag) {
    case "FlightNotFound":
      return Problem.notFound("flight-not-found", error.message)
    case "InvalidTransition":
      return Problem.conflict("invalid-status-transition", error.message)
    case "InvalidStatusChange":
      return Problem.badRequest("The status change is invalid", [{ path: `body.${error.field}`, message: error.reason }])
    case "FlightAlreadyScheduled":
      return Problem.conflict("flight-already-scheduled", error.message)
    case "IdempotencyKeyReused":
      return IdempotencyKey.reused(error.key)
    case "RequestInProgress":
      return Problem.conflict("request-in-progress", error.message, { retryAfterSeconds: 1 })
    case "VersionConflict":
      return Problem.conflict("concurrent-update", "The flight kept changing while this request was applied; send it again", {
        retryAfterSeconds: 1,
      })
    case "FlightStoreError":
      // Data this build cannot read is no client's doing and not a passing outage.
      return error.transient ? Problem.unavailable("The flight store is unavailable", 1) : Problem.internal()
  }
}

const answer = <A, R>(effect: Effect.Effect<A, ApiError, R>) => Effect.mapError(effect, problemOf)

// -------------------------------------------------------------------------------------------------
// Routes

type Services = FlightCommands | FlightQueries | DeadLetters.DeadLetters

const encodeView = Schema.encodeSync(FlightView)
const encodeSchedule = Schema.encodeSync(Flight.FlightSchedule)

export const routes: ReadonlyArray<Route.Route<Services>> = [
  Route.make({
    method: "post",
    path: "/api/flights",
    summary: "Schedule a flight",
    access: FlightPolicy.operations,
    description: "Adds a flight to the catalogue with every seat available, and publishes flight.scheduled. " +
      "With an Idempotency-Key, a repeated request answers the first response (marked Idempotent-Replayed).",
    tags: ["flights"],
    headers: IdempotencyKey.OptionalHeader,
    body: Flight.FlightSchedule,
    success: { status: 201, schema: FlightView, description: "The scheduled flight" },
    errors: [409, 422, 503],
    handler: ({ body, headers }) =>
      Effect.gen(function* () {
        const key = headers[IdempotencyKey.headerName]
        const request = Option.map(Option.fromNullable(key), (key) => ({
          key,
          fingerprint: IdempotencyKey.fingerprint("POST /api/flights", encodeSchedule(body)),
        }))
        const commands = yield* FlightCommands
        const { flight, replayed } = yield* answer(commands.schedule(body, request))
        return replayed
          ? Route.response({ status: 201, body: encodeView(viewOf(flight)), headers: { [IdempotencyKey.replayedHeader]: "true" } })
          : viewOf(flight)
      }),
  }),
  // Before `/api/flights/:id`, which would otherwise take `departures` for a flight id.
  Route.make({
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
    errors: [503],
    handler: ({ query }) =>
      Effect.gen(function* () {
        const queries = yield* FlightQueries
        const page = yield* answer(queries.departures({
          date: query.date,
          origin: Option.fromNullable(query.origin),
          destination: Option.fromNullable(query.destination),
          status: Option.fromNullable(query.status),
          limit: query.limit,
          after: Option.fromNullable(query.cursor),
        }))
        return pageResponse(page)
      }),
  }),
  Route.make({
    method: "get",
    path: "/api/flights/:id",
    summary: "Get a flight",
    access: "anyone",
    description: "One flight; each cabin carries its capacity and the seats still available.",
    tags: ["flights"],
    params: IdParams,
    success: { status: 200, schema: FlightView },
    errors: [404, 503],
    handler: ({ params }) => answer(Effect.flatMap(FlightQueries, (queries) => queries.get(params.id)).pipe(Effect.map(viewOf))),
  }),
  Route.make({
    method: "get",
    path: "/api/flights",
    summary: "Search flights",
    access: "anyone",
    description: "Bookable flights (scheduled or delayed) of a route departing on a UTC day, with at least `passengers` " +
      "seats available in `cabin` (economy unless given), ordered by departure, `limit` (default 20) per page.",
    tags: ["flights"],
    query: SearchQuery,
    success: { status: 200, schema: FlightPage },
    errors: [503],
    handler: ({ query }) =>
      Effect.gen(function* () {
        const queries = yield* FlightQueries
        const page = yield* answer(queries.search({ ...query, after: Option.fromNullable(query.cursor) }))
        return pageResponse(page)
      }),
  }),
  Route.make({
    method: "patch",
    path: "/api/flights/:id/status",
    summary: "Change a flight's status",
    access: FlightPolicy.operations,
    description: "Allowed: scheduled → delayed | boarding | cancelled; delayed → boarding | cancelled | delayed; " +
      "boarding → departed; departed → arrived. A delay gives the new departureAt (after the scheduled one); the " +
      "arrival moves with it. Publishes flight.status-changed.",
    tags: ["flights"],
    params: IdParams,
    body: StatusChangeBody,
    success: { status: 200, schema: FlightView, description: "The flight after the change" },
    errors: [404, 409, 503],
    handler: ({ body, params }) =>
      Effect.gen(function* () {
        const commands = yield* FlightCommands
        const flight = yield* answer(commands.changeStatus(params.id, {
          status: body.status,
          reason: Option.fromNullable(body.reason),
          departureAt: Option.fromNullable(body.departureAt),
        }))
        return viewOf(flight)
      }),
  }),
  // Its dead letters and queue depth, for admins (the same routes in every service on the bus).
  ...OperationsRoutes.routes("flight"),
]

export const make = (runtime: Runtime.Runtime<Services | StoreHealth | MessageBus | TokenVerifier.TokenVerifier>): Hono =>
  HttpApp.make({
    service: "flight",
    version: packageJson.version,
    description: "Flight catalogue, search, status and seat availability",
    routes,
    runtime,
    authentication: HttpAuthentication.bridge,
    readiness: ServiceBus.readiness,
  })

