/**
 * Publishing on RabbitMQ: a message goes, persistent, through the live connection's confirm channel
 * to the exchange of its kind, and the publish succeeds only once the broker has confirmed it. The
 * wait for a connection and the wait for the confirm are each bounded by the publish timeout.
 */
import type { Publishable } from "@flight/contracts"
import type * as amqp from "amqplib"
import { Duration, Effect, Exit, type Fiber, FiberRef, type MetricLabel, Option } from "effect"
import { type Answered, type MessageBus, PublishError, type PublishOptions, sendByFiber } from "./MessageBus.ts"
import { Spans } from "@flight/runtime"
import * as Publishing from "./Publishing.ts"
import type { RabbitMqConnection } from "./RabbitMqConnection.ts"
import type * as Topology from "./Topology.ts"

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * Writes one message to a confirm channel; `answered` is told once: null when the broker confirmed
 * it, else why not (a refusal, a channel that threw, no confirm within `millis`, a timer of our own
 * rather than Effect.timeout: this is the hot path of every publish). Answers a function that stops
 * waiting (nothing is told after it).
 */
const send = (
  channel: amqp.ConfirmChannel,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: amqp.Options.Publish,
  millis: number,
  answered: (refusal: string | null) => void,
): () => void => {
  let done = false
  const answer = (refusal: string | null) => {
    if (done) return
    done = true
    clearTimeout(timer)
    answered(refusal)
  }
  const timer = setTimeout(() => answer("no confirm from the broker in time"), millis)
  try {
    channel.publish(exchange, routingKey, content, options, (error) => answer(error ? reasonOf(error) : null))
  } catch (error) {
    answer(reasonOf(error))
  }
  return () => {
    done = true
    clearTimeout(timer)
  }
}

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
    const stop = send(channel, exchange, routingKey, content, options, Duration.toMillis(timeout), (refusal) =>
      resume(refusal === null ? Effect.void : Effect.fail(refusal)))
    return Effect.sync(stop)
  })

/**
 * The properties a message is published with: persistent, its id, type, correlation, source and
 * time, and its version beside `headers` (the traceparent).
 */
export const propertiesOf = (message: Publishable, headers: Readonly<Record<string, string>>): amqp.Options.Publish => ({
  persistent: true,
  messageId: message.id,
  type: message.type,
  contentType: "application/json",
  correlationId: message.correlationId,
  appId: message.source,
  timestamp: Math.floor(message.occurredAt.epochMillis / 1000),
  headers: { ...headers, "x-message-version": message.version },
})

/** The bus's `publish` when no connection is live: the producer span around a wait for one, then the confirmed send. */
const awaitingConnection = (
  connection: RabbitMqConnection,
  topology: Topology.Topology,
  timeout: Duration.Duration,
  message: Publishable,
  publishOptions: PublishOptions | undefined,
) =>
  Publishing.traced(message, publishOptions, (outgoing) =>
    connection.withLive(timeout, ({ publisher }) =>
      confirmed(publisher, topology.exchangeFor(outgoing.kind), message.type, outgoing.body, propertiesOf(message, outgoing.headers), timeout)
    ).pipe(
      Effect.mapError((reason) => new PublishError({ messageType: message.type, messageId: message.id, reason })),
    ))

/** A message made ready to write, in its producer span, with the counts' labels of the fiber that sends it. */
interface Ready extends Spans.Opened {
  readonly labels: ReadonlyArray<MetricLabel.MetricLabel>
  readonly exchange: string
  readonly body: Buffer
  readonly properties: amqp.Options.Publish
}

/**
 * Opens the producer span on `fiber` (whose tracing is on) and makes the message ready to write under
 * it. A message that cannot be made ready (encoded, routed) is a defect, as `Publishing.traced` makes
 * it: its span is ended so, and the defect answered.
 */
const prepared = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  topology: Topology.Topology,
  message: Publishable,
  publishOptions: PublishOptions | undefined,
): Ready | { readonly defect: unknown } => {
  const { span, now } = Spans.open(fiber, `publish ${message.type}`, Publishing.spanOptions(message, publishOptions))
  try {
    const { kind, body, headers } = Publishing.outgoingOf(message, span)
    const labels = fiber.getFiberRef(FiberRef.currentMetricLabels)
    return { span, now, labels, exchange: topology.exchangeFor(kind), body, properties: propertiesOf(message, headers) }
  } catch (defect) {
    span.end(now(), Exit.die(defect))
    return { defect }
  }
}

