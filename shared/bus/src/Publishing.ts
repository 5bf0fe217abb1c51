/** What every adapter does around a publish: the producer span and the headers that carry it. */
import { Catalogue, type AnyMessage } from "@flight/contracts"
import { Traceparent } from "@flight/runtime"
import { Effect, Metric, Option } from "effect"
import * as BusMetrics from "./BusMetrics.ts"
import type { PublishError, PublishOptions } from "./MessageBus.ts"

export interface Outgoing {
  readonly body: Uint8Array
  readonly headers: Record<string, string>
  readonly kind: "event" | "command"
}

const encoder = new TextEncoder()

/**
 * Encodes the message and runs `send` in a producer span whose traceparent travels in the headers.
 * The span's parent is the trace the message was produced in (an outbox entry's), or the current one.
 */
export const traced = <R>(
  message: AnyMessage,
  options: PublishOptions | undefined,
  send: (outgoing: Outgoing) => Effect.Effect<void, PublishError, R>,
): Effect.Effect<void, PublishError, R> => {
  const parent = options?.traceparent ? Traceparent.parse(options.traceparent) : Option.none()
  return Effect.gen(function* () {
    const span = yield* Effect.currentSpan.pipe(Effect.option)
    const headers: Record<string, string> = {}
    if (Option.isSome(span)) {
      headers["traceparent"] = Traceparent.format({
        traceId: span.value.traceId,
        spanId: span.value.spanId,
        sampled: span.value.sampled,
      })
    }
    yield* send({
      body: encoder.encode(Catalogue.encodeJson(message)),
      headers,
      kind: Catalogue.definitionOf(message.type).kind,
    })
  }).pipe(
    Effect.tapBoth({
      onFailure: () => Metric.increment(BusMetrics.publishFailedOf(message.type)),
      onSuccess: () => Metric.increment(BusMetrics.publishedOf(message.type)),
    }),
    Effect.withSpan(`publish ${message.type}`, {
      kind: "producer",
      ...(Option.isSome(parent) ? { parent: parent.value } : {}),
      attributes: {
        "messaging.system": "rabbitmq",
        "messaging.operation.type": "send",
        "messaging.destination.name": message.type,
        "messaging.message.id": message.id,
        "messaging.message.conversation_id": message.correlationId,
      },
    }),
  )
}
