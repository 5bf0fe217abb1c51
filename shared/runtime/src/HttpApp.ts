/**
 * The Hono-to-Effect bridge: serves a list of `Route`s on a service's runtime, with validation,
 * problem+json errors, a server span and metrics per request, health checks, `/metrics` and
 * `/openapi.json`.
 */
import {
  Cause,
  type Context,
  Data,
  Duration,
  Effect,
  Either,
  Exit,
  Metric,
  Option,
  ParseResult,
  Runtime,
  Schema,
} from "effect"
import { Hono } from "hono"
import { TrieRouter } from "hono/router/trie-router"
import * as HttpInstrumentation from "./HttpInstrumentation.ts"
import * as Metrics from "./Metrics.ts"
import * as OpenApi from "./OpenApi.ts"
import * as Problem from "./Problem.ts"
import * as RequestInput from "./RequestInput.ts"
import * as Route from "./Route.ts"

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
  const all = new Headers(headers ?? {})
  if (!all.has("content-type")) all.set("content-type", "application/json")
  const empty = body === undefined || status === 204 || status === 205 || status === 304
  return new Response(empty ? null : JSON.stringify(body), { status, headers: all })
}

// ---------------------------------------------------------------------------------------------
// Request decoding

/**
 * The query of a route that declares none: no parameter at all. (`Schema.Struct({})` would not do:
 * Effect decodes any object with it, unknown keys included.)
 */
const NoQuery = Schema.Record({ key: Schema.String, value: Schema.Never })

class InvalidResponse extends Data.TaggedError("InvalidResponse")<{ readonly route: string; readonly issue: string }> {
  override get message(): string {
    return `The response of ${this.route} does not match its success schema: ${this.issue}`
  }
}

const respond = <R, P>(
  route: Route.Route<R | P>,
  authentication: Authentication<P, R>,
  request: Request,
  url: URL,
  rawParams: Record<string, string>,
  limit: number,
) =>
  Effect.gen(function*() {
    // First, before the body is read: who may call does not depend on what is sent.
    const caller = yield* authentication.authorize(route.access, request)
    const rawBody = route.body === undefined ? undefined : yield* RequestInput.jsonBody(request, limit)
    const errors: Array<Problem.FieldError> = []
    const decode = (
      where: Problem.Where,
      schema: Schema.Schema.AnyNoContext | undefined,
      value: unknown,
      onExcessProperty: "error" | "ignore",
    ): unknown => {
      if (schema === undefined) return where === "body" ? undefined : {}
      const result = Schema.decodeUnknownEither(schema)(value, { errors: "all", onExcessProperty })
      if (Either.isRight(result)) return result.right
      errors.push(...Problem.fieldErrors(where, result.left))
      return undefined
    }
    const params = decode("path", route.params, rawParams, "ignore")
    const query = decode("query", route.query ?? NoQuery, RequestInput.queryOf(url), "error")
    const headers = decode("header", route.headers, RequestInput.headersOf(request), "ignore")
    const body = rawBody === RequestInput.NoBody
      ? (errors.push({ path: "body", message: "is missing" }), undefined)
      : decode("body", route.body, rawBody, "error")
    if (errors.length > 0) {
      return yield* Effect.fail(
        Problem.badRequest(`The request is invalid (${errors.length} ${errors.length === 1 ? "field" : "fields"})`, errors),
      )
    }
    const result = yield* (Effect.provide(
      route.handler({ params, query, body, headers, request } as Route.Input<unknown, unknown, unknown, unknown>),
      caller,
    ) as Effect.Effect<unknown, Problem.Problem, R>)
    if (result instanceof Route.Response) return json(result.status, result.body, result.headers)
    if (route.success.schema === undefined) return json(route.success.status, undefined)
    const encoded = Schema.encodeEither(route.success.schema)(result)
    if (Either.isLeft(encoded)) {
      return yield* Effect.die(
        new InvalidResponse({
          route: `${route.method.toUpperCase()} ${route.path}`,
          issue: ParseResult.TreeFormatter.formatErrorSync(encoded.left),
        }),
      )
    }
    return json(route.success.status, encoded.right)
  })

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
  const limit = options.bodyLimitBytes ?? defaultBodyLimitBytes
  const run = Runtime.runPromiseExit(options.runtime)
  const known = new TrieRouter<string>()
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
    if (RequestInput.urlOf(c.req.raw) !== undefined) return next()
    const response = Problem.toResponse(Problem.malformedRequest())
    await run(HttpInstrumentation.recordMetrics({ service: options.service, method: c.req.method, route: "unmatched", status: response.status }, 0))
    return response
  })

  app.get("/health/live", () => json(200, { status: "ok" }))
  app.get("/health/ready", async (c) => {
    const url = new URL(c.req.url)
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
    const url = new URL(c.req.url)
    const exit = await run(options.authentication.authorize(metricsAccess, c.req.raw))
    if (Exit.isFailure(exit)) {
      return Problem.toResponse(Option.getOrElse(HttpInstrumentation.problemOf(exit.cause), () => Problem.internal()), url.pathname)
    }
    return new Response(Metrics.prometheusText(Metric.unsafeSnapshot()), {
      headers: { "content-type": Metrics.contentType },
    })
  })
  app.get("/openapi.json", () => new Response(openApi, { headers: { "content-type": "application/json" } }))
  for (const path of ["/health/live", "/health/ready", "/metrics", "/openapi.json"]) known.add("GET", path, path)

  for (const route of options.routes) {
    const method = route.method.toUpperCase()
    known.add(method, route.path, route.path)
    app.on(method, route.path, async (c) => {
      const request = c.req.raw
      const url = new URL(request.url)
      const exit = await run(
        HttpInstrumentation.instrumented(
          options.service,
          method,
          route.path,
          request,
          url,
          respond(route, options.authentication, request, url, c.req.param(), limit),
        ),
      )
      return Exit.isSuccess(exit) ? exit.value : Problem.toResponse(Problem.internal(), url.pathname)
    })
  }

  app.notFound(async (c) => {
    const startedAt = performance.now()
    const request = c.req.raw
    const url = new URL(request.url)
    const allowed = methods.filter((method) => known.match(method, url.pathname)[0].length > 0)
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
    await run(
      HttpInstrumentation.recordMetrics(
        { service: options.service, method: request.method, route: "unmatched", status: response.status },
        (performance.now() - startedAt) / 1000,
      ),
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
