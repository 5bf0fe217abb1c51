/**
 * The OpenTelemetry tracer, paying for the traces it records only. Effect's OpenTelemetry tracer
 * makes an OpenTelemetry span for every span, recorded or not, and an OpenTelemetry context every
 * time a fiber under one runs: measured with the saga benchmark, that was most of what exporting
 * cost the services, and sampling a tenth of the traces saved little of it (docs/tracing.md).
 *
 * Here a span whose parent is not recorded, where the sampler follows parents, is a plain span of
 * this module: its trace's id, a span id of its own, its parent, the flag "not recorded" (so the
 * traceparent it gives on says so), nothing kept and nothing sent; a fiber under an unrecorded span
 * runs without an OpenTelemetry context. The spans that begin a trace, or continue a recorded one, are the
 * OpenTelemetry tracer's, so its sampler still makes every decision.
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

/**
 * `recording` (the OpenTelemetry tracer) for the spans it may record. `followsParent`: the sampler
 * keeps its parent's decision (`parentbased_*`), so every child of an unrecorded span is unrecorded;
 * otherwise only a child of an unrecorded span of this process is (a sampler that decides afresh
 * still decides for a caller's span, and decides as before within a trace of its own).
 */
export const make = (recording: Tracer.Tracer, followsParent: boolean): Tracer.Tracer => {
  const unrecordedParent = (parent: Option.Option<Tracer.AnySpan>): parent is Option.Some<Tracer.AnySpan> =>
    Option.isSome(parent) && !parent.value.sampled && (followsParent || parent.value._tag === "Span")
  return Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) =>
      unrecordedParent(parent)
        ? new UnrecordedSpan(name, parent, parent.value.traceId, context, startTime, kind)
        : recording.span(name, parent, context, links, startTime, kind, options),
    // The OpenTelemetry context is for what would record under the current span: nothing does under
    // an unrecorded one (this module's, or, where the sampler follows parents, OpenTelemetry's own).
    context: (execution, fiber) => {
      const span = fiber.currentSpan
      return span instanceof UnrecordedSpan || (followsParent && span?.sampled === false) ? execution() : recording.context(execution, fiber)
    },
  })
}
