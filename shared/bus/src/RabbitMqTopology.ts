/**
 * The topology on RabbitMQ: durable exchanges, durable quorum queues with a dead-letter queue beside
 * each, and the bindings the catalogue asks for. Declared on every new connection, so a broker that
 * lost its state (or a fresh prefix) is set up before anything is published.
 */
import type * as amqp from "amqplib"
import { Effect } from "effect"
import { brokerCall } from "./BrokerCall.ts"
import type * as Topology from "./Topology.ts"

/** Declares the exchanges, queues, dead-letter queues and bindings. Idempotent. */
export const declareTopology = (channel: amqp.Channel, topology: Topology.Topology) =>
  Effect.gen(function* () {
    yield* brokerCall("declare events exchange", () => channel.assertExchange(topology.eventsExchange, "topic", { durable: true }))
    yield* brokerCall("declare commands exchange", () => channel.assertExchange(topology.commandsExchange, "direct", { durable: true }))
    yield* brokerCall("declare dead-letter exchange", () =>
      channel.assertExchange(topology.deadLetterExchange, "direct", { durable: true }))
    for (const service of topology.services) {
      const queue = topology.queueOf(service)
      const deadLetterQueue = topology.deadLetterQueueOf(service)
      yield* brokerCall(`declare ${deadLetterQueue}`, () =>
        channel.assertQueue(deadLetterQueue, { durable: true, arguments: { "x-queue-type": "quorum" } }))
      yield* brokerCall(`bind ${deadLetterQueue}`, () => channel.bindQueue(deadLetterQueue, topology.deadLetterExchange, queue))
      yield* brokerCall(`declare ${queue}`, () =>
        channel.assertQueue(queue, {
          durable: true,
          arguments: {
            "x-queue-type": "quorum",
            // Messages rejected without our own dead-lettering (e.g. by an operator) still land there.
            "x-dead-letter-exchange": topology.deadLetterExchange,
            "x-dead-letter-routing-key": queue,
          },
        }))
    }
    for (const binding of topology.bindings) {
      yield* brokerCall(`bind ${binding.queue} to ${binding.routingKey}`, () =>
        channel.bindQueue(binding.queue, binding.exchange, binding.routingKey))
    }
  })

/** Declares the topology on a channel of its own, closed afterwards: the set-up step of a new connection. */
export const declareOn = (model: amqp.ChannelModel, topology: Topology.Topology) =>
  Effect.gen(function* () {
    const setup = yield* brokerCall("open channel", () => model.createChannel())
    setup.on("error", () => {})
    yield* declareTopology(setup, topology)
    yield* brokerCall("close channel", () => setup.close())
  })

/** Removes everything `declareTopology` made (for tests that use a throw-away prefix). */
export const deleteTopology = (channel: amqp.Channel, topology: Topology.Topology) =>
  Effect.gen(function* () {
    for (const service of topology.services) {
      yield* brokerCall("delete queue", () => channel.deleteQueue(topology.queueOf(service)))
      yield* brokerCall("delete queue", () => channel.deleteQueue(topology.deadLetterQueueOf(service)))
    }
    for (const exchange of [topology.eventsExchange, topology.commandsExchange, topology.deadLetterExchange]) {
      yield* brokerCall("delete exchange", () => channel.deleteExchange(exchange))
    }
  })
