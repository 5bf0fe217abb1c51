/**
 * The gateway's HTTP app (DESIGN §10, the front door). Every request gets a request id and the
 * secure response headers (and CORS, for the configured origins only). A request for an API is
 * then, in order: a method no API serves (405, not forwarded), a body declared over the limit
 * (413), a server span (continuing a valid `traceparent`), the token verified when one is presented
 * (401 for a bad one; identity's routes excepted, whose bearer is better-auth's session token), the
 * rate limits (429), the body read whole (408 when it does not arrive, 413 past the limit), and the
 * service's answer (or 502, 503, 504). `/docs` is the API reference; health, readiness, `/metrics`
 * (admin) and the 404 and 405 problems of unknown paths are the runtime's, as in every service.
 */
import { Authentication, HttpAuthentication, type TokenVerifier } from "@flight/auth"
import { JsonNesting } from "@flight/contracts"
import { ClientAddress, HttpApp, Problem, Readiness, RequestInput, StoreHealth, Traceparent } from "@flight/runtime"
import { Cause, Context, Effect, Either, Exit, Option, Runtime, type Tracer } from "effect"
import { type Handler, Hono, type MiddlewareHandler } from "hono"
import { cors } from "hono/cors"
import { secureHeaders } from "hono/secure-headers"
import packageJson from "../../package.json" with { type: "json" }
import * as Admission from "../application/Admission.ts"
import { isWellFormedRequestId, requestIdHeader } from "../domain/ForwardedHeaders.ts"
import { queryReferenceOf, readsReference, referenceOf } from "../domain/RateLimitPolicy.ts"
import { RateLimitStore } from "../domain/RateLimitStore.ts"
import { isSitePath, type RoutePrefix, routes, siteRoute, type Upstream, Upstreams } from "../domain/Upstream.ts"
import type { UpstreamSettings } from "../infrastructure/GatewayConfig.ts"
import * as Docs from "./Docs.ts"
import * as Forwarding from "./Forwarding.ts"
import * as Operations from "./Operations.ts"
import * as RequestBody from "./RequestBody.ts"
import * as ResponseCache from "./ResponseCache.ts"

export const service = "gateway"
const description = "The one origin of every API: routing, early token verification, rate limits and the API reference"

export interface Options {
  readonly upstreams: Readonly<Record<Upstream, UpstreamSettings>>
  readonly bodyLimitBytes: number
  readonly corsOrigins: ReadonlyArray<string>
  /** Whose header names the client's address (a trusted proxy in front); the connection's address otherwise. */
  readonly clientAddress: ClientAddress.Settings
  /** The shared cache of the answers services mark cacheable (decision 36); 0 bytes keeps none. */
  readonly cache: ResponseCache.Settings
}

export type Services = RateLimitStore | StoreHealth | TokenVerifier.TokenVerifier

interface GatewayEnv {
  readonly Variables: { requestId: string; url: URL }
}


/** The headers a browser on a configured origin may send and read. */
export const corsAllowHeaders = ["authorization", "content-type", "idempotency-key", "x-request-id", "traceparent"]
export const corsExposeHeaders = ["ratelimit", "ratelimit-policy", "retry-after", "x-request-id", "traceparent", "idempotent-replayed", "location"]

const utf8 = new TextDecoder()

/** The `reference` of a manage request's JSON body (read whole by the gateway, and sent on as it came). */
const referenceIn = (request: Request, body: Uint8Array | null): string | undefined => {
  if (body === null || !(request.headers.get("content-type") ?? "").toLowerCase().includes("json")) return undefined
  const text = utf8.decode(body)
  if (JsonNesting.exceeds(text)) return undefined
  try {
    return referenceOf(JSON.parse(text))
  } catch {
    return undefined
  }
}

/** `response` with `headers` (the rate limits') set on it. */
const withHeaders = (response: Response, headers: Readonly<Record<string, string>>): Response => {
  for (const name in headers) response.headers.set(name, headers[name]!)
  return response
}

