/**
 * The payment service's HTTP API. No payment routes yet: the health checks, `/metrics` and
 * `/openapi.json` that every service serves.
 */
import { HttpApp, Readiness, type Route } from "@flight/runtime"
import { Effect, type Runtime } from "effect"
import type { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import { HealthCheck } from "../application/HealthCheck.ts"

export const routes: ReadonlyArray<Route.Route<HealthCheck>> = []

export const readiness = Effect.flatMap(HealthCheck, ({ checks }) => Readiness.all(checks))

export const make = (runtime: Runtime.Runtime<HealthCheck>): Hono =>
  HttpApp.make({
    service: "payment",
    version: packageJson.version,
    description: "Payment intents, charges, refunds and their history",
    routes,
    runtime,
    readiness,
  })