/**
 * Writes a prepared message; the broker's answer (or no confirm within `millis`) ends its span, counts
 * the publish and is told to `told`, once. Answers a function that stops waiting (see `send`).
 */
const write = (publisher: amqp.ConfirmChannel, ready: Ready, message: Publishable, millis: number, told: Answered) =>
  send(publisher, ready.exchange, message.type, ready.body, ready.properties, millis, (refusal) => {
    const exit = refusal === null
      ? Exit.void
      : Exit.fail(new PublishError({ messageType: message.type, messageId: message.id, reason: refusal }))
    ready.span.end(ready.now(), exit)
    Publishing.count(message, exit, ready.labels)
    told(exit)
  })

/**
 * The bus's `publish`: the producer span and metrics of `Publishing` around a confirmed send. On a
 * live connection with tracing on (every publish but those during a reconnection), it is one step
 * and one wait: the span opened, the message encoded and sent, and the confirm (or the timeout, or an
 * interruption) ending the span, counting the publish and resuming the caller in one callback. The
 * same as `Publishing.traced` around `confirmed`, without the dozen Effects between them, which cost
 * as much as the rest of the adapter's work (docs/benchmarks.md, "The bus's publish in one step").
 */
export const make = (
  connection: RabbitMqConnection,
  topology: Topology.Topology,
  timeout: Duration.Duration,
): MessageBus["Type"]["publish"] => {
  const millis = Duration.toMillis(timeout)
  return (message, publishOptions) =>
    Effect.flatMap(connection.now, (live) =>
      Option.isNone(live)
        ? awaitingConnection(connection, topology, timeout, message, publishOptions)
        : Effect.uninterruptibleMask((restore) => Effect.withFiberRuntime<void, PublishError>((fiber) => {
          if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return restore(awaitingConnection(connection, topology, timeout, message, publishOptions))
          // Opened, encoded and sent with interruption held off, so that an interruption however it
          // lands (before the send, or between it and the wait) ends the span below.
          const ready = prepared(fiber, topology, message, publishOptions)
          if ("defect" in ready) return Effect.die(ready.defect)
          // Whether the broker answered (or the wait ran out); `stop` ends the wait, so nothing is answered after.
          let settled = false
          let stop = () => {}
          const answered = Effect.async<void, PublishError>((resume) => {
            stop = write(live.value.publisher, ready, message, millis, (exit) => {
              settled = true
              resume(exit)
            })
          })
          // Interrupted before the broker answered: the span ends so, uncounted, and a late answer changes nothing.
          return Effect.matchCauseEffect(restore(answered), {
            onSuccess: () => Effect.void,
            onFailure: (cause) => {
              if (!settled) {
                settled = true
                stop()
                ready.span.end(ready.now(), Exit.failCause(cause))
              }
              return Effect.failCause(cause)
            },
          })
        }))
    )
}

/**
 * The bus's `send` (MessageBus): on a live connection with tracing on, the message is written in its
 * producer span as the effect runs, and the broker's answer (or the timeout) ends the span, counts
 * the publish and tells `answered`, in the confirm's callback: no fiber and no wait in the caller. A
 * publisher keeping many messages awaiting their confirms (the outbox relay) makes none for each.
 * Otherwise (no connection now, or tracing off) it is `publish` in a fiber of its own.
 */
export const makeSend = (
  connection: RabbitMqConnection,
  topology: Topology.Topology,
  timeout: Duration.Duration,
  publish: MessageBus["Type"]["publish"],
): MessageBus["Type"]["send"] => {
  const millis = Duration.toMillis(timeout)
  const byFiber = sendByFiber(publish)
  return (message, publishOptions, answered) =>
    Effect.flatMap(connection.now, (live) =>
      Option.isNone(live)
        ? byFiber(message, publishOptions, answered)
        : Effect.withFiberRuntime<void>((fiber) => {
          if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return byFiber(message, publishOptions, answered)
          const ready = prepared(fiber, topology, message, publishOptions)
          if ("defect" in ready) return Effect.die(ready.defect)
          write(live.value.publisher, ready, message, millis, answered)
          return Effect.void
        })
    )
}
