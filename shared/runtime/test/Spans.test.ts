/**
 * The span of a publish or a delivery: made as `Effect.useSpan` makes one (its parent, the fiber's
 * annotations, its attributes) and ended with the effect's exit however the effect ends, with the
 * counts told once.
 */
import { describe, expect, test } from "bun:test"
import { Cause, Context, Deferred, Effect, Exit, Fiber, Option, Tracer } from "effect"
import * as Spans from "../src/Spans.ts"
import * as RecordingTracer from "../src/testing/RecordingTracer.ts"

/** Runs `effect` under a tracer that keeps every span it makes (Effect's own spans). */
const recording = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const { made, tracer } = yield* RecordingTracer.make
    const exit = yield* Effect.exit(Effect.withTracer(effect, tracer))
    return { exit, made }
  })

const options = { kind: "consumer" as const, attributes: { "messaging.message.id": "m-1" } }

describe("Spans.around", () => {
  test("a span under the current span, with the fiber's annotations and its attributes, ended with the effect's success", async () => {
    const ended: Array<Exit.Exit<unknown, unknown>> = []
    const { exit, made } = await Effect.runPromise(recording(
      Spans.around("process", options, (span) => Effect.succeed(span.spanId), (exit) => ended.push(exit)).pipe(
        Effect.annotateSpans("service", "booking"),
        Effect.withSpan("request"),
      ),
    ))
    const [request, span] = made
    expect(Exit.isSuccess(exit) && exit.value).toBe(span!.spanId)
    expect(Option.getOrUndefined(span!.parent)?.spanId).toBe(request!.spanId)
    expect(span!.kind).toBe("consumer")
    expect(Object.fromEntries(span!.attributes)).toEqual({ service: "booking", "messaging.message.id": "m-1" })
    expect(span!.status._tag).toBe("Ended")
    expect(ended).toEqual([Exit.succeed(span!.spanId)])
  })

  test("the parent given, rather than the current span", async () => {
    const parent = Tracer.externalSpan({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" })
    const { made } = await Effect.runPromise(recording(
      Spans.around("publish", { ...options, parent }, () => Effect.void, () => {}).pipe(Effect.withSpan("request")),
    ))
    const span = made[1]!
    expect(span.traceId).toBe(parent.traceId)
    expect(Option.getOrUndefined(span.parent)?.spanId).toBe(parent.spanId)
  })

  test("a failure ends the span with it and is told, then fails the effect", async () => {
    const ended: Array<Exit.Exit<unknown, unknown>> = []
    const { exit, made } = await Effect.runPromise(recording(
      Spans.around("publish", options, () => Effect.fail("no confirm"), (exit) => ended.push(exit)),
    ))
    expect(exit).toEqual(Exit.fail("no confirm"))
    const status = made[0]!.status
    expect(status._tag === "Ended" && status.exit).toEqual(Exit.fail("no confirm"))
    expect(ended).toEqual([Exit.fail("no confirm")])
  })

  test("an interrupted effect ends its span as interrupted", async () => {
    const ended: Array<Exit.Exit<unknown, unknown>> = []
    const { made } = await Effect.runPromise(recording(Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        Spans.around("process", options, () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never), (exit) => ended.push(exit)),
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
    })))
    const status = made[0]!.status
    expect(status._tag === "Ended" && Exit.isFailure(status.exit) && Cause.isInterruptedOnly(status.exit.cause)).toBe(true)
    expect(ended.length).toBe(1)
    expect(Exit.isFailure(ended[0]!) && Cause.isInterruptedOnly(ended[0]!.cause)).toBe(true)
  })

  test("the effect stays interruptible, with tracing on or off: a timeout ends it", async () => {
    for (const tracing of [true, false]) {
      const ended: Array<Exit.Exit<unknown, unknown>> = []
      const exit = await Effect.runPromise(Effect.exit(
        Spans.around("publish", options, () => Effect.never, (exit) => ended.push(exit)).pipe(
          Effect.timeoutFail({ duration: "20 millis", onTimeout: () => "timed out" }),
          Effect.withTracerEnabled(tracing),
        ),
      ))
      expect(exit).toEqual(Exit.fail("timed out"))
      expect(ended.length).toBe(1)
    }
  })

  test("made current, it is the parent of the spans its effect makes, and the current span is given back however it ends", async () => {
    const outcomes = [Effect.void, Effect.fail("refused"), Effect.interrupt, Effect.die("defect")]
    for (const tracing of [true, false]) {
      for (const outcome of outcomes) {
        const { exit, made } = await Effect.runPromise(recording(Effect.gen(function* () {
          const inside = yield* Effect.exit(Spans.around("process", { ...options, current: true }, () =>
            Effect.zipRight(Effect.withSpan(Effect.void, "handler"), outcome), () => {}))
          // The handler's span had "process" as its parent; the effect's span after it has "request".
          yield* Effect.withSpan(Effect.void, "after")
          return inside
        }).pipe(Effect.withSpan("request"), Effect.withTracerEnabled(tracing))))
        expect(Exit.isSuccess(exit)).toBe(true)
        if (!tracing) continue
        const named = (name: string) => made.find((span) => span.name === name)!
        expect(Option.getOrUndefined(named("handler").parent)?.spanId).toBe(named("process").spanId)
        expect(Option.getOrUndefined(named("after").parent)?.spanId).toBe(named("request").spanId)
      }
    }
  })

  test("with tracing off, made current, its effect still sees the span as the current one", async () => {
    const seen = await Effect.runPromise(
      Spans.around("process", { ...options, current: true }, (span) =>
        Effect.map(Effect.currentSpan, (current) => current === span), () => {}).pipe(Effect.withTracerEnabled(false)),
    )
    expect(seen).toBe(true)
  })

  test("a current span that does not propagate is passed over for its parent, as Effect does", async () => {
    const { made } = await Effect.runPromise(recording(
      Spans.around("process", options, () => Effect.void, () => {}).pipe(
        Effect.withSpan("hidden", { context: Context.make(Tracer.DisablePropagation, true) }),
        Effect.withSpan("request"),
      ),
    ))
    const request = made.find((span) => span.name === "request")!
    const span = made.find((span) => span.name === "process")!
    expect(Option.getOrUndefined(span.parent)?.spanId).toBe(request.spanId)
  })

  test("the fiber's span links are the span's links", async () => {
    const linked = Tracer.externalSpan({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" })
    const { made } = await Effect.runPromise(recording(
      Spans.around("process", options, () => Effect.void, () => {}).pipe(Effect.linkSpans(linked, { why: "batch" })),
    ))
    expect(made[0]!.links.map((link) => [link.span.spanId, link.attributes])).toEqual([[linked.spanId, { why: "batch" }]])
  })

  test("with timing turned off the span carries no times", async () => {
    const { made } = await Effect.runPromise(recording(
      Spans.around("process", options, () => Effect.void, () => {}).pipe(Effect.withTracerTiming(false)),
    ))
    const status = made[0]!.status
    expect(status._tag === "Ended" && [status.startTime, status.endTime]).toEqual([0n, 0n])
  })

  test("with tracing turned off the effect runs, under no recorded span, and the end is still told", async () => {
    const ended: Array<Exit.Exit<unknown, unknown>> = []
    const { exit, made } = await Effect.runPromise(recording(
      Spans.around("process", options, () => Effect.succeed(1), (exit) => ended.push(exit)).pipe(Effect.withTracerEnabled(false)),
    ))
    expect(exit).toEqual(Exit.succeed(1))
    expect(made).toEqual([])
    expect(ended).toEqual([Exit.succeed(1)])
  })
})

describe("Spans.within", () => {
  test("the effect runs in a span of the kind and attributes given, under the current span, and is the parent of its own spans", async () => {
    const { exit, made } = await Effect.runPromise(recording(
      Effect.withSpan(Effect.succeed("done"), "inner").pipe(
        Spans.within("redis hold", { kind: "client", attributes: { "db.system.name": "redis" } }),
        Effect.withSpan("request"),
      ),
    ))
    expect(exit).toEqual(Exit.succeed("done"))
    const named = (name: string) => made.find((span) => span.name === name)!
    expect(named("redis hold").kind).toBe("client")
    expect(Object.fromEntries(named("redis hold").attributes)).toEqual({ "db.system.name": "redis" })
    expect(Option.getOrUndefined(named("redis hold").parent)?.spanId).toBe(named("request").spanId)
    expect(Option.getOrUndefined(named("inner").parent)?.spanId).toBe(named("redis hold").spanId)
    expect(named("redis hold").status._tag).toBe("Ended")
  })

  test("an internal span by default, ended with the effect's failure, and the current span given back after it", async () => {
    const { exit, made } = await Effect.runPromise(recording(Effect.gen(function* () {
      const failed = yield* Effect.exit(Spans.within("step")(Effect.fail("refused")))
      yield* Effect.withSpan(Effect.void, "after")
      return failed
    }).pipe(Effect.withSpan("request"))))
    expect(Exit.isSuccess(exit) && exit.value).toEqual(Exit.fail("refused"))
    const named = (name: string) => made.find((span) => span.name === name)!
    const status = named("step").status
    expect(named("step").kind).toBe("internal")
    expect(status._tag === "Ended" && status.exit).toEqual(Exit.fail("refused"))
    expect(Option.getOrUndefined(named("after").parent)?.spanId).toBe(named("request").spanId)
  })
})

describe("Spans.fn", () => {
  test("each call runs the body anew with its arguments, in a span of its own", async () => {
    let runs = 0
    const twice = Spans.fn("Commands.twice")(function* (value: number, label: string) {
      runs++
      const span = yield* Effect.currentSpan
      return `${label}:${value * 2}:${span.name}`
    })
    const called = twice(21, "a")
    expect(runs).toBe(0)
    const { exit, made } = await Effect.runPromise(recording(Effect.all([called, called, twice(1, "b")])))
    expect(exit).toEqual(Exit.succeed(["a:42:Commands.twice", "a:42:Commands.twice", "b:2:Commands.twice"]))
    expect(runs).toBe(3)
    expect(made.map((span) => span.name)).toEqual(["Commands.twice", "Commands.twice", "Commands.twice"])
  })

  test("a failure of the body fails the call and ends its span with it", async () => {
    const refuse = Spans.fn("Commands.refuse")(function* (reason: string) {
      return yield* Effect.fail(reason)
    })
    const { exit, made } = await Effect.runPromise(recording(refuse("sold out")))
    expect(exit).toEqual(Exit.fail("sold out"))
    const status = made[0]!.status
    expect(status._tag === "Ended" && status.exit).toEqual(Exit.fail("sold out"))
  })
})

describe("Spans.within, with a tracer that fails", () => {
  test("a span whose end throws fails the effect with the defect, and the current span is given back first", async () => {
    const current = Effect.map(Effect.option(Effect.currentSpan), Option.map((span) => span.name))
    const result = await Effect.runPromise(Effect.gen(function* () {
      const inner = yield* Effect.tracer
      const tracer = Tracer.make({
        span: (...args) => {
          const span = inner.span(...args)
          if (args[0] === "step") span.end = () => { throw new Error("exporter down") }
          return span
        },
        context: (execution) => execution(),
      })
      return yield* Effect.withTracer(Effect.gen(function* () {
        const exit = yield* Effect.exit(Spans.within("step")(Effect.void))
        return { died: Exit.isFailure(exit) && Cause.isDie(exit.cause), after: yield* current }
      }).pipe(Effect.withSpan("request")), tracer)
    }))
    expect(result).toEqual({ died: true, after: Option.some("request") })
  })
})
