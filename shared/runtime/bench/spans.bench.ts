/**
 * What a span costs a service exporting its traces, where the trace is not recorded (the caller's
 * `traceparent` says `-00`, or the sampler said no): the unit is a consumer's work, a span with four
 * child spans of a few steps each, run N times; CPU a unit on each side, in the same run, alternated:
 *
 * - floor: no exporter (Effect's own tracer, what a service runs without OTEL_EXPORTER_OTLP_ENDPOINT);
 * - OpenTelemetry alone: the SDK's tracer with the same sampler (`parentbased_traceidratio`, 0), as
 *   @effect/opentelemetry sets it;
 * - `Tracing.layer`: the same, through `SampledTracer` (decision 26).
 *
 * And, for scale, the same unit in a recorded trace through `Tracing.layer` (exported to a local sink).
 *
 *   bun run bench:spans [-- --units 20000 --rounds 3]
 */
import { NodeSdk } from "@effect/opentelemetry"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { ConfigProvider, Effect, Layer, Option } from "effect"
import { Traceparent, Tracing } from "../src/index.ts"
import { BenchArguments } from "../src/testing/index.ts"

const UNITS = BenchArguments.number("units", 20_000)
const ROUNDS = BenchArguments.number("rounds", 3)

// A collector that takes whatever it is sent: the recorded side exports to it.
const sink = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (request) => (await request.arrayBuffer(), new Response("{}")) })
const endpoint = `http://127.0.0.1:${sink.port}`
const sampler = { name: "parentbased_traceidratio", ratio: 0 } as const

const sides: ReadonlyArray<readonly [string, Layer.Layer<never, unknown>]> = [
  ["floor (no exporter)", Layer.empty],
  ["OpenTelemetry alone", Layer.provide(Layer.empty, NodeSdk.layer(() => ({
    resource: { serviceName: "bench" },
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: Tracing.tracesUrl(new URL(endpoint)) })),
    tracerConfig: { sampler: Tracing.samplerOf(sampler) },
  })))],
  ["Tracing.layer", Tracing.layer("bench").pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([
    ["OTEL_EXPORTER_OTLP_ENDPOINT", endpoint],
    ["OTEL_TRACES_SAMPLER", sampler.name],
    ["OTEL_TRACES_SAMPLER_ARG", String(sampler.ratio)],
  ])))))],
]

const callerSaid = (flag: "00" | "01") => Option.getOrThrow(Traceparent.parse(`00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flag}`))
const unitUnder = (flag: "00" | "01") =>
  Effect.forEach([1, 2, 3, 4], (n) =>
    Effect.succeed(n).pipe(Effect.flatMap((x) => Effect.sync(() => x + 1)), Effect.withSpan("child"))).pipe(
      Effect.withSpan("consume"),
      Effect.withParentSpan(callerSaid(flag)),
    )

/** CPU a unit (µs) on `layer`, after a warm-up. */
const measure = (layer: Layer.Layer<never, unknown>, flag: "00" | "01") =>
  Effect.runPromise(Effect.scoped(Effect.gen(function* () {
    const runtime = yield* Layer.toRuntime(layer)
    const run = (units: number) => Effect.provide(Effect.repeatN(unitUnder(flag), units - 1), runtime)
    yield* run(Math.ceil(UNITS / 10))
    const before = process.cpuUsage()
    yield* run(UNITS)
    const used = process.cpuUsage(before)
    return (used.user + used.system) / UNITS
  })))

const figures = new Map<string, Array<number>>()
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, layer] of sides) figures.set(name, [...(figures.get(name) ?? []), await measure(layer, "00")])
  const recorded = "Tracing.layer, the trace recorded"
  figures.set(recorded, [...(figures.get(recorded) ?? []), await measure(sides[2]![1], "01")])
}
await sink.stop(true)

const median = (values: ReadonlyArray<number>) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!
console.log(`a span and four children, ${UNITS} units, ${ROUNDS} rounds alternated; unrecorded unless said`)
console.table([...figures].map(([side, values]) => ({ side, cpuMicrosPerUnit: values.map((v) => v.toFixed(1)).join(" / "), median: Number(median(values).toFixed(1)) })))
const floor = median(figures.get("floor (no exporter)")!)
console.log(`unrecorded, over the floor: OpenTelemetry alone ${(median(figures.get("OpenTelemetry alone")!) / floor).toFixed(2)}×, Tracing.layer ${(median(figures.get("Tracing.layer")!) / floor).toFixed(2)}×`)
process.exit(0)
