/**
 * The booking service's HTTP API (DESIGN §3, booking): create, get, find by reference and last
 * name, cancel, and the seat map. Routes decode their input with Schemas, run one application
 * function, and map its typed errors to problem+json in `problemOf`.
 */
import { AuthProblem, CurrentPrincipal, HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { type MessageBus, ServiceBus } from "@flight/bus"
import { Cabin, FlightId } from "@flight/contracts"
import { ClientAddress, HttpApp, IdempotencyKey, Problem, Route, type StoreHealth } from "@flight/runtime"
import { Effect, Option, type Runtime, Schema } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import { BookingCommands, type IdempotencyKeyReused, type RequestInProgress } from "../application/BookingCommands.ts"
import * as BookingAccess from "../application/BookingAccess.ts"
import { BookingQueries } from "../application/BookingQueries.ts"
import { GuestTokens } from "../infrastructure/GuestTokens.ts"
import * as ClientAddresses from "./ClientAddresses.ts"
import {
  BookingView,
  BookingsQuery,
  CreateBookingBody,
  CreatedBookingView,
  IdParams,
  JwksView,
  ManageBookingBody,
  ManagedBookingView,
  SeatMapView,
  TripsPage,
  viewOf,
} from "./BookingViews.ts"
import { type Booking, type HoldExpired, type InvalidTransition } from "../domain/Booking.ts"
import type {
  BookingNotFound,
  BookingStoreError,
  CabinNotOnFlight,
  FlightNotBookable,
  FlightNotFound,
} from "../domain/BookingRepository.ts"
import type { HoldLimitReached, PartyOverHoldLimit } from "../domain/HoldLimit.ts"
import {
  type SeatNotInCabin,
  type SeatRequestedTwice,
  type SeatsUnavailable,
  type TotalTooLarge,
} from "../domain/SeatInventory.ts"

// -------------------------------------------------------------------------------------------------
// Errors

type ApiError =
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

const answer = <A, R>(effect: Effect.Effect<A, ApiError, R>) => Effect.mapError(effect, problemOf)

const encodeView = Schema.encodeSync(BookingView)
const encodeCreated = Schema.encodeSync(CreatedBookingView)
const encodeCreate = Schema.encodeSync(CreateBookingBody)

/** The response of a request, marked when it replays the first one of its Idempotency-Key. */
const respond = (status: number, result: { readonly booking: Booking; readonly replayed: boolean }) =>
  Route.response({
    status,
    body: encodeView(viewOf(result.booking)),
    ...(result.replayed ? { headers: { [IdempotencyKey.replayedHeader]: "true" } } : {}),
  })

const idempotency = (key: string | undefined, route: string, input: unknown) =>
  Option.map(Option.fromNullable(key), (key) => ({ key, fingerprint: IdempotencyKey.fingerprint(route, input) }))

// -------------------------------------------------------------------------------------------------
// Routes

type Services = BookingCommands | BookingQueries | GuestTokens | CurrentPrincipal

export const routes: ReadonlyArray<Route.Route<Services>> = [
  Route.make({
    method: "post",
    path: "/api/bookings",
    // Anyone books: without a token as a guest, with an account's token as its owner (decision 17).
    access: "anyone",
    summary: "Book seats",
    description: "Holds the named seats, or free seats chosen together, until holdExpiresAt, and publishes " +
      "booking.created. The total is the cabin's fare times the passengers. Without a token the booking is a guest's; " +
      "with a signed-in customer's token it is theirs (\"my trips\"). Either way the answer carries accessToken, " +
      "a token scoped to this booking. With an Idempotency-Key, a repeated request answers the first response " +
      "(marked Idempotent-Replayed). 429 too-many-holds (with Retry-After) while the caller's account, the contact email " +
      "or the client's address already holds so many seats that this booking would take them over the limit (9 by " +
      "default) until holds are paid, cancelled or run out.",
    tags: ["bookings"],
    headers: IdempotencyKey.OptionalHeader,
    body: CreateBookingBody,
    success: { status: 201, schema: CreatedBookingView, description: "The pending booking and a token scoped to it" },
    errors: [404, 409, 422, 429, 503],
    handler: ({ body, headers, request }) =>
      Effect.gen(function* () {
        const commands = yield* BookingCommands
        const owner = BookingAccess.ownerFor(yield* CurrentPrincipal)
        // The owner is part of the request: another caller's replay under the same key is refused.
        const idempotent = idempotency(headers[IdempotencyKey.headerName], "POST /api/bookings", { body: encodeCreate(body), owner })
        // Not part of the request: a retry from another network still replays. It counts held seats.
        const clientAddress = ClientAddresses.of(request)
        const result = yield* answer(commands.create({ ...body, owner, clientAddress }, idempotent))
        // Dated at the booking's creation, so a replay under its Idempotency-Key answers the same token.
        const accessToken = yield* (yield* GuestTokens).issue(result.booking.id, result.booking.createdAt)
        return Route.response({
          status: 201,
          body: encodeCreated({ ...viewOf(result.booking), accessToken }),
          ...(result.replayed ? { headers: { [IdempotencyKey.replayedHeader]: "true" } } : {}),
        })
      }),
  }),
  Route.make({
    method: "post",
    path: "/api/bookings/manage",
    access: "anyone",
    summary: "Manage a booking: its reference and a passenger's last name give a token scoped to it",
    description: "As at an airline, a reference alone reveals nothing: the last name of one of the passengers must match " +
      "(case-insensitive). Answers the booking and an accessToken for it, or the same 404 when either does not match.",
    tags: ["bookings"],
    body: ManageBookingBody,
    success: { status: 200, schema: ManagedBookingView },
    errors: [404, 503],
    handler: ({ body }) =>
      Effect.gen(function* () {
        const booking = yield* answer(Effect.flatMap(BookingQueries, (queries) => queries.find(body.reference, body.lastName)))
        const accessToken = yield* (yield* GuestTokens).issue(booking.id)
        return { booking: viewOf(booking), accessToken }
      }),
  }),
  Route.make({
    method: "get",
    path: "/api/bookings/.well-known/jwks.json",
    access: "anyone",
    summary: "The guest issuer's public keys",
    description: "The keys that verify the guest tokens this service signs (decision 17), for every service that accepts them.",
    tags: ["bookings"],
    success: { status: 200, schema: JwksView },
    errors: [],
    handler: () => Effect.map(GuestTokens, (tokens) => ({ keys: tokens.jwks.keys as ReadonlyArray<Record<string, unknown>> })),
  }),
  Route.make({
    method: "get",
    path: "/api/bookings/:id",
    // Open to every caller, then the booking's rule (BookingAccess): its owner, its guest token, ops
    // and admin; anyone else gets the 404 of an unknown id, never a 401 or 403 that would confirm it.
    access: "anyone",
    summary: "Get a booking",
    description: "For its owner, the holder of its accessToken, ops and admin; 404 for anyone else, as for an unknown id.",
    tags: ["bookings"],
    params: IdParams,
    success: { status: 200, schema: BookingView },
    errors: [404, 503],
    handler: ({ params }) =>
      Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        return viewOf(yield* answer(Effect.flatMap(BookingQueries, (queries) => queries.reachable(caller, params.id))))
      }),
  }),
  Route.make({
    method: "get",
    path: "/api/bookings",
    // Kept while its callers move to POST /api/bookings/manage (decision 17): it answers no more than
    // manage does, the same 404 for a wrong name as for an unknown reference, and no token. With
    // mine=true, a signed-in account's own bookings ("my trips").
    access: "anyone",
    summary: "Find a booking by reference and last name, or list my trips",
    description: "With reference and lastName: as at an airline, a reference alone reveals nothing: the last name of one of " +
      "the passengers must match (case-insensitive); 404 when either does not. With mine=true (and no reference): the " +
      "signed-in customer's bookings, newest first, `limit` (default 20) a page; 401 without a token, 403 for a guest token.",
    tags: ["bookings"],
    query: BookingsQuery,
    success: { status: 200, schema: Schema.Union(BookingView, TripsPage) },
    errors: [400, 403, 404, 503],
    handler: ({ query }) =>
      Effect.gen(function* () {
        const queries = yield* BookingQueries
        if (query.mine === "true") {
          if (query.reference !== undefined || query.lastName !== undefined) {
            return yield* Effect.fail(Problem.badRequest("mine=true lists your bookings; it takes no reference or lastName", [
              { path: "query.mine", message: "cannot be combined with reference or lastName" },
            ]))
          }
          const caller = yield* CurrentPrincipal
          if (Option.isNone(caller)) return yield* Effect.fail(AuthProblem.noToken("missing"))
          const offset = query.cursor?.offset ?? 0
          const page = yield* answer(queries.mine(caller, { offset, limit: query.limit }))
          if (Option.isNone(page)) return yield* Effect.fail(AuthProblem.forbidden(["customer"]))
          return {
            items: page.value.items.map(viewOf),
            nextCursor: page.value.more ? { offset: offset + query.limit } : null,
          }
        }
        if (query.reference === undefined || query.lastName === undefined) {
          return yield* Effect.fail(Problem.badRequest("Give reference and lastName, or mine=true", [
            ...(query.reference === undefined ? [{ path: "query.reference", message: "is required without mine=true" }] : []),
            ...(query.lastName === undefined ? [{ path: "query.lastName", message: "is required without mine=true" }] : []),
          ]))
        }
        return viewOf(yield* answer(queries.find(query.reference, query.lastName)))
      }),
  }),
  Route.make({
    method: "post",
    path: "/api/bookings/:id/cancel",
    // As GET: the booking's own rule, and the 404 of an unknown id for anyone it does not admit.
    access: "anyone",
    summary: "Cancel a booking",
    description: "Cancels a pending or confirmed booking: its seats are free again, and booking.cancelled (reason customer) " +
      "tells payment to close the intent or refund. 409 when it has already ended. For its owner, the holder of its " +
      "accessToken, ops and admin; 404 for anyone else, as for an unknown id.",
    tags: ["bookings"],
    params: IdParams,
    headers: IdempotencyKey.OptionalHeader,
    success: { status: 200, schema: BookingView, description: "The cancelled booking" },
    errors: [404, 409, 422, 503],
    handler: ({ headers, params }) =>
      Effect.gen(function* () {
        const commands = yield* BookingCommands
        const caller = yield* CurrentPrincipal
        // Asked before the Idempotency-Key, so a stranger's replay of a key is a 404 too.
        yield* answer(Effect.flatMap(BookingQueries, (queries) => queries.reachable(caller, params.id)))
        const request = idempotency(headers[IdempotencyKey.headerName], `POST /api/bookings/${params.id}/cancel`, {})
        return respond(200, yield* answer(commands.once(request, commands.cancel(params.id, "customer"))))
      }),
  }),
  Route.make({
    method: "get",
    path: "/api/seatmaps/:flightId",
    access: "anyone",
    summary: "The seat map of a flight's cabin",
    description: "Every seat of the cabin (economy unless given), row by row, free, held or sold.",
    tags: ["seat maps"],
    params: Schema.Struct({ flightId: FlightId }),
    query: Schema.Struct({ cabin: Schema.optionalWith(Cabin, { default: () => "economy" as const }) }),
    success: { status: 200, schema: SeatMapView },
    errors: [404, 503],
    handler: ({ params, query }) =>
      Effect.gen(function* () {
        const queries = yield* BookingQueries
        const seats = yield* queries.seatMap(params.flightId, query.cabin).pipe(
          Effect.mapError((error) =>
            error._tag === "CabinNotOnFlight" ? Problem.notFound("cabin-not-on-flight", error.message) : problemOf(error)
          ),
        )
        return { flightId: params.flightId, cabin: query.cabin, seats }
      }),
  }),
]

/**
 * The app on the service's runtime. `clientAddress` says how to find the client's address behind a
 * proxy (AUTH_CLIENT_IP_HEADER, AUTH_TRUSTED_PROXIES); the connection's own address unless given.
 */
export const make = (
  runtime: Runtime.Runtime<Exclude<Services, CurrentPrincipal> | StoreHealth | MessageBus | TokenVerifier.TokenVerifier>,
  options: { readonly clientAddress?: ClientAddress.Settings } = {},
): Hono =>
  ClientAddresses.found(HttpApp.make({
    service: "booking",
    version: packageJson.version,
    description: "Bookings, seat inventory and holds, booking references",
    routes,
    runtime,
    authentication: HttpAuthentication.bridge,
    readiness: ServiceBus.readiness,
  }), options.clientAddress ?? ClientAddress.direct)

export * from "./BookingViews.ts"
