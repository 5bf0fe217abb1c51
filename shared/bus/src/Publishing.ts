/** What every adapter does around a publish: the producer span and the headers that carry it. */
import { Catalogue, type AnyMessage } from "@flight/contracts"
import { Traceparent } from "@flight/runtime"
import { Cause, Effect, Exit, Option } from "effect"
import * as BusMetrics from "./BusMetrics.ts"
import type { PublishError, PublishOptions } from "./MessageBus.ts"
import * as MessageSpan from "./MessageSpan.ts"

export interface Outgoing {
  /** A Buffer, which amqplib sends as it is; the in-process adapter keeps it as the Uint8Array it is. */
  readonly body: Buffer
  readonly headers: Record<string, string>
  readonly kind: "event" | "command"
}

/**
 * Encodes the message and runs `send` in a producer span whose traceparent travels in the headers.
 * The span's parent is the trace the message was produced in (an outbox entry's), or the current one.
 *
 * This runs for every message: the span is made and ended around the send (`MessageSpan`), the
 * counts are updated as it ends, with no Effect of their own, and the body is encoded once, into a
 * Buffer (a Uint8Array an adapter can send as it is).
 */
export const traced = <R>(
  message: AnyMessage,
  options: PublishOptions | undefined,
  send: (outgoing: Outgoing) => Effect.Effect<void, PublishError, R>,
): Effect.Effect<void, PublishError, R> => {
  const parent = options?.traceparent ? Traceparent.parse(options.traceparent) : Option.none()
  return MessageSpan.around(`publish ${message.type}`, {
    kind: "producer",
    parent: Option.getOrUndefined(parent),
    attributes: {
      "messaging.system": "rabbitmq",
      "messaging.operation.type": "send",
      "messaging.destination.name": message.type,
      "messaging.message.id": message.id,
      "messaging.message.conversation_id": message.correlationId,
    },
  }, (span) =>
    // The span is not made the parent of `send`: an adapter's send opens no span and logs nothing,
    // and providing it would cost a context update per message.
    Effect.suspend(() =>
      send({
        body: Buffer.from(Catalogue.encodeJson(message)),
        headers: { traceparent: Traceparent.format(span) },
        kind: Catalogue.definitionOf(message.type).kind,
      })
    ), (exit, labels) => {
      // Confirmed, or refused with a PublishError; a defect or an interruption (the relay's timeout,
      // a shutdown) is neither, and is not counted.
      if (Exit.isSuccess(exit)) BusMetrics.publishedOf(message.type).unsafeUpdate(1, labels)
      else if (Option.isSome(Cause.failureOption(exit.cause))) BusMetrics.publishFailedOf(message.type).unsafeUpdate(1, labels)
    })
}
