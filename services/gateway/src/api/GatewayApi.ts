/**
 * The gateway's HTTP app (DESIGN §10, the front door). Every request gets a request id and the
 * secure response headers (and CORS, for the configured origins only). A request for an API is
 * then, in order: a server span (continuing a valid `traceparent`), the body limit (413), the
 * token verified when one is presented (401 for a bad one; identity's routes excepted, whose bearer
 * is better-auth's session token), the rate limits (429), and the service's answer (or 502, 503,
 * 504). `/docs` is the API reference; health, readiness, `/metrics` (admin) and the 404 and 405
 * problems are the runtime's, as in every service.
 */
import { Authentication, HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { HttpApp, Problem, Readiness, RequestInput, StoreHealth, Traceparent } from "@flight/runtime"
import { Cause, Clock, Effect, Exit, Metric, Option, Runtime, type Tracer } from "effect"
import { Hono, type MiddlewareHandler } from "hono"
import { bodyLimit } from "hono/body-limit"
import { cors } from "hono/cors"
import { secureHeaders } from "hono/secure-headers"
import packageJson from "../../package.json" with { type: "json" }
import * as Admission from "../application/Admission.ts"
import { isWellFormedRequestId, normalAddress, requestIdHeader } from "../domain/ForwardedHeaders.ts"
import { readsReference, referenceOf } from "../domain/RateLimitPolicy.ts"
import type { RateLimitStore } from "../domain/RateLimitStore.ts"
import { type RoutePrefix, routes, type Upstream, Upstreams } from "../domain/Upstream.ts"
import type { UpstreamSettings } from "../infrastructure/GatewayConfig.ts"
import * as Docs from "./Docs.ts"
import * as Forwarding from "./Forwarding.ts"
import { JsonNesting } from "@flight/contracts"

export const service = "gateway"
const description = "The one origin of every API: routing, early token verification, rate limits and the API reference"

export interface Options {
  readonly upstreams: Readonly<Record<Upstream, UpstreamSettings>>
  readonly bodyLimitBytes: number
  readonly corsOrigins: ReadonlyArray<string>
}

export type Services = RateLimitStore | StoreHealth | TokenVerifier.TokenVerifier

interface GatewayEnv {
  readonly Variables: { requestId: string; span: Tracer.Span }
}

/** The headers a browser on a configured origin may send and read. */
export const corsAllowHeaders = ["authorization", "content-type", "idempotency-key", "x-request-id", "traceparent"]
export const corsExposeHeaders = ["ratelimit", "ratelimit-policy", "retry-after", "x-request-id", "traceparent", "idempotent-replayed", "location"]

/** The connection's address, when the app is served by Bun (its server is the app's env). */
const clientIpOf = (request: Request, env: unknown): string | undefined => {
  const server = env as { readonly requestIP?: (request: Request) => { readonly address: string } | null } | undefined
  const address = typeof server?.requestIP === "function" ? server.requestIP(request)?.address : undefined
  return address === undefined ? undefined : normalAddress(address)
}

/** The `reference` of a manage request's JSON body, read from a copy: the body itself goes on to the service. */
const referenceIn = (request: Request): Effect.Effect<string | undefined> =>
  Effect.promise(async () => {
    if (request.body === null || !(request.headers.get("content-type") ?? "").toLowerCase().includes("json")) return undefined
    const text = await request.clone().text().catch(() => "")
    if (JsonNesting.exceeds(text)) return undefined
    try {
      return referenceOf(JSON.parse(text))
    } catch {
      return undefined
    }
  })

export const make = (runtime: Runtime.Runtime<Services>, options: Options): Hono<GatewayEnv> => {
  const run = Runtime.runPromise(runtime)
  const runExit = Runtime.runPromiseExit(runtime)
  const inner = HttpApp.make({
    service,
    version: packageJson.version,
    description,
    routes: [],
    runtime,
    authentication: HttpAuthentication.bridge,
    readiness: Effect.flatMap(StoreHealth, (store) => Readiness.all({ [`rate-limit store (${store.name})`]: store.check })),
  })

  /** A failure as the client sees it: its problem, or a bare 500 for a defect (logged). */
  const answer = async (effect: Effect.Effect<Response, Problem.Problem, Services>, instance: string): Promise<Response> => {
    const exit = await runExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && !Cause.isDie(exit.cause)) return Problem.toResponse(failure.value, instance)
    if (Cause.isInterruptedOnly(exit.cause)) return Problem.toResponse(Problem.unavailable("The request was interrupted"), instance)
    await run(Effect.logError("The gateway failed to handle a request", exit.cause))
    return Problem.toResponse(Problem.internal(), instance)
  }

  /** A server span around the rest of the request, its `traceparent` on the response, and the HTTP metrics. */
  const instrument = (route: string): MiddlewareHandler<GatewayEnv> => (c, next) =>
    run(Effect.gen(function* () {
      const method = c.req.method
      const startedAt = yield* Clock.currentTimeNanos
      const incoming = Option.flatMap(Option.fromNullable(c.req.header(Traceparent.headerName)), Traceparent.parse)
      const span = yield* Effect.makeSpan(`HTTP ${method} ${route}`, {
        kind: "server",
        attributes: { "http.method": method, "http.route": route, "url.path": c.req.path, "http.request_id": c.get("requestId") },
        ...(Option.isSome(incoming) ? { parent: incoming.value } : {}),
      })
      c.set("span", span)
      yield* Effect.promise(() => next())
      const status = c.res.status
      c.res.headers.set(Traceparent.headerName, Traceparent.format(span))
      span.attribute("http.status_code", status)
      const endedAt = yield* Clock.currentTimeNanos
      const seconds = Number(endedAt - startedAt) / 1e9
      yield* Effect.logDebug(`${method} ${c.req.path} ${status}`).pipe(
        Effect.annotateLogs({ "http.route": route, durationMs: Math.round(seconds * 1000), requestId: c.get("requestId") }),
        Effect.withParentSpan(span),
      )
      span.end(endedAt, Exit.void)
      const tagged = <T, I, O>(metric: Metric.Metric<T, I, O>) =>
        metric.pipe(
          Metric.tagged("service", service),
          Metric.tagged("method", method),
          Metric.tagged("route", route),
          Metric.tagged("status", String(status)),
        )
      yield* Metric.increment(tagged(HttpApp.requestsTotal))
      yield* Metric.update(tagged(HttpApp.requestDuration), seconds)
    }))

  const limit = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: (c) => Problem.toResponse(Problem.payloadTooLarge(options.bodyLimitBytes), c.req.path),
  })

  const forwardTo = (route: RoutePrefix) => (c: Parameters<MiddlewareHandler<GatewayEnv>>[0]) => {
    const request = c.req.raw
    const url = new URL(request.url)
    const method = request.method
    const clientIp = clientIpOf(request, c.env)
    const span = c.get("span")
    return answer(
      Effect.gen(function* () {
        const principal = route.verifiesTokens ? yield* Authentication.authenticate(request.headers.get("authorization")) : Option.none()
        const reference = readsReference(method, c.req.path) ? yield* referenceIn(request) : undefined
        const reported = yield* Admission.admit({
          method,
          path: c.req.path,
          clientIp: clientIp ?? "unknown",
          principal: Option.getOrUndefined(Option.map(principal, (caller) => caller.sub)),
          reference,
        })
        const response = yield* Forwarding.forward(request, {
          upstream: route.upstream,
          settings: options.upstreams[route.upstream],
          target: `${url.pathname}${url.search}`,
          clientIp,
          requestId: c.get("requestId"),
          traceparent: Traceparent.format(span),
        })
        for (const [name, value] of Object.entries(reported)) response.headers.set(name, value)
        return response
      }).pipe(Effect.withParentSpan(span)),
      url.pathname,
    )
  }

  const app = new Hono<GatewayEnv>()
  // A request without a URL is answered by the runtime's app (400 malformed-request), before anything else.
  app.use(async (c, next) => RequestInput.urlOf(c.req.raw) === undefined ? inner.fetch(c.req.raw, c.env) : next())
  app.use(async (c, next) => {
    const sent = c.req.header(requestIdHeader)
    const requestId = isWellFormedRequestId(sent) ? sent : Bun.randomUUIDv7()
    c.set("requestId", requestId)
    await next()
    c.res.headers.set(requestIdHeader, requestId)
  })
  app.use(secureHeaders({ contentSecurityPolicy: Docs.contentSecurityPolicy }))
  if (options.corsOrigins.length > 0) {
    app.use(cors({
      origin: [...options.corsOrigins],
      allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
      allowHeaders: corsAllowHeaders,
      exposeHeaders: corsExposeHeaders,
      maxAge: 600,
    }))
  }

  app.get(Docs.path, Docs.page)
  app.get(`${Docs.assetsPath}/swagger-ui-dist/:name`, (c, next) => Docs.asset(c.req.param("name")) ?? next())
  app.get(`${Docs.assetsPath}/:name`, (c, next) => Docs.asset(c.req.param("name")) ?? next())
  for (const upstream of Upstreams) {
    app.get(Docs.documentPath(upstream), instrument("/openapi/:service"), (c) =>
      answer(
        Effect.gen(function* () {
          yield* Admission.admit({ method: "GET", path: c.req.path, clientIp: clientIpOf(c.req.raw, c.env) ?? "unknown", principal: undefined, reference: undefined })
          return yield* Docs.document(upstream, options.upstreams[upstream])
        }).pipe(Effect.withParentSpan(c.get("span"))),
        c.req.path,
      ))
  }

  for (const route of routes) {
    for (const path of [route.prefix, `${route.prefix}/*`]) app.all(path, instrument(route.prefix), limit, forwardTo(route))
  }

  // Health, readiness, metrics, the gateway's own /openapi.json, and the 404 and 405 problems.
  app.all("*", (c) => inner.fetch(c.req.raw, c.env))
  app.onError(async (error, c) => {
    await run(Effect.logError("Unhandled error in the gateway", Cause.die(error)))
    return Problem.toResponse(Problem.internal(), c.req.path)
  })
  return app
}
