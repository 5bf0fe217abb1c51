/**
 * The notification service's HTTP API. No notification routes yet: the health checks, `/metrics`
 * and `/openapi.json` that every service serves.
 */
import { type MessageBus, ServiceBus } from "@flight/bus"
import { HttpApp, type Route, type StoreHealth } from "@flight/runtime"
import type { Runtime } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }

export const routes: ReadonlyArray<Route.Route<StoreHealth | MessageBus>> = []

export const make = (runtime: Runtime.Runtime<StoreHealth | MessageBus>): Hono =>
  HttpApp.make({
    service: "notification",
    version: packageJson.version,
    description: "Email, SMS and push notifications and their history",
    routes,
    runtime,
    readiness: ServiceBus.readiness,
  })