/** The methods the gateway forwards; any other is a 405 of its own. */
const forwardedMethods: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** How a request ended: its answer, or the problem (or defect) to answer instead. */
type Outcome = Exit.Exit<Response, Problem.Problem>

export const make = (runtime: Runtime.Runtime<Services>, options: Options): Hono<GatewayEnv> => {
  const run = Runtime.runPromise(runtime)
  const runExit = Runtime.runPromiseExit(runtime)
  const readiness = Effect.flatMap(StoreHealth, (store) => Readiness.all({ [`rate-limit store (${store.name})`]: store.check }))
  const inner = HttpApp.make({
    service,
    version: packageJson.version,
    description,
    routes: [Operations.readinessRoute(options.upstreams, readiness)],
    runtime,
    authentication: HttpAuthentication.bridge,
    readiness,
  })

  /** Counts a request in the HTTP metrics (their labels made once per series, in the runtime). */
  const record = (method: string, route: string, status: number, seconds: number) =>
    HttpApp.recordNow({ service, method, route, status }, seconds)

  // The runtime's tracer and clock, taken once: the span of a request is made and ended around the
  // Effect that decides it, rather than as steps of it (each step of a fiber costs, per request).
  const tracer = Runtime.runSync(runtime)(Effect.tracer)
  const clock = Runtime.runSync(runtime)(Effect.clock)

  /** The answer of a failed request: its problem, or a bare 500 for a defect (logged with the request id). */
  const failed = async (cause: Cause.Cause<Problem.Problem>, span: Tracer.Span, requestId: string, instance: string): Promise<Response> => {
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure) && !Cause.isDie(cause)) return Problem.toResponse(failure.value, instance)
    if (Cause.isInterruptedOnly(cause)) return Problem.toResponse(Problem.unavailable("The request was interrupted"), instance)
    await run(Effect.logError(`${instance} failed`, cause).pipe(Effect.withParentSpan(span), Effect.annotateLogs({ requestId })))
    return Problem.toResponse(Problem.internal(), instance)
  }

  /**
   * A request served under a server span (continuing a valid `traceparent`): `handle` answers with
   * the span as the parent of whatever it runs, its failure becomes the client's answer, the span's
   * `traceparent` goes on the answer, and the HTTP metrics count it.
   */
  const served = async (
    route: string,
    request: Request,
    url: URL,
    requestId: string,
    handle: (span: Tracer.Span) => Promise<Outcome>,
  ): Promise<Response> => {
    const method = request.method
    const startedAt = clock.unsafeCurrentTimeNanos()
    const sent = request.headers.get(Traceparent.headerName)
    const incoming = sent === null ? Option.none() : Traceparent.parse(sent)
    const span = tracer.span(`HTTP ${method} ${route}`, incoming, Context.empty(), [], startedAt, "server")
    span.attribute("http.method", method)
    span.attribute("http.route", route)
    span.attribute("url.path", url.pathname)
    span.attribute("http.request_id", requestId)
    const exit = await handle(span).catch((error: unknown): Outcome => Exit.die(error))
    const response = Exit.isSuccess(exit) ? exit.value : await failed(exit.cause, span, requestId, url.pathname)
    response.headers.set(Traceparent.headerName, Traceparent.format(span))
    span.attribute("http.status_code", response.status)
    const endedAt = clock.unsafeCurrentTimeNanos()
    span.end(endedAt, Exit.void)
    record(method, route, response.status, Number(endedAt - startedAt) / 1e9)
    return response
  }

  /** `effect` run as a step of a request, under its span: the rare steps (a token, a failure) and the API reference. */
  const step = <A>(span: Tracer.Span, effect: Effect.Effect<A, Problem.Problem, Services>): Promise<Exit.Exit<A, Problem.Problem>> =>
    runExit(Effect.withParentSpan(effect, span))

  /**
   * What a forwarded request must pass before any work is done for it: a method the APIs and pages
   * serve (TRACE, CONNECT and WebDAV's are refused, not forwarded: the runtime's fetch would hand back
   * a service's answer to TRACE without its body), and a body not declared over the limit (one in
   * chunks is counted as it is read, `RequestBody`).
   */
  const limit: MiddlewareHandler<GatewayEnv> = async (c, next) => {
    const request = c.req.raw
    if (!forwardedMethods.has(request.method)) return methodNotAllowed(request.method, c.req.path, [...forwardedMethods])
    if (request.body === null || !RequestBody.declaredTooLarge(request, options.bodyLimitBytes)) return next()
    const response = Problem.toResponse(Problem.payloadTooLarge(options.bodyLimitBytes), c.req.path)
    record(c.req.method, "unmatched", response.status, 0)
    return response
  }

  /** The gateway's own 405, counted. */
  const methodNotAllowed = (method: string, path: string, allowed: ReadonlyArray<string>) => {
    const response = Problem.toResponse(Problem.methodNotAllowed(method, path, allowed), path)
    record(method, "unmatched", response.status, 0)
    return response
  }

  const store = Context.get(runtime.context, RateLimitStore)
  const cache = ResponseCache.make(options.cache)

  /**
   * The client's address, counted and forwarded: the connection's, unless the connection is a
   * trusted proxy's (the web site for its visitors, a load balancer) whose header ends in an address.
   */
  const clientIpOf = (request: Request, env: unknown): string | undefined => ClientAddress.of(request, env, options.clientAddress)

  /**
   * A forwarded request, in order: the token (when one is sent to a route that verifies them), the
   * rate limits, the service's answer. Written as a plain async function rather than one Effect:
   * running an Effect per request (a fiber, its refs, the scheduler) was the largest share of the
   * gateway's own cost in its profile (`bench/gateway.bench.ts --cpu-prof`), and the common request
   * (no token, counts in memory, the service answers) needs none of it. Effect still runs where it
   * earns its cost: verifying a token, reading a Redis count, logging a failure.
   */
  const forwardTo = (route: RoutePrefix, rewrite?: string): Handler<GatewayEnv> => (c) => {
    const request = c.req.raw
    const method = request.method
    const path = c.req.path
    const url = c.get("url")
    const requestId = c.get("requestId")
    const clientIp = clientIpOf(request, c.env)
    return served(route.prefix, request, url, requestId, async (span): Promise<Outcome> => {
      const authorization = route.verifiesTokens ? request.headers.get("authorization") : null
      let principal: string | undefined = undefined
      if (authorization !== null) {
        const verified = await step(span, Authentication.authenticate(authorization))
        if (Exit.isFailure(verified)) return Exit.failCause(verified.cause)
        principal = Option.getOrUndefined(verified.value)?.sub
      }
      const settings = options.upstreams[route.upstream]
      const readBody = () => RequestBody.read(request, settings.timeout, options.bodyLimitBytes)
      // A lookup's body is read before its budgets are spent (its reference has one); any other's after.
      let body: Uint8Array | null | undefined = request.body === null ? null : undefined
      const lookup = readsReference(method, path)
      if (body === undefined && lookup) {
        const read = await readBody()
        if (Either.isLeft(read)) return Exit.fail(read.left)
        body = read.right
      }
      const reference = lookup ? referenceIn(request, body ?? null) : queryReferenceOf(method, path, url.search)
      const facts = { method, path, clientIp: clientIp ?? "unknown", principal, reference, search: url.search }
      const decided = Admission.admitNow(store, facts)
      const admitted = decided instanceof Promise ? await decided : decided
      if (Either.isLeft(admitted)) return Exit.fail(admitted.left)
      const target = rewrite === undefined ? `${url.pathname}${url.search}` : `${rewrite}${url.search}`
      // A GET the cache answers goes no further (its budgets are spent all the same).
      const kept = cache === undefined || method !== "GET" || request.body !== null ? undefined : cache.lookup(ResponseCache.keyOf(route.upstream, target), request)
      if (kept?._tag === "Hit") return Exit.succeed(withHeaders(kept.response, admitted.right))
      const forwarded: Forwarding.Forwarded = { upstream: route.upstream, settings, target, clientIp, requestId, traceparent: Traceparent.format(span) }
      if (body === undefined) {
        const read = await readBody()
        if (Either.isLeft(read)) return Exit.fail(read.left)
        body = read.right
      }
      let response: Response
      try {
        response = await Forwarding.send(request, forwarded, body)
        if (cache !== undefined) response = await ResponseCache.settle(cache, route.upstream, target, request, response, kept)
      } catch (error) {
        return step(span, Forwarding.failure(request, forwarded, error))
      }
      return Exit.succeed(withHeaders(response, admitted.right))
    })
  }

  const app = new Hono<GatewayEnv>()
  app.use(async (c, next) => {
    // A request without a URL is answered by the runtime's app (400 malformed-request), before anything else.
    const url = RequestInput.urlOf(c.req.raw)
    if (url === undefined) return inner.fetch(c.req.raw, c.env)
    c.set("url", url)
    const sent = c.req.header(requestIdHeader)
    const requestId = isWellFormedRequestId(sent) ? sent : Bun.randomUUIDv7()
    c.set("requestId", requestId)
    await next()
    c.res.headers.set(requestIdHeader, requestId)
  })
  // The web site's pages go on as they are: before the gateway's secure headers, so the site's own
  // Content-Security-Policy (and its cookies) reach the browser unchanged.
  const site = forwardTo(siteRoute)
  // (A method the pages do not serve goes on to the runtime's 404 and 405, with the gateway's headers.)
  app.use((c, next) => isSitePath(c.req.path) && forwardedMethods.has(c.req.method) ? limit(c, () => site(c, next) as Promise<void>) : next())
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
    app.get(Docs.documentPath(upstream), (c) =>
      served("/openapi/:service", c.req.raw, c.get("url"), c.get("requestId"), (span) =>
        step(
          span,
          Effect.zipRight(
            Admission.admit({ method: "GET", path: c.req.path, clientIp: clientIpOf(c.req.raw, c.env) ?? "unknown", principal: undefined, reference: undefined }),
            Docs.document(upstream, options.upstreams[upstream]),
          ),
        )))
  }

  // A service's metrics at the one origin (before the services' own `/api/operations/{service}` routes):
  // by GET (or HEAD), without a query, for an admin, checked here so that a refusal names the path the
  // client asked for (the service checks the token again); any other method is a 405.
  const metricsGate: MiddlewareHandler<GatewayEnv> = async (c, next) => {
    const url = c.get("url")
    const refused = (problem: Problem.Problem) => {
      const response = Problem.toResponse(problem, url.pathname)
      record(c.req.method, url.pathname, response.status, 0)
      return response
    }
    if (url.search !== "") return refused(Problem.badRequest("The metrics take no query"))
    const exit = await runExit(HttpAuthentication.bridge.authorize(Operations.admin, c.req.raw))
    if (Exit.isFailure(exit)) return refused(Option.getOrElse(Cause.failureOption(exit.cause), () => Problem.internal()))
    return next()
  }
  for (const upstream of Operations.metricsUpstreams) {
    const path = Operations.metricsPath(upstream)
    app.get(path, limit, metricsGate, forwardTo({ upstream, prefix: path, verifiesTokens: true }, Operations.upstreamMetricsPath))
    app.on(["POST", "PUT", "PATCH", "DELETE", "OPTIONS"], path, (c) => methodNotAllowed(c.req.method, path, ["GET", "HEAD"]))
  }
  // The body limit comes first: a request over it is refused before any work is done for it.
  for (const route of routes) {
    for (const path of [route.prefix, `${route.prefix}/*`]) app.all(path, limit, forwardTo(route))
  }

  // Health, readiness, metrics, the gateway's own /openapi.json, and the 404 and 405 problems.
  app.all("*", (c) => inner.fetch(c.req.raw, c.env))
  app.onError(async (error, c) => {
    await run(Effect.logError("Unhandled error in the gateway", Cause.die(error)))
    return Problem.toResponse(Problem.internal(), c.req.path)
  })
  return app
}
