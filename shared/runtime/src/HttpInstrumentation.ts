/**
 * What the HTTP bridge records of each request: a server span continuing an incoming `traceparent`,
 * the mapping of a failure to its problem (a defect is logged and answered as a bare 500), and the
 * request metrics.
 */
import { Cause, Clock, Effect, Exit, Metric, MetricBoundaries, MetricLabel, Option } from "effect"
import type { Tracer } from "effect"
import * as Problem from "./Problem.ts"
import * as Traceparent from "./Traceparent.ts"

export const requestsTotal = Metric.counter("http_server_requests_total", {
  description: "HTTP requests handled, by service, method, route and status",
  incremental: true,
})

export const requestDuration = Metric.histogram(
  "http_server_request_duration_seconds",
  MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  "HTTP request latency in seconds, by service, method, route and status",
)


/** The problem a failure carries; none for a defect, which is answered as a bare 500. */
export const problemOf = (cause: Cause.Cause<unknown>): Option.Option<Problem.Problem> =>
  Cause.isDie(cause) ? Option.none() : Option.filter(Cause.failureOption(cause), Problem.isProblem)

/**
 * The labels of each series, one array each, made once: Effect finds a metric's series by the
 * identity of its labels array, so reusing the array is a lookup where a new one (as `Metric.tagged`
 * makes at every update) hashes the whole key again, which showed in the gateway's profile. Bounded:
 * past `seriesLimit` series the labels are made afresh rather than kept.
 */
const series = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
const seriesLimit = 10_000

const labelsOf = (labels: { service: string; method: string; route: string; status: number }): ReadonlyArray<MetricLabel.MetricLabel> => {
  const key = `${labels.service} ${labels.method} ${labels.route} ${labels.status}`
  const found = series.get(key)
  if (found !== undefined) return found
  const made = [
    MetricLabel.make("service", labels.service),
    MetricLabel.make("method", labels.method),
    MetricLabel.make("route", labels.route),
    MetricLabel.make("status", String(labels.status)),
  ]
  if (series.size < seriesLimit) series.set(key, made)
  return made
}

/** Counts a request and its duration, at once (for a caller outside an Effect). */
export const recordNow = (labels: { service: string; method: string; route: string; status: number }, seconds: number): void => {
  const tags = labelsOf(labels)
  requestsTotal.unsafeUpdate(1, tags)
  requestDuration.unsafeUpdate(seconds, tags)
}

export const recordMetrics = (labels: { service: string; method: string; route: string; status: number }, seconds: number) =>
  Effect.sync(() => recordNow(labels, seconds))

export const instrumented = <R>(
  service: string,
  method: string,
  routePath: string,
  request: Request,
  url: URL,
  handle: Effect.Effect<Response, Problem.Problem, R>,
): Effect.Effect<Response, never, R> =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeNanos
    const incoming = Option.flatMap(Option.fromNullable(request.headers.get(Traceparent.headerName)), Traceparent.parse)
    const span: Tracer.Span = yield* Effect.makeSpan(`HTTP ${method} ${routePath}`, {
      kind: "server",
      attributes: { "http.method": method, "http.route": routePath, "url.path": url.pathname },
      ...(Option.isSome(incoming) ? { parent: incoming.value } : {}),
    })
    const exit = yield* Effect.exit(Effect.withParentSpan(handle, span))
    let response: Response
    let failure: Cause.Cause<unknown> | undefined
    if (Exit.isSuccess(exit)) {
      response = exit.value
    } else {
      const problem = problemOf(exit.cause)
      if (Option.isSome(problem)) {
        response = Problem.toResponse(problem.value, url.pathname)
      } else if (Cause.isInterruptedOnly(exit.cause)) {
        response = Problem.toResponse(Problem.unavailable("The request was interrupted"), url.pathname)
      } else {
        failure = exit.cause
        yield* Effect.logError(`${method} ${routePath} failed`, exit.cause).pipe(
          Effect.withParentSpan(span),
          Effect.annotateLogs({ "http.method": method, "http.route": routePath }),
        )
        response = Problem.toResponse(Problem.internal(), url.pathname)
      }
    }
    span.attribute("http.status_code", response.status)
    response.headers.set(Traceparent.headerName, Traceparent.format(span))
    const endedAt = yield* Clock.currentTimeNanos
    const seconds = Number(endedAt - startedAt) / 1e9
    yield* Effect.logDebug(`${method} ${url.pathname} ${response.status}`).pipe(
      Effect.annotateLogs({ "http.route": routePath, durationMs: Math.round(seconds * 1000) }),
      Effect.withParentSpan(span),
    )
    span.end(endedAt, failure === undefined ? Exit.void : Exit.failCause(failure))
    yield* recordMetrics({ service, method, route: routePath, status: response.status }, seconds)
    return response
  })

