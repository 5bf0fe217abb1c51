/**
 * What the HTTP bridge records of each request: a server span continuing an incoming `traceparent`,
 * the mapping of a failure to its problem (a defect is logged and answered as a bare 500), and the
 * request metrics.
 */
import {
  Cause,
  Context,
  Effect,
  Exit,
  FiberRef,
  FiberRefs,
  HashMap,
  LogLevel,
  Metric,
  MetricBoundaries,
  MetricLabel,
  Option,
  Runtime,
} from "effect"
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

/**
 * How a request ended: its answer, or the problem (or defect) to answer instead.
 */
export type Outcome = Exit.Exit<Response, Problem.Problem>

/**
 * Serves requests under a server span (continuing a valid `traceparent`) as plain async functions:
 * `handle` answers with the span as the parent of whatever it runs, its failure becomes the
 * client's answer (a defect is logged and answered as a bare 500), the span's `traceparent` goes on
 * the answer, and the metrics count it. The runtime's tracer, clock and log level are read once
 * here: made and ended around the request rather than as steps of a fiber, the span and the
 * metrics cost a few microseconds where each Effect step of every request added up (as in the
 * gateway).
 */
export const make = <R>(runtime: Runtime.Runtime<R>, service: string) => {
  const runSync = Runtime.runSync(runtime)
  const run = Runtime.runPromise(runtime)
  const tracer = runSync(Effect.tracer)
  const clock = runSync(Effect.clock)
  const tracing = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentTracerEnabled)
  const timing = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentTracerTimingEnabled)
  const annotations = FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentTracerSpanAnnotations)
  const debug = LogLevel.greaterThanEqual(LogLevel.Debug, FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentMinimumLogLevel))

  const spanOf = (name: string, parent: Option.Option<Tracer.AnySpan>, attributes: Record<string, unknown>): Tracer.Span => {
    // With tracing turned off, Effect's own (no-op) span, as `Effect.makeSpan` gives.
    if (!tracing) return runSync(Effect.makeSpan(name, { kind: "server", attributes, ...(Option.isSome(parent) ? { parent: parent.value } : {}) }))
    const span = tracer.span(name, parent, Context.empty(), [], timing ? clock.unsafeCurrentTimeNanos() : 0n, "server")
    HashMap.forEach(annotations, (value, key) => span.attribute(key, value))
    for (const key in attributes) span.attribute(key, attributes[key])
    return span
  }

  return async (
    method: string,
    routePath: string,
    request: Request,
    url: URL,
    handle: (span: Tracer.Span) => Promise<Outcome>,
  ): Promise<Response> => {
    const startedAt = clock.unsafeCurrentTimeNanos()
    const sent = request.headers.get(Traceparent.headerName)
    const span = spanOf(`HTTP ${method} ${routePath}`, sent === null ? Option.none() : Traceparent.parse(sent), {
      "http.method": method,
      "http.route": routePath,
      "url.path": url.pathname,
    })
    const exit = await handle(span).catch((error: unknown): Outcome => Exit.die(error))
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
        await run(Effect.logError(`${method} ${routePath} failed`, exit.cause).pipe(
          Effect.withParentSpan(span),
          Effect.annotateLogs({ "http.method": method, "http.route": routePath }),
        ))
        response = Problem.toResponse(Problem.internal(), url.pathname)
      }
    }
    span.attribute("http.status_code", response.status)
    response.headers.set(Traceparent.headerName, Traceparent.format(span))
    const endedAt = clock.unsafeCurrentTimeNanos()
    const seconds = Number(endedAt - startedAt) / 1e9
    if (debug) {
      runSync(Effect.logDebug(`${method} ${url.pathname} ${response.status}`).pipe(
        Effect.annotateLogs({ "http.route": routePath, durationMs: Math.round(seconds * 1000) }),
        Effect.withParentSpan(span),
      ))
    }
    span.end(endedAt, failure === undefined ? Exit.void : Exit.failCause(failure))
    recordNow({ service, method, route: routePath, status: response.status }, seconds)
    return response
  }
}
