/**
 * Tracing through @effect/opentelemetry. With OTEL_EXPORTER_OTLP_ENDPOINT set, spans are exported
 * over OTLP/HTTP to `${endpoint}/v1/traces`; without it Effect's built-in tracer stays in place, so
 * spans still carry trace ids (for logs and traceparent headers) and nothing is exported.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, ConfigError, Effect, Either, Layer, Option } from "effect"
import * as AppConfig from "./AppConfig.ts"

export const otlpEndpoint: Config.Config<Option.Option<URL>> = Config.string("OTEL_EXPORTER_OTLP_ENDPOINT").pipe(
  Config.option,
  Config.mapOrFail((value) => {
    if (Option.isNone(value) || value.value.trim() === "") return Either.right(Option.none())
    const text = value.value.trim()
    const url = URL.canParse(text) ? new URL(text) : undefined
    return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
      ? Either.right(Option.some(url))
      : Either.left(ConfigError.InvalidData(["OTEL_EXPORTER_OTLP_ENDPOINT"], "Expected an http: or https: URL"))
  }),
)

export const tracesUrl = (endpoint: URL): string => `${endpoint.href.replace(/\/+$/, "")}/v1/traces`

export const layer = (serviceName: string): Layer.Layer<never, AppConfig.ConfigurationInvalid> =>
  Layer.unwrapEffect(
    Effect.map(AppConfig.loadOrExit(otlpEndpoint), (endpoint) =>
      Option.match(endpoint, {
        onNone: () => Layer.empty,
        onSome: (url) =>
          Layer.provide(
            Layer.empty,
            NodeSdk.layer(() => ({
              resource: { serviceName },
              spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(url) })),
            })),
          ),
      })),
  )
