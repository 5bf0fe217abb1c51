/**
 * The flight service's HTTP API (DESIGN §3, flight): schedule, get, search, list a day's departures
 * (staff) and change status (`FlightRoutes`, `FlightListRoutes`), the flights as `FlightViews` shows
 * them, and every failure as `FlightProblems` maps it.
 */
import { HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { type DeadLetters, type MessageBus, OperationsRoutes, ServiceBus } from "@flight/bus"
import { HttpApp, type Route, type StoreHealth } from "@flight/runtime"
import type { Runtime } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import type { FlightCommands } from "../application/FlightCommands.ts"
import type { FlightQueries } from "../application/FlightQueries.ts"
import * as FlightListRoutes from "./FlightListRoutes.ts"
import * as FlightRoutes from "./FlightRoutes.ts"

type Services = FlightCommands | FlightQueries | DeadLetters.DeadLetters

export const routes: ReadonlyArray<Route.Route<Services>> = [
  FlightRoutes.schedule,
  // Before `/api/flights/:id`, which would otherwise take `departures` for a flight id.
  FlightListRoutes.departures,
  FlightRoutes.get,
  FlightListRoutes.search,
  FlightRoutes.changeStatus,
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
