/** What every adapter does around a publish: the producer span and the headers that carry it. */
import { Catalogue, type Publishable, StoredMessage } from "@flight/contracts"
import { Spans, Traceparent } from "@flight/runtime"
import { Cause, Effect, Exit, type MetricLabel, Option, type Tracer } from "effect"
import * as BusMetrics from "./BusMetrics.ts"
import type { PublishError, PublishOptions } from "./MessageBus.ts"

export interface Outgoing {
  /** A Buffer, which amqplib sends as it is; the in-process adapter keeps it as the Uint8Array it is. */
  readonly body: Buffer
  readonly headers: Record<string, string>
  readonly kind: "event" | "command"
}

/** The producer span's options: its parent is the trace the message was produced in (an outbox entry's), or the current one. */
export const spanOptions = (message: Publishable, options: PublishOptions | undefined): Spans.Options => ({
  kind: "producer",
  parent: options?.traceparent ? Option.getOrUndefined(Traceparent.parse(options.traceparent)) : undefined,
  attributes: {
    "messaging.system": "rabbitmq",
    "messaging.operation.type": "send",
    "messaging.destination.name": message.type,
    "messaging.message.id": message.id,
    "messaging.message.conversation_id": message.correlationId,
  },
})

/**
 * The message encoded into a Buffer (a Uint8Array an adapter can send as it is), with the span's
 * traceparent; a stored message's JSON as it was stored (`StoredMessage`).
 */
export const outgoingOf = (message: Publishable, span: Tracer.Span): Outgoing => ({
  body: Buffer.from(StoredMessage.isStored(message) ? message.json : Catalogue.encodeJson(message)),
  headers: { traceparent: Traceparent.format(span) },
  kind: Catalogue.definitionOf(message.type).kind,
})

/**
 * Counts a publish as it ends: confirmed, or refused with a PublishError; a defect or an
 * interruption (the relay's timeout, a shutdown) is neither, and is not counted.
 */
export const count = (message: Publishable, exit: Exit.Exit<void, PublishError>, labels: ReadonlyArray<MetricLabel.MetricLabel>) => {
  if (Exit.isSuccess(exit)) BusMetrics.publishedOf(message.type).unsafeUpdate(1, labels)
  else if (Option.isSome(Cause.failureOption(exit.cause))) BusMetrics.publishFailedOf(message.type).unsafeUpdate(1, labels)
}

/**
 * Encodes the message and runs `send` in a producer span whose traceparent travels in the headers.
 *
 * This runs for every message: the span is made and ended around the send (`Spans`), the
 * counts are updated as it ends, with no Effect of their own, and the body is encoded once.
 */
export const traced = <R>(
  message: Publishable,
  options: PublishOptions | undefined,
  send: (outgoing: Outgoing) => Effect.Effect<void, PublishError, R>,
): Effect.Effect<void, PublishError, R> =>
  Spans.around(
    `publish ${message.type}`,
    spanOptions(message, options),
    // The span is not made the parent of `send`: an adapter's send opens no span and logs nothing,
    // and providing it would cost a context update per message.
    (span) => Effect.suspend(() => send(outgoingOf(message, span))),
    (exit, labels) => count(message, exit, labels),
  )
