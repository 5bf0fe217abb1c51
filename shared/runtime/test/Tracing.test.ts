import { describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Exit, Layer, Option } from "effect"
import { Traceparent, Tracing } from "../src/index.ts"

const withEnv = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const tracedWork = Effect.gen(function*() {
  const span = yield* Effect.orDie(Effect.currentSpan)
  return { traceId: span.traceId, spanId: span.spanId, sampled: span.sampled }
}).pipe(Effect.withSpan("booking.create"))

/** A collector on a free port: what it was sent, by path and body. */
const collector = () => {
  const received: Array<{ path: string; body: string }> = []
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      received.push({ path: new URL(request.url).pathname, body: await request.text() })
      return new Response("{}", { headers: { "content-type": "application/json" } })
    },
  })
  return { received, endpoint: `http://127.0.0.1:${server.port}/`, stop: () => server.stop(true) }
}

/** A trace continued from another process's traceparent, recorded there or not (its flag). */
const continuing = (sampled: boolean) =>
  Effect.withParentSpan(Option.getOrThrow(Traceparent.parse(`00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0${sampled ? 1 : 0}`)))

/** Runs `work` under the layer with `env` and an endpoint; answers what it answered and what was exported. */
const exported = async <A>(work: Effect.Effect<A>, env: Record<string, string>) => {
  const sink = collector()
  try {
    // Closing the layer flushes the batch processor.
    const value = await Effect.runPromise(
      work.pipe(Effect.provide(Tracing.layer("booking")), Effect.provide(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, ...env }))),
    )
    return { value, bodies: sink.received.map((r) => r.body).join("\n") }
  } finally {
    await sink.stop()
  }
}

const refusal = async (env: Record<string, string>) => {
  const exit = await Effect.runPromiseExit(tracedWork.pipe(Effect.provide(Tracing.layer("booking")), Effect.provide(withEnv(env))))
  expect(Exit.isFailure(exit)).toBe(true)
  return String(Exit.isFailure(exit) && exit.cause)
}

