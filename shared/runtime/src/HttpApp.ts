/**
 * The Hono-to-Effect bridge: serves a list of `Route`s on a service's runtime, with validation,
 * problem+json errors, a server span and metrics per request, health checks, `/metrics` and
 * `/openapi.json`.
 */
import {
  Cause,
  Context,
  Duration,
  Effect,
  Either,
  Exit,
  FiberRef,
  Metric,
  Option,
  Runtime,
  Tracer,
} from "effect"
import { Hono } from "hono"
import * as HttpInstrumentation from "./HttpInstrumentation.ts"
import * as Metrics from "./Metrics.ts"
import * as OpenApi from "./OpenApi.ts"
import * as Problem from "./Problem.ts"
import * as RequestInput from "./RequestInput.ts"
import * as Route from "./Route.ts"
import * as RouteCodec from "./RouteCodec.ts"

/**
 * How the bridge learns who calls: a port, so that the runtime needs no token library.
 * @flight/auth implements it (`HttpAuthentication.bridge`): it reads the `Authorization` header,
 * verifies the token, checks the route's `access`, and answers the context the handler runs in
 * (the caller, `P`), or the problem to send (401, 403, 503).
 */
export interface Authentication<P, R> {
  readonly authorize: (access: Route.Access, request: Request) => Effect.Effect<Context.Context<P>, Problem.Problem, R>
}

/** `/metrics` tells a stranger how the service is used: for admins only. */
export const metricsAccess: Route.Access = { roles: ["admin"] }

export interface Options<R, P = never> {
  /** The service name: the `service` label of the HTTP metrics and the OpenAPI title. */
  readonly service: string
  readonly version: string
  readonly description?: string
  /** Their handlers may ask for what `authentication` provides (the caller). */
  readonly routes: ReadonlyArray<Route.Route<R | P>>
  readonly runtime: Runtime.Runtime<R>
  /** Run before any input of a route (and of `/metrics`) is read. */
  readonly authentication: Authentication<P, R>
  /** Largest accepted request body; default 64 KiB. */
  readonly bodyLimitBytes?: number
  /** Succeeds when the service can serve; see `Readiness.all`. A Problem failure is answered as is. */
  readonly readiness: Effect.Effect<void, unknown, R>
  /** Upper bound for `readiness`; default 5 seconds. */
  readonly readinessTimeout?: Duration.DurationInput
}

export const defaultBodyLimitBytes = 64 * 1024

const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const

const json = (status: number, body: unknown, headers?: Readonly<Record<string, string>>): Response => {
  const empty = body === undefined || status === 204 || status === 205 || status === 304
  const text = empty ? null : JSON.stringify(body)
  // The common answer needs no Headers object of its own: Bun makes one from the plain record.
  if (headers === undefined) return new Response(text, { status, headers: { "content-type": "application/json" } })
  const all = new Headers(headers)
  if (!all.has("content-type")) all.set("content-type", "application/json")
  return new Response(text, { status, headers: all })
}

/** A response chosen at run time carries the success's fixed headers when it is the success (its own win). */
const headersOf = (route: Route.Route<unknown>, result: Route.Response): Readonly<Record<string, string>> | undefined =>
  route.success.headers === undefined || result.status !== route.success.status ? result.headers : { ...route.success.headers, ...result.headers }

// ---------------------------------------------------------------------------------------------
// The app

const readinessProblem = (cause: Cause.Cause<unknown>): Problem.Problem => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && Problem.isProblem(failure.value)) return failure.value
  const tag = Option.isSome(failure) && typeof (failure.value as { _tag?: unknown })?._tag === "string"
    ? (failure.value as { _tag: string })._tag
    : undefined
  return Problem.unavailable(tag === undefined ? "Not ready" : `Not ready: ${tag}`)
}

