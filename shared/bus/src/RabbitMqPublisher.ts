/**
 * Publishing on RabbitMQ: a message goes, persistent, through the live connection's confirm channel
 * to the exchange of its kind, and the publish succeeds only once the broker has confirmed it. The
 * wait for a connection and the wait for the confirm are each bounded by the publish timeout.
 */
import type { AnyMessage } from "@flight/contracts"
import type * as amqp from "amqplib"
import { Duration, Effect } from "effect"
import { type MessageBus, PublishError } from "./MessageBus.ts"
import * as Publishing from "./Publishing.ts"
import type { RabbitMqConnection } from "./RabbitMqConnection.ts"
import type * as Topology from "./Topology.ts"

/** Sends one message on a confirm channel and waits for the broker's ack, at most `timeout`. */
export const confirmed = (
  channel: amqp.ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: amqp.Options.Publish,
  timeout: Duration.Duration,
) =>
  Effect.async<void, string>((resume) => {
    // A timer of our own rather than Effect.timeout: this is the hot path of every publish.
    const timer = setTimeout(() => resume(Effect.fail("no confirm from the broker in time")), Duration.toMillis(timeout))
    const settle = (outcome: Effect.Effect<void, string>) => {
      clearTimeout(timer)
      resume(outcome)
    }
    try {
      channel.publish(exchange, routingKey, content, options, (error) =>
        settle(error ? Effect.fail(error instanceof Error ? error.message : String(error)) : Effect.void))
    } catch (error) {
      settle(Effect.fail(error instanceof Error ? error.message : String(error)))
    }
    return Effect.sync(() => clearTimeout(timer))
  })

/**
 * The properties a message is published with: persistent, its id, type, correlation, source and
 * time, and its version beside `headers` (the traceparent).
 */
export const propertiesOf = (message: AnyMessage, headers: Readonly<Record<string, string>>): amqp.Options.Publish => ({
  persistent: true,
  messageId: message.id,
  type: message.type,
  contentType: "application/json",
  correlationId: message.correlationId,
  appId: message.source,
  timestamp: Math.floor(message.occurredAt.epochMillis / 1000),
  headers: { ...headers, "x-message-version": message.version },
})

/** The bus's `publish`: the producer span and metrics of `Publishing.traced` around a confirmed send. */
export const make = (
  connection: RabbitMqConnection,
  topology: Topology.Topology,
  timeout: Duration.Duration,
): MessageBus["Type"]["publish"] =>
(message, publishOptions) =>
  Publishing.traced(message, publishOptions, (outgoing) =>
    connection.withLive(timeout, ({ publisher }) =>
      confirmed(publisher, topology.exchangeFor(outgoing.kind), message.type, outgoing.body, propertiesOf(message, outgoing.headers), timeout)
    ).pipe(
        Effect.mapError((reason) => new PublishError({ messageType: message.type, messageId: message.id, reason })),
      ))
