/**
 * W3C Trace Context `traceparent` headers (https://www.w3.org/TR/trace-context/), used to continue a
 * trace across HTTP requests and messages.
 */
import { Tracer as OtelTracer } from "@effect/opentelemetry"
import { Context, Effect, Option, Tracer } from "effect"

export const headerName = "traceparent"

const pattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const zeros = /^0+$/

export const format = (span: { readonly traceId: string; readonly spanId: string; readonly sampled: boolean }): string =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/**
 * Exact lengths, lower-case hex, non-zero ids. Version 00 has nothing after the flags; a later
 * version may add fields, which are ignored (as the spec asks); version ff is invalid. Anything
 * else is None. The flags go with the span both as `sampled` and where the OpenTelemetry tracer
 * reads them, so a sampler that follows its parent follows the caller's decision.
 */
export const parse = (header: string): Option.Option<Tracer.ExternalSpan> => {
  const match = pattern.exec(header.trim())
  if (match === null) return Option.none()
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined]
  if (version === "ff" || (version === "00" && rest !== undefined)) return Option.none()
  if (zeros.test(traceId) || zeros.test(spanId)) return Option.none()
  return Option.some(OtelTracer.makeExternalSpan({ traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 1 }))
}

const propagated = (span: Tracer.AnySpan): Option.Option<Tracer.AnySpan> =>
  !Context.get(span.context, Tracer.DisablePropagation)
    ? Option.some(span)
    : span._tag === "Span"
    ? Option.flatMap(span.parent, propagated)
    : Option.none()

/** The traceparent of the current span; None outside any span. */
export const current: Effect.Effect<Option.Option<string>> = Effect.map(
  Effect.option(Effect.currentParentSpan),
  (span) => Option.map(Option.flatMap(span, propagated), format),
)
