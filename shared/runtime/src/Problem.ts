/**
 * RFC 9457 problem details: the one error shape every HTTP API of the system answers with.
 */
import { ParseResult, Schema } from "effect"

export const contentType = "application/problem+json"

export const FieldError = Schema.Struct({ path: Schema.String, message: Schema.String })
export type FieldError = typeof FieldError.Type

export class Problem extends Schema.TaggedError<Problem>()("Problem", {
  status: Schema.Number,
  type: Schema.String,
  title: Schema.String,
  detail: Schema.optional(Schema.String),
  instance: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(FieldError)),
  /** Extra response headers (e.g. Retry-After); never part of the body. */
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
}) {
  override get message(): string {
    return `${this.status} ${this.type}${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}

/** The wire shape of a problem; `/openapi.json` references it as `#/components/schemas/Problem`. */
export const Body = Schema.Struct({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.optional(Schema.String),
  instance: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(FieldError)),
}).annotations({ identifier: "Problem", description: "RFC 9457 problem details" })
export type Body = typeof Body.Type

const titles: Record<number, string> = {
  400: "Invalid request",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unprocessable request",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
}

export const titleFor = (status: number): string => titles[status] ?? "Error"

export const make = (options: {
  readonly status: number
  readonly type: string
  readonly title?: string
  readonly detail?: string
  readonly errors?: ReadonlyArray<FieldError>
  readonly headers?: Readonly<Record<string, string>>
}): Problem =>
  new Problem({
    status: options.status,
    type: options.type,
    title: options.title ?? titleFor(options.status),
    ...(options.detail === undefined ? {} : { detail: options.detail }),
    ...(options.errors === undefined ? {} : { errors: options.errors }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  })

const retryAfter = (seconds: number | undefined) =>
  seconds === undefined ? {} : { headers: { "retry-after": String(Math.max(0, Math.ceil(seconds))) } }

export const badRequest = (detail: string, errors?: ReadonlyArray<FieldError>): Problem =>
  make({ status: 400, type: "validation-failed", detail, ...(errors === undefined ? {} : { errors }) })

export const malformedJson = (): Problem =>
  make({ status: 400, type: "malformed-json", detail: "The request body is not valid JSON" })

/** A request with no URL: its `Host` header (or its target) is not one. */
export const malformedRequest = (): Problem =>
  make({ status: 400, type: "malformed-request", detail: "The request has no valid Host header or target" })

export const tooDeep = (limit: number): Problem =>
  make({ status: 400, type: "malformed-json", detail: `The request body nests arrays and objects more than ${limit} levels deep` })

export const notFound = (type: string, detail: string): Problem => make({ status: 404, type, detail })

export const conflict = (type: string, detail: string, options?: { readonly retryAfterSeconds?: number }): Problem =>
  make({ status: 409, type, detail, ...retryAfter(options?.retryAfterSeconds) })

export const unprocessable = (type: string, detail: string): Problem => make({ status: 422, type, detail })

/**
 * The client asks too much too often: `Retry-After` says when to try again, at least a second
 * (`0` would invite the same request at once).
 */
export const tooManyRequests = (type: string, title: string, detail: string, retryAfterSeconds: number): Problem =>
  make({ status: 429, type, title, detail, headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) } })

export const unavailable = (detail: string, retryAfterSeconds?: number): Problem =>
  make({ status: 503, type: "service-unavailable", detail, ...retryAfter(retryAfterSeconds) })

export const payloadTooLarge = (limitBytes: number): Problem =>
  make({ status: 413, type: "payload-too-large", detail: `The request body exceeds ${limitBytes} bytes` })

export const unsupportedMediaType = (received: string | null): Problem =>
  make({
    status: 415,
    type: "unsupported-media-type",
    detail: `Expected a JSON body (application/json), received ${received === null ? "no content type" : excerpt(received)}`,
  })

export const methodNotAllowed = (method: string, path: string, allowed: ReadonlyArray<string>): Problem =>
  make({
    status: 405,
    type: "method-not-allowed",
    detail: `${method} is not allowed on ${excerpt(path, 4 * echoLimit)}`,
    headers: { allow: allowed.join(", ") },
  })

export const routeNotFound = (method: string, path: string): Problem =>
  make({ status: 404, type: "not-found", detail: `No route for ${excerpt(method)} ${excerpt(path, 4 * echoLimit)}` })

/** What a client sees for a defect: nothing about the cause, which goes to the logs. */
export const internal = (): Problem =>
  make({ status: 500, type: "internal-error", detail: "The server failed to handle the request" })

export type Where = "body" | "query" | "path" | "header"

/** How much of a value a client sent is echoed back in a problem: enough to recognise it. */
export const echoLimit = 40

/**
 * At most `limit` characters of a value a client sent, marked when cut (`"abc…" (25000 characters)`),
 * so a problem never mirrors a large input back. Cuts between code points, never inside one.
 */
export const excerpt = (text: string, limit: number = echoLimit): string => {
  if (text.length <= limit) return text
  let kept = ""
  let count = 0
  for (const codePoint of text) {
    if (count++ === limit) return `${kept}… (${text.length} characters)`
    kept += codePoint
  }
  return text
}

const actualMarker = ", actual "

/** A decoding message with the offending value it quotes (`…, actual <value>`) cut to an excerpt. */
const withExcerpt = (message: string): string => {
  const at = message.indexOf(actualMarker)
  if (at < 0) return excerpt(message, 4 * echoLimit)
  return message.slice(0, at + actualMarker.length) + excerpt(message.slice(at + actualMarker.length))
}

/** Every offending field of a decoding failure, with a path such as `body.passengers.0.lastName`. */
export const fieldErrors = (where: Where, error: ParseResult.ParseError): Array<FieldError> => {
  // One entry per field: the first issue is the telling one (an optional field that fails also
  // reports "Expected undefined", which says nothing to a client).
  const byPath = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    // A key is client input too (an unknown field may be named with 25 KB).
    const path = [where, ...issue.path.map((key) => excerpt(String(key)))].join(".")
    if (!byPath.has(path)) byPath.set(path, withExcerpt(issue.message))
  }
  return Array.from(byPath, ([path, message]) => ({ path, message }))
}

export const fromParseError = (where: Where, error: ParseResult.ParseError): Problem => {
  const errors = fieldErrors(where, error)
  return badRequest(`The request ${where} is invalid (${errors.length} ${errors.length === 1 ? "field" : "fields"})`, errors)
}

export const isProblem = (u: unknown): u is Problem => u instanceof Problem

/** The JSON body of a problem: `{ type, title, status, detail?, instance?, errors? }`. */
export const toBody = (problem: Problem, instance?: string): Body => {
  const at = problem.instance ?? (instance === undefined ? undefined : excerpt(instance, 4 * echoLimit))
  return {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    ...(at === undefined ? {} : { instance: at }),
    ...(problem.errors === undefined ? {} : { errors: problem.errors }),
  }
}

export const toResponse = (problem: Problem, instance?: string): Response => {
  const headers = new Headers(problem.headers ?? {})
  headers.set("content-type", contentType)
  return new Response(JSON.stringify(toBody(problem, instance)), { status: problem.status, headers })
}
