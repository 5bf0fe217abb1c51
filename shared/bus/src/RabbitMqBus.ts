/**
 * The RabbitMQ adapter over amqplib, composed of one module per concept: the connection and its
 * supervisor (RabbitMqConnection), the topology declared on every connection (RabbitMqTopology),
 * publishing with confirms (RabbitMqPublisher), consumers re-attached on every connection
 * (RabbitMqConsumer), and dead letters (RabbitMqDeadLetters). Messages are persistent; queues are
 * durable quorum queues with dead-letter queues beside them.
 */
import { KeyedLock } from "@flight/runtime"
import { Context, Duration, Effect, Layer, type Redacted, type Schedule } from "effect"
import { DeadLetters } from "./DeadLetters.ts"
import * as HandlerPolicy from "./HandlerPolicy.ts"
import { type BrokerError, MessageBus } from "./MessageBus.ts"
import * as RabbitMqConnection from "./RabbitMqConnection.ts"
import * as RabbitMqConsumer from "./RabbitMqConsumer.ts"
import * as RabbitMqDeadLetters from "./RabbitMqDeadLetters.ts"
import * as RabbitMqPublisher from "./RabbitMqPublisher.ts"
import * as RabbitMqTopology from "./RabbitMqTopology.ts"
import * as Topology from "./Topology.ts"

/** Kept here for the importers that declare or delete a topology through the bus. */
export { declareTopology, deleteTopology } from "./RabbitMqTopology.ts"

export interface Options {
  readonly url: Redacted.Redacted<string> | string
  /** Names every exchange and queue: `<prefix>.events`, `<prefix>.booking`, ... */
  readonly prefix?: string
  /** Unacknowledged messages a consumer holds at once. */
  readonly prefetch?: number
  /** Shown in the broker's connection list. */
  readonly connectionName?: string
  readonly reconnect?: Schedule.Schedule<unknown>
  /** How long a publish waits for a connection and then for its confirm. */
  readonly publishTimeout?: Duration.DurationInput
  /** How long a closing consumer waits for its handlers in flight. */
  readonly shutdownGrace?: Duration.DurationInput
  /** Declare the topology on connecting (default). Tools that only inspect it pass false. */
  readonly declareTopology?: boolean
  /** How long the layer waits for the first connection before the service gives up starting. */
  readonly startTimeout?: Duration.DurationInput
}

export const make = (options: Options) =>
  Effect.gen(function* () {
    const topology = Topology.make(options.prefix ?? "flight-booking")
    const publishTimeout = Duration.decode(options.publishTimeout ?? "10 seconds")
    const connection = yield* RabbitMqConnection.make({
      url: options.url,
      connectionName: options.connectionName ?? topology.prefix,
      prefix: topology.prefix,
      reconnect: options.reconnect ?? HandlerPolicy.reconnect,
      startTimeout: options.startTimeout ?? "30 seconds",
    })
    const consumers = yield* RabbitMqConsumer.make({
      connection,
      topology,
      prefetch: options.prefetch ?? 16,
      grace: Duration.decode(options.shutdownGrace ?? "30 seconds"),
      deadLetter: RabbitMqDeadLetters.store(connection, topology, publishTimeout),
    })
    // Supervised after the consumers are made: a scope closes in reverse order, so the connection
    // closes before their re-attaching in the background is stopped (an attach cut short then leaves
    // no channel behind), and consumers opened later in the scope close before the connection.
    const started = yield* connection.supervise({
      prepare: (options.declareTopology ?? true)
        ? (model) => RabbitMqTopology.declareOn(model, topology)
        : () => Effect.void,
      resume: consumers.resume,
    })
    const publish = RabbitMqPublisher.make(connection, topology, publishTimeout)
    const bus: MessageBus["Type"] = {
      publish,
      send: RabbitMqPublisher.makeSend(connection, topology, publishTimeout, publish),
      consume: consumers.consume as MessageBus["Type"]["consume"],
      healthy: connection.healthy,
    }
    const deadLetters: DeadLetters["Type"] = RabbitMqDeadLetters.make(connection, topology, publishTimeout, yield* KeyedLock.make)
    return { bus, deadLetters, started, topology }
  })

/**
 * The bus as a Layer. It is built once the first connection is up and the topology declared, so a
 * service does not report ready (or start consuming) against a broker it never reached.
 */
export const layer = (options: Options): Layer.Layer<MessageBus | DeadLetters, BrokerError> =>
  Layer.scopedContext(Effect.gen(function* () {
    const { bus, deadLetters, started } = yield* make(options)
    yield* started
    return Context.make(MessageBus, bus).pipe(Context.add(DeadLetters, deadLetters))
  }))
