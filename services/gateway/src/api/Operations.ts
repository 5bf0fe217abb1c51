/**
 * What the gateway tells an admin about the system behind it (DESIGN §10, the console's system
 * page), so that one origin answers for every service: each service's readiness, asked by the
 * gateway itself (`GET /api/operations/readiness`), and each service's metrics
 * (`GET /api/operations/{service}/metrics`, forwarded to the service's `/metrics`, which checks the
 * admin's token again). Each service's dead letters are its own routes, under
 * `/api/operations/{service}/dead-letters`, routed like any other API.
 */
import { Problem, Route, Spans } from "@flight/runtime"
import { Cause, Duration, Effect, Exit, Option, Schema } from "effect"
import { allUpstreams, type Upstream, Upstreams } from "../domain/Upstream.ts"
import type { UpstreamSettings } from "../infrastructure/GatewayConfig.ts"
import { targetUrl } from "./Forwarding.ts"

export const admin: Route.Access = { roles: ["admin"] }

export const readinessPath = "/api/operations/readiness"

/** The gateway's path of `upstream`'s metrics, and the service's own. */
export const metricsPath = (upstream: Upstream) => `/api/operations/${upstream}/metrics`
export const upstreamMetricsPath = "/metrics"

/** The services whose metrics the gateway forwards: every API behind it (the site keeps none). */
export const metricsUpstreams: ReadonlyArray<Upstream> = Upstreams

/** How long a service may take to say whether it is ready before it counts as not answering. */
export const probeTimeout = Duration.seconds(3)

export const ServiceReadiness = Schema.Struct({
  service: Schema.String,
  state: Schema.Literal("ready", "not-ready", "unreachable").annotations({
    description: "ready: /health/ready answered 200; not-ready: it answered otherwise; unreachable: nothing answered in time",
  }),
  /** The status `/health/ready` answered, null when nothing answered. */
  status: Schema.NullOr(Schema.Int),
  /** The dependencies the service named unavailable. */
  unavailable: Schema.Array(Schema.String),
}).annotations({ identifier: "ServiceReadiness" })
export type ServiceReadiness = typeof ServiceReadiness.Type

export const SystemReadiness = Schema.Struct({
  ready: Schema.Boolean,
  services: Schema.Array(ServiceReadiness),
}).annotations({ identifier: "SystemReadiness" })

/** What a 503 of `/health/ready` names: its problem's `errors[].path`. */
const NotReadyBody = Schema.Struct({ errors: Schema.Array(Schema.Struct({ path: Schema.String })) })
const unavailableIn = (body: unknown): ReadonlyArray<string> =>
  Option.match(Schema.decodeUnknownOption(NotReadyBody)(body), {
    onNone: () => [],
    onSome: (problem) => problem.errors.map((error) => Problem.excerpt(error.path, 80)),
  })

/** One service's `/health/ready`, asked by the gateway: whatever happens, an answer for the page. */
export const probe = (service: Upstream, settings: UpstreamSettings): Effect.Effect<ServiceReadiness> =>
  Effect.tryPromise(async (signal) => {
    const response = await fetch(targetUrl(settings, "/health/ready"), { signal, redirect: "manual", headers: { accept: "application/json" } })
    const body: unknown = await response.json().catch(() => null)
    return { status: response.status, body }
  }).pipe(
    Effect.timeout(probeTimeout),
    Effect.match({
      onFailure: (): ServiceReadiness => ({ service, state: "unreachable", status: null, unavailable: [] }),
      onSuccess: ({ body, status }): ServiceReadiness =>
        status === 200
          ? { service, state: "ready", status, unavailable: [] }
          : { service, state: "not-ready", status, unavailable: unavailableIn(body) },
    }),
    Spans.within("Operations.probe", { attributes: { "upstream": service }, kind: "client" }),
  )

/** The gateway's own readiness, in the same shape as a service's. */
export const own = <R>(readiness: Effect.Effect<void, Problem.Problem, R>): Effect.Effect<ServiceReadiness, never, R> =>
  Effect.map(Effect.exit(readiness), (exit): ServiceReadiness =>
    Exit.isSuccess(exit)
      ? { service: "gateway", state: "ready", status: 200, unavailable: [] }
      : {
        service: "gateway",
        state: "not-ready",
        status: 503,
        unavailable: Option.match(Cause.failureOption(exit.cause), {
          onNone: () => [],
          onSome: (problem) => (problem.errors ?? []).map((error) => error.path),
        }),
      })

/** `GET /api/operations/readiness`: the gateway's readiness and every service's, asked at once. */
export const readinessRoute = <R>(
  upstreams: Readonly<Record<Upstream, UpstreamSettings>>,
  readiness: Effect.Effect<void, Problem.Problem, R>,
): Route.Route<R> =>
  Route.make({
    method: "get",
    path: readinessPath,
    summary: "Every service's readiness",
    description: "The gateway's own readiness and each service's `/health/ready` behind it (the web site's too), asked at once " +
      `by the gateway, each within ${Duration.format(probeTimeout)}: ready, not ready (with the dependencies it named) or unreachable. ` +
      "Admin only. Each service's metrics are forwarded at `/api/operations/{service}/metrics` (admin only).",
    tags: ["operations"],
    access: admin,
    success: { status: 200, schema: SystemReadiness },
    handler: () =>
      Effect.all([own(readiness), ...allUpstreams.map((upstream) => probe(upstream, upstreams[upstream]))], { concurrency: "unbounded" }).pipe(
        Effect.map((services) => ({ ready: services.every((service) => service.state === "ready"), services })),
      ),
  })
