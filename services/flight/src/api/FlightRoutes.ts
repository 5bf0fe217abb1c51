/**
 * The routes of a flight: schedule one (`POST /api/flights`), read one, and change its status.
 * Each decodes its input, runs one application function, and answers the failures it names from
 * the service's problems table.
 */
import { FlightId, FlightStatus, StatusReason } from "@flight/contracts"
import { IdempotencyKey, Route } from "@flight/runtime"
import { Effect, Option, Schema } from "effect"
import { FlightCommands } from "../application/FlightCommands.ts"
import * as FlightPolicy from "../application/FlightPolicy.ts"
import { FlightQueries } from "../application/FlightQueries.ts"
import * as Flight from "../domain/Flight.ts"
import { problems } from "./FlightProblems.ts"
import { encodedViewOf, FlightView, publicRead, viewOf } from "./FlightViews.ts"

export const StatusChangeBody = Schema.Struct({
  status: FlightStatus,
  reason: Schema.optional(StatusReason),
  departureAt: Schema.optional(Schema.DateTimeUtc),
})

const IdParams = Schema.Struct({ id: FlightId })

const encodeSchedule = Schema.encodeSync(Flight.FlightSchedule)

const scheduling = problems.for("FlightAlreadyScheduled", "IdempotencyKeyReused", "RequestInProgress", "FlightStoreError")

export const schedule = Route.make({
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
  errors: scheduling.statuses,
  handler: ({ body, headers }) =>
    Effect.gen(function* () {
      const request = IdempotencyKey.requestOf(headers[IdempotencyKey.headerName], "POST /api/flights", () => encodeSchedule(body))
      const commands = yield* FlightCommands
      const { flight, replayed } = yield* scheduling.answer(commands.schedule(body, request))
      return replayed ? IdempotencyKey.respond({ status: 201, body: encodedViewOf(flight), replayed }) : viewOf(flight)
    }),
})

const getting = problems.for("FlightNotFound", "FlightStoreError")

export const get = Route.make({
  method: "get",
  path: "/api/flights/:id",
  summary: "Get a flight",
  access: "anyone",
  description: "One flight; each cabin carries its capacity and the seats still available.",
  tags: ["flights"],
  params: IdParams,
  success: { status: 200, schema: FlightView, headers: publicRead },
  errors: getting.statuses,
  handler: ({ params }) => getting.answer(Effect.flatMap(FlightQueries, (queries) => queries.get(params.id)).pipe(Effect.map(viewOf))),
})

const changing = problems.for("FlightNotFound", "InvalidTransition", "InvalidStatusChange", "VersionConflict", "FlightStoreError")

export const changeStatus = Route.make({
  method: "patch",
  path: "/api/flights/:id/status",
  summary: "Change a flight's status",
  access: FlightPolicy.operations,
  description: "Allowed: scheduled → delayed | boarding | cancelled; delayed → boarding | cancelled | delayed; " +
    "boarding → departed; departed → arrived. A delay gives the new departureAt (after the scheduled one); the " +
    "arrival moves with it. Publishes flight.status-changed. The answer is the flight as `GET /api/flights/{id}` " +
    "gives it (named by Content-Location).",
  tags: ["flights"],
  params: IdParams,
  body: StatusChangeBody,
  success: { status: 200, schema: FlightView, description: "The flight after the change" },
  errors: changing.statuses,
  handler: ({ body, params }) =>
    Effect.gen(function* () {
      const commands = yield* FlightCommands
      const flight = yield* changing.answer(commands.changeStatus(params.id, {
        status: body.status,
        reason: Option.fromNullable(body.reason),
        departureAt: Option.fromNullable(body.departureAt),
      }))
      // The answer is the flight as its read gives it: a cache in front drops the read it kept (RFC 9111 §4.4).
      return Route.response({ status: 200, body: encodedViewOf(flight), headers: { "content-location": `/api/flights/${flight.id}` } })
    }),
})
