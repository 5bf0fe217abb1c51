/**
 * The routes, the stand-in authentication and the app that the HttpApp tests share: a flight
 * lookup, a booking creation (body, headers, replay, conflict) and a cancel that can crash.
 */
import { expect } from "bun:test"
import { Context, DateTime, Effect, Layer, Logger, ManagedRuntime, Option, Schema } from "effect"
import type { Tracer } from "effect"
import { HttpApp, Problem, Route } from "../src/index.ts"

// A service the routes depend on, to show that handlers run on the given runtime.
class Flights extends Context.Tag("test/Flights")<Flights, {
  readonly find: (id: string) => Effect.Effect<Option.Option<{ id: string; number: string }>>
}>() {}

export const knownId = "0192f5a4-5c7e-7b3a-9f1d-2c3b4a5d6e7f"
const FlightId = Schema.UUID.pipe(Schema.brand("FlightId"))

class FlightView extends Schema.Class<FlightView>("FlightView")({
  id: FlightId,
  number: Schema.String,
  departureAt: Schema.DateTimeUtc,
}) {}

const Passenger = Schema.Struct({ firstName: Schema.NonEmptyString, lastName: Schema.NonEmptyString })
const CreateBooking = Schema.Struct({
  flightId: FlightId,
  passengers: Schema.Array(Passenger).pipe(Schema.minItems(1), Schema.maxItems(9)),
})

export const logged: Array<{ message: unknown; cause: string }> = []
const captureLogs = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ cause, message }) => logged.push({ message, cause: String(cause) })),
)

export const seen: { span?: Tracer.Span; headers?: unknown } = {}

export const routes = [
  Route.make({
    method: "get",
    path: "/api/flights/:id",
    summary: "Get one flight",
    access: "anyone",
    tags: ["flights"],
    params: Schema.Struct({ id: FlightId }),
    query: Schema.Struct({ limit: Schema.optional(Schema.NumberFromString) }),
    success: { status: 200, schema: FlightView },
    errors: [404],
    handler: ({ params }) =>
      Effect.gen(function*() {
        seen.span = yield* Effect.orDie(Effect.currentSpan)
        const flights = yield* Flights
        const flight = yield* flights.find(params.id)
        if (Option.isNone(flight)) return yield* Problem.notFound("flight-not-found", `No flight ${params.id}`)
        return new FlightView({
          id: params.id,
          number: flight.value.number,
          departureAt: DateTime.unsafeMake("2026-12-01T10:00:00Z"),
        })
      }),
  }),
  Route.make({
    method: "post",
    path: "/api/bookings",
    summary: "Create a booking",
    access: "anyone",
    body: CreateBooking,
    headers: Schema.Struct({ "idempotency-key": Schema.optional(Schema.String) }),
    success: { status: 201, schema: Schema.Struct({ seats: Schema.Number }) },
    errors: [409],
    handler: ({ body, headers }) => {
      seen.headers = headers
      if (headers["idempotency-key"] === "replay") {
        return Effect.succeed(Route.response({ status: 200, body: { seats: 1 }, headers: { "idempotent-replayed": "true" } }))
      }
      return body.passengers.length > 5
        ? Effect.fail(Problem.conflict("seats-unavailable", "Not enough seats", { retryAfterSeconds: 5 }))
        : Effect.succeed({ seats: body.passengers.length, internalNote: "not for clients" })
    },
  }),
  Route.make({
    method: "post",
    path: "/api/bookings/:id/cancel",
    summary: "Cancel a booking",
    access: "anyone",
    params: Schema.Struct({ id: Schema.String }),
    success: { status: 204 },
    handler: ({ params }) =>
      params.id === "crash"
        ? Effect.die(new Error("connection string postgres://admin:hunter2@db leaked"))
        : Effect.void,
  }),
]

/**
 * A stand-in for @flight/auth behind the bridge's port: `x-test-roles: ops,admin` is a caller with
 * those roles, `x-test-roles: !` a refused token, no header an anonymous caller.
 */
export class Caller extends Context.Tag("test/Caller")<Caller, Option.Option<ReadonlyArray<string>>>() {}
export const authorized: Array<string> = []
export const authentication: HttpApp.Authentication<Caller, never> = {
  authorize: (access, request) =>
    Effect.suspend(() => {
      authorized.push(`${request.method} ${new URL(request.url).pathname}`)
      const header = request.headers.get("x-test-roles")
      if (header === "!") return Effect.fail(Problem.make({ status: 401, type: "unauthorized", headers: { "www-authenticate": "Bearer" } }))
      const caller = header === null ? Option.none() : Option.some(header.split(","))
      if (access === "anyone") return Effect.succeed(Context.make(Caller, caller))
      if (Option.isNone(caller)) return Effect.fail(Problem.make({ status: 401, type: "unauthorized", headers: { "www-authenticate": "Bearer" } }))
      if (typeof access !== "string" && !access.roles.some((role) => caller.value.includes(role))) {
        return Effect.fail(Problem.make({ status: 403, type: "forbidden" }))
      }
      return Effect.succeed(Context.make(Caller, caller))
    }),
}

const FlightsTest = Layer.succeed(Flights, {
  find: (id) => Effect.succeed(id === knownId ? Option.some({ id, number: "BA117" }) : Option.none()),
})

/** What `/health/ready` checks; a test sets it and puts `Effect.void` back. */
export const readiness: { ready: Effect.Effect<void, unknown> } = { ready: Effect.void }

/** The app on a runtime of its own (with `Flights` and the captured logs); `dispose` after the file's tests. */
export const make = async () => {
  const managed = ManagedRuntime.make(Layer.merge(FlightsTest, captureLogs))
  const runtime = await managed.runtime()
  const app = HttpApp.make({
    service: "flight-test",
    version: "1.2.3",
    routes,
    runtime,
    authentication,
    bodyLimitBytes: 1024,
    readiness: Effect.suspend(() => readiness.ready),
  })
  const get = (path: string, headers?: Record<string, string>) => app.fetch(new Request(`http://test${path}`, { headers }))
  const post = (path: string, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    app.fetch(new Request(`http://test${path}`, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    }))
  return { app, runtime, get, post, dispose: () => managed.dispose() }
}

export const problemOf = async (response: Response) => {
  expect(response.headers.get("content-type")).toBe("application/problem+json")
  return (await response.json()) as Problem.Body
}

export const validBooking = { flightId: knownId, passengers: [{ firstName: "Ada", lastName: "Lovelace" }] }
