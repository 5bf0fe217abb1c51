/**
 * The flight service's HTTP API. No flight routes yet: the health checks, `/metrics` and
 * `/openapi.json` that every service serves.
 */
import { type MessageBus, ServiceBus } from "@flight/bus"
import { HttpApp, type Route, type StoreHealth } from "@flight/runtime"
import type { Runtime } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }

export const routes: ReadonlyArray<Route.Route<StoreHealth | MessageBus>> = []

export const make = (runtime: Runtime.Runtime<StoreHealth | MessageBus>): Hono =>
  HttpApp.make({
    service: "flight",
    version: packageJson.version,
    description: "Flight catalogue, search, status and seat availability",
    routes,
    runtime,
    readiness: ServiceBus.readiness,
  })
