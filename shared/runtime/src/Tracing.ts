/**
 * Tracing through @effect/opentelemetry. With OTEL_EXPORTER_OTLP_ENDPOINT set, spans are exported
 * over OTLP/HTTP to `${endpoint}/v1/traces`, sampled as OTEL_TRACES_SAMPLER and
 * OTEL_TRACES_SAMPLER_ARG say (OpenTelemetry's own variables, checked here: a value the SDK would
 * log and ignore stops the start instead); without it Effect's built-in tracer stays in place, so
 * spans still carry trace ids (for logs and traceparent headers) and nothing is exported. Either
 * way, through `SampledTracer`: a trace a caller did not record is not recorded here, and says so
 * onward.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base"
import { Config, ConfigError, Effect, Either, Layer, Option } from "effect"
import * as AppConfig from "./AppConfig.ts"
import * as SampledTracer from "./SampledTracer.ts"

/** A variable's trimmed text; unset or blank is None (as OpenTelemetry's SDK reads its variables). */
const given = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Config.map(Option.flatMap((text) => (text.trim() === "" ? Option.none() : Option.some(text.trim())))),
  )

export const otlpEndpoint: Config.Config<Option.Option<URL>> = given("OTEL_EXPORTER_OTLP_ENDPOINT").pipe(
  Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(Option.none())
    const text = value.value
    const url = URL.canParse(text) ? new URL(text) : undefined
    return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
      ? Either.right(Option.some(url))
      : Either.left(ConfigError.InvalidData(["OTEL_EXPORTER_OTLP_ENDPOINT"], "Expected an http: or https: URL"))
  }),
)

/** OpenTelemetry's sampler names (OTEL_TRACES_SAMPLER), those the SDK builds. */
export const samplerNames = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const
export type SamplerName = (typeof samplerNames)[number]

/**
 * The sampler: by default every trace (`parentbased_always_on`). A `parentbased_*` sampler follows
 * the decision of the trace a request or message continues (the traceparent's flag), so a trace is
 * recorded in every service or in none; the ratio (OTEL_TRACES_SAMPLER_ARG, 0 to 1, by default 1)
 * is the share of new traces recorded. A ratio outside 0 to 1 is refused whichever sampler is named.
 */
export const sampler: Config.Config<{ readonly name: SamplerName; readonly ratio: number }> = Config.all({
  name: given("OTEL_TRACES_SAMPLER").pipe(
    Config.mapOrFail((name) => {
      if (Option.isNone(name)) return Either.right("parentbased_always_on" as const)
      const known = samplerNames.find((known) => known === name.value)
      return known !== undefined
        ? Either.right(known)
        : Either.left(ConfigError.InvalidData(["OTEL_TRACES_SAMPLER"], `Expected one of ${samplerNames.join(", ")}, not "${name.value}"`))
    }),
  ),
  ratio: given("OTEL_TRACES_SAMPLER_ARG").pipe(
    Config.mapOrFail((ratio) => {
      if (Option.isNone(ratio)) return Either.right(1)
      const value = Number(ratio.value)
      return Number.isFinite(value) && value >= 0 && value <= 1
        ? Either.right(value)
        : Either.left(ConfigError.InvalidData(["OTEL_TRACES_SAMPLER_ARG"], `Expected a ratio from 0 to 1, not "${ratio.value}"`))
    }),
  ),
})

export const samplerOf = ({ name, ratio }: { readonly name: SamplerName; readonly ratio: number }): Sampler => {
  const root = name.endsWith("always_off")
    ? new AlwaysOffSampler()
    : name.endsWith("traceidratio")
    ? new TraceIdRatioBasedSampler(ratio)
    : new AlwaysOnSampler()
  return name.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root
}

export const tracesUrl = (endpoint: URL): string => `${endpoint.href.replace(/\/+$/, "")}/v1/traces`

export const layer = (serviceName: string): Layer.Layer<never, AppConfig.ConfigurationInvalid> =>
  Layer.unwrapEffect(
    Effect.map(AppConfig.loadOrExit(Config.all({ endpoint: otlpEndpoint, sampler })), ({ endpoint, sampler }) => {
      // The tracer in place (OpenTelemetry's once the SDK set it, else Effect's), made plain under unrecorded spans.
      const sampled = (openTelemetry: boolean) =>
        Layer.unwrapEffect(Effect.map(Effect.tracer, (inner) =>
          Layer.setTracer(SampledTracer.make(inner, { followsParent: sampler.name.startsWith("parentbased_"), openTelemetry }))))
      return Option.match(endpoint, {
        onNone: () => sampled(false),
        onSome: (url) =>
          sampled(true).pipe(Layer.provide(NodeSdk.layer(() => ({
            resource: { serviceName },
            spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(url) })),
            tracerConfig: { sampler: samplerOf(sampler) },
          })))),
      })
    }),
  )