describe("Tracing.layer", () => {
  test("without OTEL_EXPORTER_OTLP_ENDPOINT spans still have trace ids", async () => {
    const ids = await Effect.runPromise(
      tracedWork.pipe(Effect.provide(Tracing.layer("booking")), Effect.provide(withEnv({}))),
    )
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(ids.spanId).toMatch(/^[0-9a-f]{16}$/)
  })

  test("with OTEL_EXPORTER_OTLP_ENDPOINT spans are exported over OTLP/HTTP to /v1/traces", async () => {
    const sink = collector()
    try {
      const ids = await Effect.runPromise(
        tracedWork.pipe(Effect.provide(Tracing.layer("booking")), Effect.provide(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint }))),
      )
      // Closing the layer flushes the batch processor.
      expect(sink.received.map((r) => r.path)).toEqual(["/v1/traces"])
      expect(sink.received[0]!.body).toContain("booking.create")
      expect(sink.received[0]!.body).toContain(ids.traceId)
      expect(sink.received[0]!.body).toContain("booking")
    } finally {
      await sink.stop()
    }
  })

  test("a malformed endpoint stops the start naming the variable", async () => {
    const exit = await Effect.runPromiseExit(
      tracedWork.pipe(
        Effect.provide(Tracing.layer("booking")),
        Effect.provide(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })),
      ),
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) && exit.cause)).toContain("OTEL_EXPORTER_OTLP_ENDPOINT")
  })

  test("by default every trace is recorded, and a span continuing an unrecorded trace is not: the caller's decision holds", async () => {
    const fresh = await exported(tracedWork, {})
    expect(fresh.value.sampled).toBe(true)
    expect(fresh.bodies).toContain(fresh.value.traceId)
    const unrecorded = await exported(continuing(false)(tracedWork), {})
    expect(unrecorded.value.sampled).toBe(false)
    expect(unrecorded.bodies).not.toContain("booking.create")
    const recorded = await exported(continuing(true)(tracedWork), {})
    expect(recorded.value.sampled).toBe(true)
    expect(recorded.bodies).toContain("booking.create")
    // What goes on to the next service (an answer's or a message's traceparent) says so in turn.
    const onward = await exported(continuing(false)(Traceparent.current.pipe(Effect.withSpan("bus.publish"))), {})
    expect(Option.getOrThrow(onward.value)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/)
  })

  test("OTEL_TRACES_SAMPLER=always_off records nothing; the span still has its ids, flagged as not recorded", async () => {
    const off = await exported(tracedWork, { OTEL_TRACES_SAMPLER: "always_off" })
    expect(off.value.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(off.value.sampled).toBe(false)
    expect(off.bodies).toBe("")
  })

  test("parentbased_traceidratio with ratio 0 records no new trace, and still the traces callers record", async () => {
    const env = { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" }
    const fresh = await exported(tracedWork, env)
    expect(fresh.value.sampled).toBe(false)
    expect(fresh.bodies).not.toContain("booking.create")
    const continued = await exported(continuing(true)(tracedWork), env)
    expect(continued.value.sampled).toBe(true)
    expect(continued.bodies).toContain("booking.create")
  })

  test("traceidratio records about its share of new traces", async () => {
    const decisions = await exported(
      Effect.forEach(Array.from({ length: 400 }), () => tracedWork.pipe(Effect.map(({ sampled }) => sampled))),
      { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" },
    )
    const recorded = decisions.value.filter(Boolean).length
    // Binomial(400, 0.25): mean 100, standard deviation about 8.7; 60 and 140 are over 4.5 of them away.
    expect(recorded).toBeGreaterThan(60)
    expect(recorded).toBeLessThan(140)
  })

  test("a sampler OpenTelemetry does not know, or a ratio outside 0 to 1, stops the start naming the variable", async () => {
    expect(await refusal({ OTEL_TRACES_SAMPLER: "sometimes" })).toContain("OTEL_TRACES_SAMPLER")
    for (const ratio of ["1.5", "-0.1", "half"]) {
      expect(await refusal({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: ratio })).toContain("OTEL_TRACES_SAMPLER_ARG")
    }
    // Checked with or without an endpoint: a setting that would be ignored is refused either way.
    expect(await refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_SAMPLER: "always" })).toContain("OTEL_TRACES_SAMPLER")
  })

  describe("what an unrecorded trace costs", () => {
    /** The current span's ids and flag, and whether OpenTelemetry made it (@effect/opentelemetry marks its spans). */
    const otelSpan = Symbol.for("@effect/opentelemetry/Tracer/OtelSpan")
    const seen = Effect.gen(function*() {
      const span = yield* Effect.orDie(Effect.currentSpan)
      return { traceId: span.traceId, spanId: span.spanId, sampled: span.sampled, byOpenTelemetry: otelSpan in span }
    })
    const nested = Effect.all([seen, seen.pipe(Effect.withSpan("booking.hold"))]).pipe(Effect.withSpan("booking.create"))

    test("following the caller's decision not to record, no OpenTelemetry span is made, and the ids are still the trace's", async () => {
      const { value: [outer, inner], bodies } = await exported(continuing(false)(nested), {})
      for (const span of [outer, inner]) {
        expect(span).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", sampled: false, byOpenTelemetry: false })
        expect(span.spanId).toMatch(/^[0-9a-f]{16}$/)
      }
      expect(new Set([outer.spanId, inner.spanId, "00f067aa0ba902b7"]).size).toBe(3)
      expect(bodies).toBe("")
      const recorded = await exported(continuing(true)(nested), {})
      expect(recorded.value.map((span) => [span.sampled, span.byOpenTelemetry])).toEqual([[true, true], [true, true]])
      expect(recorded.bodies).toContain("booking.hold")
    })

    test("a sampler that decides afresh (always_on) still decides for a caller's unrecorded trace", async () => {
      const { value: [outer, inner], bodies } = await exported(continuing(false)(nested), { OTEL_TRACES_SAMPLER: "always_on" })
      expect([outer.sampled, inner.sampled]).toEqual([true, true])
      expect(bodies).toContain("booking.hold")
    })

    test("always_off: OpenTelemetry makes the first span of a trace, not recorded, and none under it", async () => {
      const { value: [outer, inner], bodies } = await exported(nested, { OTEL_TRACES_SAMPLER: "always_off" })
      expect(outer).toMatchObject({ sampled: false, byOpenTelemetry: true })
      expect(inner).toMatchObject({ traceId: outer.traceId, sampled: false, byOpenTelemetry: false })
      expect(bodies).toBe("")
    })
  })
  test("without an exporter, a caller's unrecorded trace stays unrecorded and says so onward; a recorded one is continued", async () => {
    const onward = (flag: boolean) =>
      Effect.runPromise(continuing(flag)(Effect.all([tracedWork, Traceparent.current.pipe(Effect.withSpan("bus.publish"))])).pipe(
        Effect.provide(Tracing.layer("booking")),
        Effect.provide(withEnv({})),
      ))
    const [unrecorded, unrecordedHeader] = await onward(false)
    expect(unrecorded).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", sampled: false })
    expect(Option.getOrThrow(unrecordedHeader)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/)
    const [recorded, recordedHeader] = await onward(true)
    expect(recorded).toMatchObject({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", sampled: true })
    expect(Option.getOrThrow(recordedHeader)).toMatch(/-01$/)
  })

  test("a blank OTEL_TRACES_SAMPLER or OTEL_TRACES_SAMPLER_ARG is unset, as OpenTelemetry reads it: every trace", async () => {
    for (const env of [{ OTEL_TRACES_SAMPLER: "  " }, { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "" }]) {
      const recorded = await exported(tracedWork, env)
      expect(recorded.value.sampled).toBe(true)
      expect(recorded.bodies).toContain("booking.create")
    }
  })

  test("a span given a no-op parent (tracing turned off where it was made) begins a trace of its own", async () => {
    const noop = await Effect.runPromise(Effect.makeSpan("health").pipe(Effect.withTracerEnabled(false)))
    const child = await exported(Effect.withSpan(tracedWork, "child", { parent: noop }), {})
    expect(child.value.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(child.value.sampled).toBe(true)
  })
})
