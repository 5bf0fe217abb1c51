/**
 * The flight service's HTTP API. No flight routes yet: the health checks, `/metrics` and
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
    service: "flight",
    version: packageJson.version,
    description: "Flight catalogue, search, status and seat availability",
    routes,
    runtime,
    readiness,
  })
