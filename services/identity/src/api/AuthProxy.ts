/**
 * The door to better-auth: a request for one of its exposed routes (`AuthEndpoints`) is read and
 * checked here (JSON only, 16 KiB, nesting, the route's Schema, no query), handed on with the
 * client's address in a header only this code sets, and answered as better-auth answers it when it
 * succeeds; every failure becomes a problem+json. Each request is a server span and counted in the
 * HTTP metrics like any other route.
 */
import { ClientAddress, HttpApp, Problem, RequestInput, Traceparent } from "@flight/runtime"
import { Cause, Clock, Effect, Either, Exit, Metric, Option, Schema, type Tracer } from "effect"
import { weakness } from "../domain/Account.ts"
import { basePath, clientIpHeader, IdentityAuth } from "../infrastructure/BetterAuth.ts"
import type { Endpoint } from "./AuthEndpoints.ts"
import { BetterAuthFailed, betterAuthFailing } from "./IdentityProblems.ts"

/** Sign-up and sign-in bodies are small: 16 KiB is far more than any of them needs. */
export const bodyLimitBytes = 16 * 1024

export interface Options {
  readonly service: string
  /** A header a trusted proxy sets to the client's address (its last entry is read); unset: the connection's address. */
  readonly clientIpHeader: Option.Option<string>
  /** The addresses of those proxies: the header is believed only on a connection from one of them. */
  readonly trustedProxies: ReadonlyArray<string>
}


/** better-auth's error codes whose problem is not simply the code in kebab-case. */
const byCode: Record<string, { readonly status?: number; readonly type: string }> = {
  // A taken email is a conflict with the state of the server, as elsewhere in the system.
  USER_ALREADY_EXISTS: { status: 409, type: "user-already-exists" },
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: { status: 409, type: "user-already-exists" },
  VALIDATION_ERROR: { type: "validation-failed" },
}

const titles: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden", 429: "Too many requests" }

/** better-auth's failure (`{ code, message }`, or an empty 404) as a problem. */
export const problemOf = async (response: Response): Promise<Problem.Problem> => {
  const text = await response.text()
  const body = (() => {
    try {
      const parsed = JSON.parse(text) as unknown
      return typeof parsed === "object" && parsed !== null ? parsed as { code?: unknown; message?: unknown } : {}
    } catch {
      return {}
    }
  })()
  const code = typeof body.code === "string" ? body.code : undefined
  const known = code === undefined ? undefined : byCode[code]
  const status = known?.status ?? response.status
  const type = known?.type ??
    (code !== undefined ? code.toLowerCase().replaceAll("_", "-") : status === 429 ? "too-many-requests" : status === 404 ? "not-found" : `http-${status}`)
  const retryAfter = response.headers.get("retry-after") ?? response.headers.get("x-retry-after")
  return Problem.make({
    status,
    type,
    title: titles[status] ?? Problem.titleFor(status),
    ...(typeof body.message === "string" ? { detail: Problem.excerpt(body.message, 4 * Problem.echoLimit) } : {}),
    ...(retryAfter === null ? {} : { headers: { "retry-after": retryAfter } }),
  })
}

const checked = (endpoint: Endpoint, request: Request, url: URL) =>
  Effect.gen(function* () {
    if ([...url.searchParams.keys()].length > 0) {
      return yield* Effect.fail(Problem.badRequest("The request is invalid (1 field)", [{ path: "query", message: "no query parameters are accepted" }]))
    }
    if (endpoint.body === undefined) return undefined
    const raw = yield* RequestInput.jsonBody(request, bodyLimitBytes)
    // A body-less POST (sign-out) is the empty object.
    const value = raw === RequestInput.NoBody ? (endpoint.method === "post" && Schema.is(endpoint.body)({}) ? {} : raw) : raw
    if (value === RequestInput.NoBody) return yield* Effect.fail(Problem.badRequest("The request is invalid (1 field)", [{ path: "body", message: "is missing" }]))
    const decoded = Schema.decodeUnknownEither(endpoint.body)(value, { errors: "all", onExcessProperty: "error" })
    if (Either.isLeft(decoded)) {
      const errors = Problem.fieldErrors("body", decoded.left)
      return yield* Effect.fail(Problem.badRequest(`The request is invalid (${errors.length} ${errors.length === 1 ? "field" : "fields"})`, errors))
    }
    const body = { ...(decoded.right as Record<string, unknown>) }
    for (const field of endpoint.dropped ?? []) delete body[field]
    if (endpoint.path === "/sign-up/email" && typeof body["password"] === "string") {
      const weak = weakness(body["password"])
      if (Option.isSome(weak)) {
        return yield* Effect.fail(Problem.make({
          status: 400,
          type: "password-too-weak",
          detail: `The password ${weak.value}`,
          errors: [{ path: "body.password", message: weak.value }],
        }))
      }
    }
    return body
  })

