/**
 * The span of a publish or a delivery: made as `Effect.useSpan` makes one (its parent, the fiber's
 * annotations, its attributes) and ended with the effect's exit however the effect ends, with the
 * counts told once.
 */
import { describe, expect, test } from "bun:test"
import { Cause, Context, Deferred, Effect, Exit, Fiber, Option, Tracer } from "effect"
import * as MessageSpan from "../src/MessageSpan.ts"
import * as RecordingTracer from "./support/RecordingTracer.ts"

/** Runs `effect` under a tracer that keeps every span it makes (Effect's own spans). */
const recording = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const { made, tracer } = yield* RecordingTracer.make
    const exit = yield* Effect.exit(Effect.withTracer(effect, tracer))
    return { exit, made }
  })

const options = { kind: "consumer" as const, attributes: { "messaging.message.id": "m-1" } }

describe("MessageSpan.around", () => {
  test("a span under the current span, with the fiber's annotations and its attributes, ended with the effect's success", async () => {
    const ended: Array<Exit.Exit<unknown, unknown>> = []
    const { exit, made } = await Effect.runPromise(recording(
      MessageSpan.around("process", options, (span) => Effect.succeed(span.spanId), (exit) => ended.push(exit)).pipe(
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
      MessageSpan.around("publish", { ...options, parent }, () => Effect.void, () => {}).pipe(Effect.withSpan("request")),
    ))
    const span = made[1]!
    expect(span.traceId).toBe(parent.traceId)
    expect(Option.getOrUndefined(span.parent)?.spanId).toBe(parent.spanId)
  })

  test("a failure ends the span with it and is told, then fails the effect", async () => {
    const ended: Array<Exit.Exit<unknown, unknown>> = []
    const { exit, made } = await Effect.runPromise(recording(
      MessageSpan.around("publish", options, () => Effect.fail("no confirm"), (exit) => ended.push(exit)),
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
        MessageSpan.around("process", options, () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never), (exit) => ended.push(exit)),
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
        MessageSpan.around("publish", options, () => Effect.never, (exit) => ended.push(exit)).pipe(
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
          const inside = yield* Effect.exit(MessageSpan.around("process", { ...options, current: true }, () =>
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
      MessageSpan.around("process", { ...options, current: true }, (span) =>
        Effect.map(Effect.currentSpan, (current) => current === span), () => {}).pipe(Effect.withTracerEnabled(false)),
    )
    expect(seen).toBe(true)
  })

  test("a current span that does not propagate is passed over for its parent, as Effect does", async () => {
    const { made } = await Effect.runPromise(recording(
      MessageSpan.around("process", options, () => Effect.void, () => {}).pipe(
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
      MessageSpan.around("process", options, () => Effect.void, () => {}).pipe(Effect.linkSpans(linked, { why: "batch" })),
    ))
    expect(made[0]!.links.map((link) => [link.span.spanId, link.attributes])).toEqual([[linked.spanId, { why: "batch" }]])
  })

  test("with timing turned off the span carries no times", async () => {
    const { made } = await Effect.runPromise(recording(
      MessageSpan.around("process", options, () => Effect.void, () => {}).pipe(Effect.withTracerTiming(false)),
    ))
    const status = made[0]!.status
    expect(status._tag === "Ended" && [status.startTime, status.endTime]).toEqual([0n, 0n])
  })

  test("with tracing turned off the effect runs, under no recorded span, and the end is still told", async () => {
    const ended: Array<Exit.Exit<unknown, unknown>> = []
    const { exit, made } = await Effect.runPromise(recording(
      MessageSpan.around("process", options, () => Effect.succeed(1), (exit) => ended.push(exit)).pipe(Effect.withTracerEnabled(false)),
    ))
    expect(exit).toEqual(Exit.succeed(1))
    expect(made).toEqual([])
    expect(ended).toEqual([Exit.succeed(1)])
  })
})
