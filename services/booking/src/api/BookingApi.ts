/**
 * The booking service's HTTP API (DESIGN §3, booking): create, get, manage, cancel, and the seat
 * map; the searches of `GET /api/bookings` live in `BookingSearch`. Routes decode their input with
 * Schemas, run one application function, and map its typed errors to problem+json through the
 * selection of `BookingProblems` each route names, which also gives its documented statuses.
 */
import { CurrentPrincipal, HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { DeadLetters, type MessageBus, OperationsRoutes, ServiceBus } from "@flight/bus"
import { Cabin, FlightId } from "@flight/contracts"
import { ClientAddress, HttpApp, IdempotencyKey, Problem, Route, type StoreHealth } from "@flight/runtime"
import { Effect, type Runtime, Schema } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import { BookingCommands } from "../application/BookingCommands.ts"
import * as BookingAccess from "../application/BookingAccess.ts"
import { BookingQueries } from "../application/BookingQueries.ts"
import { GuestTokens } from "../infrastructure/GuestTokens.ts"
import { problems } from "./BookingProblems.ts"
import * as BookingSearch from "./BookingSearch.ts"
import * as ClientAddresses from "./ClientAddresses.ts"
import {
  BookingView,
  CreateBookingBody,
  CreatedBookingView,
  encodedView,
  IdParams,
  JwksView,
  ManageBookingBody,
  ManagedBookingView,
  SeatMapView,
  viewOf,
} from "./BookingViews.ts"

const encodeCreate = Schema.encodeSync(CreateBookingBody)

// -------------------------------------------------------------------------------------------------
// What each route may fail with (BookingProblems)

const creating = problems.for(
  "FlightNotFound",
  "FlightNotBookable",
  "CabinNotOnFlight",
  "SeatNotInCabin",
  "SeatRequestedTwice",
  "TotalTooLarge",
  "PartyOverHoldLimit",
  "SeatsUnavailable",
  "HoldLimitReached",
  "IdempotencyKeyReused",
  "RequestInProgress",
  "BookingStoreError",
)
/** Manage and get: the same 404 for a booking that does not match and one the caller may not reach. */
const finding = problems.for("BookingNotFound", "BookingStoreError")
const cancelling = problems.for("BookingNotFound", "InvalidTransition", "IdempotencyKeyReused", "RequestInProgress", "BookingStoreError")
const seating = problems.for("FlightNotFound", "BookingStoreError")

// -------------------------------------------------------------------------------------------------
// Routes

type Services = BookingCommands | BookingQueries | GuestTokens | CurrentPrincipal | DeadLetters.DeadLetters

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
    errors: creating.statuses,
    handler: ({ body, headers, request }) =>
      creating.answer(Effect.gen(function* () {
        const commands = yield* BookingCommands
        const owner = BookingAccess.ownerFor(yield* CurrentPrincipal)
        // The owner is part of the request: another caller's replay under the same key is refused.
        const idempotent = IdempotencyKey.requestOf(headers[IdempotencyKey.headerName], "POST /api/bookings", () => ({ body: encodeCreate(body), owner }))
        // Not part of the request: a retry from another network still replays. It counts held seats.
        const clientAddress = ClientAddresses.of(request)
        const result = yield* commands.create({ ...body, owner, clientAddress }, idempotent)
        // Dated at the booking's creation, so a replay under its Idempotency-Key answers the same token.
        const accessToken = yield* (yield* GuestTokens).issue(result.booking.id, result.booking.createdAt)
        const created: typeof CreatedBookingView.Encoded = { ...encodedView(result.booking), accessToken }
        return IdempotencyKey.respond({ status: 201, body: created, replayed: result.replayed })
      })),
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
    errors: finding.statuses,
    handler: ({ body }) =>
      finding.answer(Effect.gen(function* () {
        const booking = yield* Effect.flatMap(BookingQueries, (queries) => queries.find(body.reference, body.lastName))
        const accessToken = yield* (yield* GuestTokens).issue(booking.id)
        return { booking: viewOf(booking), accessToken }
      })),
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
    errors: finding.statuses,
    handler: ({ params }) =>
      finding.answer(Effect.gen(function* () {
        const caller = yield* CurrentPrincipal
        return viewOf(yield* Effect.flatMap(BookingQueries, (queries) => queries.reachable(caller, params.id)))
      })),
  }),
  BookingSearch.route,
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
    errors: cancelling.statuses,
    handler: ({ headers, params }) =>
      cancelling.answer(Effect.gen(function* () {
        const commands = yield* BookingCommands
        const caller = yield* CurrentPrincipal
        // Asked before the Idempotency-Key, so a stranger's replay of a key is a 404 too.
        yield* Effect.flatMap(BookingQueries, (queries) => queries.reachable(caller, params.id))
        const request = IdempotencyKey.requestOf(headers[IdempotencyKey.headerName], `POST /api/bookings/${params.id}/cancel`, () => ({}))
        const result = yield* commands.once(request, commands.cancel(params.id, "customer"))
        return IdempotencyKey.respond({ status: 200, body: encodedView(result.booking), replayed: result.replayed })
      })),
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
    errors: seating.statuses,
    handler: ({ params, query }) =>
      seating.answer(Effect.gen(function* () {
        const queries = yield* BookingQueries
        const seats = yield* queries.seatMap(params.flightId, query.cabin).pipe(
          // The cabin is what the seat map is asked for, not a field of a booking: its 404, not the 400.
          Effect.catchTag("CabinNotOnFlight", (error) => Effect.fail(Problem.notFound("cabin-not-on-flight", error.message))),
        )
        return { flightId: params.flightId, cabin: query.cabin, seats }
      })),
  }),
  // Its dead letters and queue depth, for admins (the same routes in every service on the bus).
  ...OperationsRoutes.routes("booking"),
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
