/**
 * The tracer in place (OpenTelemetry's, or Effect's own without an exporter), paying for the traces
 * it records only. Effect's OpenTelemetry tracer makes an OpenTelemetry span for every span, recorded
 * or not, and an OpenTelemetry context every time a fiber under one runs: measured with the saga
 * benchmark, that was most of what exporting cost the services, and sampling a tenth of the traces
 * saved little of it (docs/benchmarks.md). Effect's own tracer records every span, whatever the caller
 * decided, and says `-01` onward.
 *
 * Here a span under an unrecorded one is a plain span of this module: its trace's id, a span id of
 * its own, its parent, the flag "not recorded" (so the traceparent it gives on says so), nothing kept
 * and nothing sent; a fiber under it runs without an OpenTelemetry context. The spans that begin a
 * trace, or continue a recorded one, are the inner tracer's, so its sampler makes every decision.
 */
import { type Context, type Exit, Option, Tracer } from "effect"

const hexDigits = "0123456789abcdef"

/** Random lower-case hex, as Effect's own tracer makes its ids. */
const randomHex = (length: number) => {
  let result = ""
  for (let i = 0; i < length; i++) result += hexDigits[Math.floor(Math.random() * 16)]
  return result
}

// Nothing is kept of an unrecorded span: one empty map for all of them.
const noAttributes: ReadonlyMap<string, unknown> = new Map()

class UnrecordedSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = randomHex(16)
  readonly sampled = false
  readonly attributes = noAttributes
  readonly links: ReadonlyArray<Tracer.SpanLink> = []
  status: Tracer.SpanStatus

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly traceId: string,
    readonly context: Context.Context<never>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
  ) {
    this.status = { _tag: "Started", startTime }
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute() {}
  event() {}
  addLinks() {}
}

/** Whether @effect/opentelemetry made the span (it marks its own). */
const otelSpanMark = Symbol.for("@effect/opentelemetry/Tracer/OtelSpan")

/**
 * `inner` (the OpenTelemetry tracer, or Effect's own without an exporter) for the spans it may record.
 * A child of an unrecorded span of this process is unrecorded (a sampler that decides afresh would
 * decide as before within the trace: the same trace id). A child of a caller's unrecorded span is
 * when `followsParent` (`parentbased_*`); a sampler that decides afresh is asked. Effect's no-op
 * spans (tracing turned off) are not decisions: ignored here.
 */
export const make = (
  inner: Tracer.Tracer,
  options: {
    readonly followsParent: boolean
    /** Whether `inner` is OpenTelemetry's: otherwise there is no context to skip, and every fiber step is left as it was. */
    readonly openTelemetry: boolean
  },
): Tracer.Tracer => {
  const { followsParent } = options
  const unrecorded = (span: Tracer.AnySpan | undefined): span is Tracer.AnySpan =>
    span !== undefined && !span.sampled &&
    (span instanceof UnrecordedSpan || otelSpanMark in span || (followsParent && span._tag === "ExternalSpan"))
  return Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) =>
      Option.isSome(parent) && unrecorded(parent.value)
        ? new UnrecordedSpan(name, parent, parent.value.traceId, context, startTime, kind)
        : inner.span(name, parent, context, links, startTime, kind, options),
    // The OpenTelemetry context is for what would record under the current span: nothing does under
    // an unrecorded one.
    context: options.openTelemetry
      ? (execution, fiber) => (unrecorded(fiber.currentSpan) ? execution() : inner.context(execution, fiber))
      : inner.context,
  })
}