export const make = <R, P = never>(options: Options<R, P>): Hono => {
  const app = new Hono()
  // Each request's URL, parsed once by the first middleware, read by whichever handler answers.
  const urls = new WeakMap<Request, URL>()
  const urlOf = (request: Request): URL => urls.get(request) ?? new URL(request.url)
  const limit = options.bodyLimitBytes ?? defaultBodyLimitBytes
  const run = Runtime.runPromiseExit(options.runtime)
  // The methods each path pattern is served with, for the 405s' Allow.
  const methodsOf = new Map<string, Set<string>>()
  const serve = (method: string, path: string) => methodsOf.set(path, (methodsOf.get(path) ?? new Set()).add(method))
  // The methods of every pattern a request's path matched, gathered by the fallbacks below.
  const allowedFor = new WeakMap<Request, Set<string>>()
  const openApi = JSON.stringify(
    OpenApi.document({
      title: `${options.service} service`,
      version: options.version,
      ...(options.description === undefined ? {} : { description: options.description }),
      routes: options.routes,
      metricsAccess,
    }),
  )

  // A `Host` that is no host (`a b`, `[::1`, empty, or none over HTTP/1.0) leaves the request
  // without a URL: it is refused here, before any route or handler parses one.
  app.use(async (c, next) => {
    const url = RequestInput.urlOf(c.req.raw)
    if (url !== undefined) {
      urls.set(c.req.raw, url)
      return next()
    }
    const response = Problem.toResponse(Problem.malformedRequest())
    HttpInstrumentation.recordNow({ service: options.service, method: c.req.method, route: "unmatched", status: response.status }, 0)
    return response
  })

  app.get("/health/live", () => json(200, { status: "ok" }))
  app.get("/health/ready", async (c) => {
    const url = urlOf(c.req.raw)
    const exit = await run(
      options.readiness.pipe(
        Effect.timeoutFail({
          duration: options.readinessTimeout ?? "5 seconds",
          onTimeout: () => Problem.unavailable("Not ready: readiness check timed out"),
        }),
        Effect.tapErrorCause((cause) =>
          Cause.isFailType(cause) && Problem.isProblem(cause.error)
            ? Effect.void
            : Effect.logWarning("Readiness check failed", cause)
        ),
      ),
    )
    return Exit.isSuccess(exit)
      ? json(200, { status: "ok" })
      : Problem.toResponse(readinessProblem(exit.cause), url.pathname)
  })
  app.get("/metrics", async (c) => {
    const url = urlOf(c.req.raw)
    const exit = await run(options.authentication.authorize(metricsAccess, c.req.raw))
    if (Exit.isFailure(exit)) {
      return Problem.toResponse(Option.getOrElse(HttpInstrumentation.problemOf(exit.cause), () => Problem.internal()), url.pathname)
    }
    return new Response(Metrics.prometheusText(Metric.unsafeSnapshot()), {
      headers: { "content-type": Metrics.contentType },
    })
  })
  app.get("/openapi.json", () => new Response(openApi, { headers: { "content-type": "application/json" } }))
  for (const path of ["/health/live", "/health/ready", "/metrics", "/openapi.json"]) serve("GET", path)

  const served = HttpInstrumentation.make(options.runtime, options.service)
  for (const route of options.routes) {
    const method = route.method.toUpperCase()
    serve(method, route.path)
    const codec = RouteCodec.make(route)
    // One fiber a request, for what needs Effect: who calls (before the body is read: who may call
    // does not depend on what is sent), the body, and the handler. The span, decoding and encoding
    // are plain functions around it. The request's span, then its caller, are set in the fiber's
    // context rather than provided around what follows (`withParentSpan`, `provide`): the fiber ends
    // with the handler, so there is no context to give back, and an acquire and release of it each
    // was a tenth of a request's Effect steps (docs/benchmarks.md, "Spans in fewer steps").
    const respond = (request: Request, url: URL, params: Record<string, string>, span: Tracer.Span) =>
      Effect.zipRight(
        FiberRef.update(FiberRef.currentContext, Context.add(Tracer.ParentSpan, span)),
        Effect.flatMap(options.authentication.authorize(route.access, request), (caller) => {
          const handle = (body: unknown) => {
            const input = codec.decode({ params, url, request, body })
            return Either.isLeft(input)
              ? Effect.fail(input.left)
              : Effect.zipRight(FiberRef.update(FiberRef.currentContext, Context.merge(caller)), route.handler(input.right)) as Effect.Effect<unknown, Problem.Problem, R>
          }
          return route.body === undefined ? handle(undefined) : Effect.flatMap(RequestInput.jsonBody(request, limit), handle)
        }),
      )
    app.on(method, route.path, (c) => {
      const request = c.req.raw
      const url = urlOf(request)
      return served(method, route.path, request, url, async (span): Promise<HttpInstrumentation.Outcome> => {
        const params = route.params === undefined ? {} : c.req.param()
        const exit = await run(respond(request, url, params, span))
        if (Exit.isFailure(exit)) return Exit.failCause(exit.cause)
        const result = exit.value
        if (result instanceof Route.Response) return Exit.succeed(json(result.status, result.body, headersOf(route, result)))
        const encoded = codec.encode(result)
        return Either.isLeft(encoded) ? Exit.die(encoded.left) : Exit.succeed(json(route.success.status, encoded.right, route.success.headers))
      })
    })
  }

  // Registered after every route, so a route's own handler answers first. A path may match several
  // patterns (`/api/flights/departures` and `/api/flights/:id`): each adds its methods and passes
  // on, and the not-found handler, reached last, answers 405 with all of them, or 404 when none.
  for (const [path, pathMethods] of methodsOf) {
    app.all(path, (c, next) => {
      const allowed = allowedFor.get(c.req.raw)
      if (allowed === undefined) allowedFor.set(c.req.raw, new Set(pathMethods))
      else for (const method of pathMethods) allowed.add(method)
      return next()
    })
  }

  app.notFound(async (c) => {
    const startedAt = performance.now()
    const request = c.req.raw
    const url = urlOf(request)
    const matched = allowedFor.get(request)
    const allowed = matched === undefined ? [] : methods.filter((method) => matched.has(method))
    const response = allowed.length === 0
      ? Problem.toResponse(Problem.routeNotFound(request.method, url.pathname), url.pathname)
      : Problem.toResponse(
        Problem.methodNotAllowed(
          request.method,
          url.pathname,
          allowed.includes("GET") ? [...allowed, "HEAD"] : allowed,
        ),
        url.pathname,
      )
    HttpInstrumentation.recordNow(
      { service: options.service, method: request.method, route: "unmatched", status: response.status },
      (performance.now() - startedAt) / 1000,
    )
    return response
  })

  app.onError(async (error) => {
    await run(Effect.logError("Unhandled error in the HTTP bridge", Cause.die(error)))
    return Problem.toResponse(Problem.internal())
  })

  return app
}

export { recordNow, requestDuration, requestsTotal } from "./HttpInstrumentation.ts"
export { serve, ServerError } from "./HttpServer.ts"
