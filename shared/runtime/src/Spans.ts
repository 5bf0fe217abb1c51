/**
 * Spans made in few Effect steps, for the hot paths: a message's publish and delivery, a store's
 * call, a command. Made as `Effect.useSpan` makes one (the fiber's tracer; the parent given, or the
 * fiber's current span past those that disable propagation; the fiber's span annotations and links;
 * the clock's time when timing is on) and ended as the effect ends, on success, failure or
 * interruption alike (the effect runs interruptible, its end is handled in an uninterruptible region,
 * as `onExit` does). Unlike `useSpan`, the span is ended in that continuation itself, rather than by
 * a finalizer Effect after it, and made with no Effect of its own; made the current span of the
 * effect (`current`), it is so without `withParentSpan`'s acquire and release of the context. On
 * every message, that cost as much as the span (docs/benchmarks.md, "The bus's spans"); `within`
 * and `fn` are `Effect.withSpan` and `Effect.fn` made so, in about a third of their steps
 * (docs/benchmarks.md, "Spans in fewer steps"). With tracing turned off it is `useSpan`.
 *
 * What they leave out: the call site's stack trace (`code.stacktrace` on a failed span), which
 * `Effect.withSpan` and `Effect.fn` capture with an `Error` made on every call.
 */
import { Chunk, Clock, Context, Effect, Exit, type Fiber, FiberRef, HashMap, type MetricLabel, Option, Tracer } from "effect"
import type { YieldWrap } from "effect/Utils"

export interface Options {
  readonly kind: Tracer.SpanKind
  /** The span's parent; the fiber's current span when not given. */
  readonly parent?: Tracer.AnySpan | undefined
  readonly attributes: Readonly<Record<string, unknown>>
  /**
   * The span is the current span of `use` (the parent of the spans it makes), as
   * `Effect.withParentSpan` would make it, and the fiber's context is given back as it ends.
   */
  readonly current?: boolean
}

/** A span's nearest ancestor (itself included) that propagates, as Effect chooses a span's parent. */
const propagating = (span: Option.Option<Tracer.AnySpan>): Option.Option<Tracer.AnySpan> => {
  let current = span
  while (Option.isSome(current) && Context.get(current.value.context, Tracer.DisablePropagation)) {
    current = current.value._tag === "Span" ? current.value.parent : Option.none()
  }
  return current
}

/** A span opened on a fiber, and its clock (0 when timing is off), to end it with. */
export interface Opened {
  readonly span: Tracer.Span
  readonly now: () => bigint
}

/**
 * The span `around` makes, opened now on `fiber`, whose tracing must be on: for a caller that ends it
 * itself (`span.end(opened.now(), exit)`), in a callback rather than an Effect.
 */
export const open = (fiber: Fiber.RuntimeFiber<unknown, unknown>, name: string, options: Options): Opened => {
  const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
  const timing = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  const parent = options.parent !== undefined ? Option.some(options.parent) : propagating(Context.getOption(fiber.currentContext, Tracer.ParentSpan))
  const links = Chunk.toReadonlyArray(fiber.getFiberRef(FiberRef.currentTracerSpanLinks))
  const now = () => (timing ? clock.unsafeCurrentTimeNanos() : 0n)
  const span = fiber.currentTracer.span(name, parent, Context.empty(), links, now(), options.kind, { captureStackTrace: false })
  HashMap.forEach(fiber.getFiberRef(FiberRef.currentTracerSpanAnnotations), (value, key) => span.attribute(key, value))
  for (const key in options.attributes) span.attribute(key, options.attributes[key])
  return { span, now }
}

/**
 * Runs `use` in a span named `name`; `ended` is told how it ended (once, synchronously, after the
 * span is ended) and the fiber's metric labels, for the counts that go with it, as `Metric.increment`
 * would count them.
 */
export const around = <A, E, R>(
  name: string,
  options: Options,
  use: (span: Tracer.Span) => Effect.Effect<A, E, R>,
  ended: (exit: Exit.Exit<A, E>, labels: ReadonlyArray<MetricLabel.MetricLabel>) => void,
): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) => Effect.withFiberRuntime<A, E, R>((fiber) => {
    const labels = () => fiber.getFiberRef(FiberRef.currentMetricLabels)
    if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) {
      return Effect.onExit(
        Effect.useSpan(name, { ...options, captureStackTrace: false }, (span) =>
          restore(options.current === true ? Effect.withParentSpan(use(span), span) : use(span))),
        (exit) => Effect.sync(() => ended(exit, labels())),
      )
    }
    const { span, now } = open(fiber, name, options)
    const finish = (exit: Exit.Exit<A, E>) => {
      span.end(now(), exit)
      ended(exit, labels())
      return exit
    }
    if (options.current !== true) {
      return Effect.matchCauseEffect(restore(use(span)), {
        onSuccess: (value) => finish(Exit.succeed(value)),
        onFailure: (cause) => finish(Exit.failCause(cause)),
      })
    }
    // The current span set and given back here, in the region `use` ends in anyway, rather than by
    // `withParentSpan`'s acquire and release of the context around it (on every delivery).
    const outer = fiber.currentContext
    const giveBack = FiberRef.set(FiberRef.currentContext, outer)
    return Effect.matchCauseEffect(
      Effect.zipRight(FiberRef.set(FiberRef.currentContext, Context.add(outer, Tracer.ParentSpan, span)), restore(use(span))),
      {
        // The context given back before the span is ended: a tracer whose `end` throws leaves no
        // ended span current.
        onSuccess: (value) => Effect.flatMap(giveBack, () => finish(Exit.succeed(value))),
        onFailure: (cause) => Effect.flatMap(giveBack, () => finish(Exit.failCause(cause))),
      },
    )
  }))

/** What `within` and `fn` take of `Effect.withSpan`'s options. */
export interface SpanOptions {
  /** "internal" when not given. */
  readonly kind?: Tracer.SpanKind
  readonly attributes?: Readonly<Record<string, unknown>>
}

const ignored = () => {}

/** `Effect.withSpan(name, options)`: the span is the current span of `self`, as it is there. */
export const within = (name: string, options: SpanOptions = {}) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  around(name, { kind: options.kind ?? "internal", attributes: options.attributes ?? {}, current: true }, () => self, ignored)

/** What a generator yields through: its failures and requirements, as `Effect.gen` reads them. */
type Failures<Eff> = [Eff] extends [never] ? never : [Eff] extends [YieldWrap<Effect.Effect<infer _A, infer E, infer _R>>] ? E : never
type Requirements<Eff> = [Eff] extends [never] ? never : [Eff] extends [YieldWrap<Effect.Effect<infer _A, infer _E, infer R>>] ? R : never

/** `Effect.fn(name)(body)`: a function whose every call runs `body` as `Effect.gen` does, `within` a span `name`. */
export const fn = (name: string, options: SpanOptions = {}) =>
<Eff extends YieldWrap<Effect.Effect<any, any, any>>, A, Args extends Array<any>>(
  body: (...args: Args) => Generator<Eff, A, never>,
): (...args: Args) => Effect.Effect<A, Failures<Eff>, Requirements<Eff>> => {
  const span = within(name, options)
  return (...args) => span(Effect.gen(() => body(...args)))
}
