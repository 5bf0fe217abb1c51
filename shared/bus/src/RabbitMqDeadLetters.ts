/**
 * Dead letters on RabbitMQ. A message its consumer gave up on is published, with headers saying why,
 * to the dead-letter exchange, which routes it to the dead-letter queue beside its queue. The tools
 * read that queue without consuming it (every message got, then given back), replay chosen messages
 * onto the service's queue, and count both queues.
 */
import type { ServiceName } from "@flight/contracts"
import type { KeyedLock } from "@flight/runtime"
import type * as amqp from "amqplib"
import { type Duration, Effect } from "effect"
import { brokerCall, quietChannel, safely } from "./BrokerCall.ts"
import type { DeadLetter, DeadLetters } from "./DeadLetters.ts"
import * as Delivery from "./Delivery.ts"
import { BrokerError } from "./MessageBus.ts"
import * as QueueDepth from "./QueueDepth.ts"
import type { RabbitMqConnection } from "./RabbitMqConnection.ts"
import { confirmed } from "./RabbitMqPublisher.ts"
import type * as Topology from "./Topology.ts"

/** Stores a delivered message in its queue's dead letters; the consumer settles the delivery after. */
export type Store = (
  message: amqp.Message,
  queue: string,
  outcome: Extract<Delivery.Outcome, { _tag: "DeadLetter" }>,
) => Effect.Effect<void, string>

/** A copy of the message with headers saying why, confirmed by the broker at most `timeout` after the wait for a connection. */
export const store = (connection: RabbitMqConnection, topology: Topology.Topology, timeout: Duration.Duration): Store =>
(message, queue, outcome) =>
  connection.withLive(timeout, ({ publisher }) =>
    confirmed(publisher, topology.deadLetterExchange, queue, message.content, {
      ...message.properties,
      persistent: true,
      messageId: message.properties.messageId ?? crypto.randomUUID(),
      type: message.properties.type ?? outcome.messageType ?? undefined,
      headers: {
        ...message.properties.headers,
        [Delivery.DeadLetterHeaders.reason]: outcome.reason,
        [Delivery.DeadLetterHeaders.detail]: outcome.detail,
        [Delivery.DeadLetterHeaders.queue]: queue,
        [Delivery.DeadLetterHeaders.at]: new Date().toISOString(),
        [Delivery.DeadLetterHeaders.attempts]: outcome.attempts,
      },
    }, timeout))

/**
 * The dead-letter port: list, replay and depth, each on a channel of its own of the live connection.
 * A listing holds the messages it read until it gives them back, so a replay of the same service
 * meanwhile would not find them: in this process the two take turns, service by service (`turns`).
 */
export const make = (
  connection: RabbitMqConnection,
  topology: Topology.Topology,
  timeout: Duration.Duration,
  turns: KeyedLock.KeyedLock,
): DeadLetters["Type"] => {
  const withLiveBroker = <A>(use: (model: amqp.ChannelModel) => Effect.Effect<A, BrokerError>) =>
    connection.awaitLive(timeout).pipe(
      Effect.mapError((reason) => new BrokerError({ operation: "connect", reason })),
      Effect.flatMap(({ model }) => use(model)),
    )

  /**
   * Reads a dead-letter queue without consuming it: every message is got, then given back. All of
   * them, even when fewer are shown: a quorum queue puts messages given back behind those never got,
   * so a partial read would reorder the queue.
   */
  const list = (service: ServiceName) =>
    withLiveBroker((model) =>
      Effect.acquireUseRelease(
        quietChannel(brokerCall("open channel", () => model.createChannel())),
        (channel) =>
          Effect.gen(function* () {
            const letters: Array<DeadLetter> = []
            while (true) {
              const message = yield* brokerCall("get", () => channel.get(topology.deadLetterQueueOf(service), { noAck: false }))
              if (message === false) break
              letters.push(toDeadLetter(message, topology.queueOf(service)))
            }
            return letters
          }),
        // Every message we got goes back to the queue, in order: said explicitly before the close
        // (which would do it too), so the broker has them back before a replay that follows.
        (channel) =>
          Effect.promise(() => {
            safely(() => channel.nackAll(true))
            return channel.close().catch(() => {})
          }),
      )
    ).pipe(turns.alone(service))

  const replay = (service: ServiceName, ids?: ReadonlyArray<string>) =>
    withLiveBroker((model) =>
      Effect.acquireUseRelease(
        quietChannel(brokerCall("open confirm channel", () => model.createConfirmChannel())),
        (channel) =>
          Effect.gen(function* () {
            let replayed = 0
            // A replayed message that fails again comes back to this queue: seeing an id a second
            // time means everything that was there has been through, so the replay ends.
            const seen = new Set<string>()
            while (true) {
              const message = yield* brokerCall("get", () => channel.get(topology.deadLetterQueueOf(service), { noAck: false }))
              if (message === false) break
              const letter = toDeadLetter(message, topology.queueOf(service))
              if (seen.has(letter.id)) {
                channel.nack(message, false, true)
                break
              }
              seen.add(letter.id)
              if (ids !== undefined && !ids.includes(letter.id)) continue
              const headers = Object.fromEntries(
                Object.entries(message.properties.headers ?? {}).filter(([name]) => !name.startsWith("x-dead-letter")
                  && name !== Delivery.DeadLetterHeaders.at && name !== "x-death"),
              )
              yield* confirmed(channel, "", topology.queueOf(service), message.content, {
                ...message.properties,
                headers,
              }, timeout).pipe(Effect.mapError((reason) => new BrokerError({ operation: "replay", reason })))
              channel.ack(message)
              replayed += 1
            }
            return replayed
          }),
        (channel) => Effect.promise(() => channel.close().catch(() => {})),
      )
    ).pipe(turns.alone(service))

  const depth = (service: ServiceName) => withLiveBroker((model) => QueueDepth.rabbitMq(model, topology, service))

  return { list, replay, depth }
}

const headerString = (headers: Record<string, unknown> | undefined, name: string): string | null => {
  const value = headers?.[name]
  if (typeof value === "string") return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8")
  return value === undefined || value === null ? null : String(value)
}

const toDeadLetter = (message: amqp.GetMessage, queue: string): DeadLetter => {
  const headers = message.properties.headers
  return {
    id: message.properties.messageId ?? "",
    messageType: message.properties.type ?? null,
    reason: headerString(headers, Delivery.DeadLetterHeaders.reason) ?? "rejected-by-broker",
    detail: headerString(headers, Delivery.DeadLetterHeaders.detail) ?? "",
    queue: headerString(headers, Delivery.DeadLetterHeaders.queue) ?? queue,
    deadLetteredAt: headerString(headers, Delivery.DeadLetterHeaders.at) ?? "",
    attempts: Number(headers?.[Delivery.DeadLetterHeaders.attempts] ?? 0),
    body: message.content.toString("utf8"),
  }
}
