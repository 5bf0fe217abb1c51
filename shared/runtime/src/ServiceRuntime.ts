/**
 * The Layer every service runs with: JSON logs at LOG_LEVEL, annotated with the service name, and
 * tracing (OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set).
 */
import { Effect, FiberRef, HashMap, Layer } from "effect"
import * as AppConfig from "./AppConfig.ts"
import * as Logging from "./Logging.ts"
import * as Tracing from "./Tracing.ts"

export const layer = (options: { readonly service: string }): Layer.Layer<never, AppConfig.ConfigurationInvalid> =>
  Layer.mergeAll(
    Layer.unwrapEffect(Effect.map(AppConfig.loadOrExit(AppConfig.logLevel), (level) => Logging.layer({ level }))),
    Layer.scopedDiscard(
      Effect.locallyScopedWith(FiberRef.currentLogAnnotations, HashMap.set("service", options.service as unknown)),
    ),
    Tracing.layer(options.service),
  )