/**
 * The request better-auth sees: at the route's own path (the router matches a percent-encoded path
 * decoded, better-auth would see it raw, and count it under a throttle key of its own), with the
 * checked body and the client's address in the header only we set.
 */
const forwarded = (endpoint: Endpoint, request: Request, url: URL, body: unknown, address: string | undefined): Request => {
  const headers = new Headers(request.headers)
  headers.delete(clientIpHeader)
  headers.delete("content-length")
  if (address !== undefined) headers.set(clientIpHeader, address)
  if (body !== undefined) headers.set("content-type", "application/json")
  // A HEAD is the GET without its body (Hono drops the body); better-auth knows only the GET.
  const canonical = new URL(`${basePath}${endpoint.path}${url.search}`, url.origin)
  return new Request(canonical.href, { method: request.method === "HEAD" ? "GET" : request.method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
}

const handled = (endpoint: Endpoint, request: Request, url: URL, env: unknown, options: Options) =>
  Effect.gen(function* () {
    const body = yield* checked(endpoint, request, url)
    const { handler } = yield* IdentityAuth
    const response = yield* Effect.tryPromise(() => handler(forwarded(endpoint, request, url, body, ClientAddress.of(request, env, { header: options.clientIpHeader, trustedProxies: options.trustedProxies }))))
    if (response.ok) return response
    if (response.status >= 500) return yield* Effect.fail(new BetterAuthFailed({ status: response.status, body: yield* Effect.promise(() => response.text()) }))
    return yield* Effect.fail(yield* Effect.promise(() => problemOf(response)))
  })

/**
 * Serves `endpoint`: the response, whatever happened. better-auth failing (it throws or answers
 * 5xx when its store does) is a 503 and logged; a defect is a bare 500, logged.
 */
export const serve = (endpoint: Endpoint, request: Request, env: unknown, options: Options) =>
  Effect.gen(function* () {
    const method = endpoint.method.toUpperCase()
    const route = `${basePath}${endpoint.path}`
    const url = new URL(request.url)
    const startedAt = yield* Clock.currentTimeNanos
    const incoming = Option.flatMap(Option.fromNullable(request.headers.get(Traceparent.headerName)), Traceparent.parse)
    const span: Tracer.Span = yield* Effect.makeSpan(`HTTP ${method} ${route}`, {
      kind: "server",
      attributes: { "http.method": method, "http.route": route, "url.path": url.pathname },
      ...(Option.isSome(incoming) ? { parent: incoming.value } : {}),
    })
    const answered = handled(endpoint, request, url, env, options).pipe(
      Effect.tapError((error) => Problem.isProblem(error) ? Effect.void : Effect.logError(`${method} ${route}: better-auth failed`, Cause.fail(error))),
      betterAuthFailing.answer,
    )
    const exit = yield* Effect.exit(Effect.withParentSpan(answered, span))
    let response: Response
    if (Exit.isSuccess(exit)) {
      response = exit.value
    } else {
      const problem = Cause.failureOption(exit.cause)
      if (Option.isSome(problem) && !Cause.isDie(exit.cause)) {
        response = Problem.toResponse(problem.value, url.pathname)
      } else {
        yield* Effect.logError(`${method} ${route} failed`, exit.cause).pipe(Effect.withParentSpan(span))
        response = Problem.toResponse(Problem.internal(), url.pathname)
      }
    }
    response.headers.set(Traceparent.headerName, Traceparent.format(span))
    span.attribute("http.status_code", response.status)
    const endedAt = yield* Clock.currentTimeNanos
    span.end(endedAt, Exit.void)
    const tagged = <T, I, O>(metric: Metric.Metric<T, I, O>) =>
      metric.pipe(
        Metric.tagged("service", options.service),
        Metric.tagged("method", method),
        Metric.tagged("route", route),
        Metric.tagged("status", String(response.status)),
      )
    yield* Metric.increment(tagged(HttpApp.requestsTotal))
    yield* Metric.update(tagged(HttpApp.requestDuration), Number(endedAt - startedAt) / 1e9)
    return response
  })
