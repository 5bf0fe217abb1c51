/**
 * How deep a service's queue and its dead-letter queue are on RabbitMQ: `checkQueue` on a channel
 * of its own, since a failing check (the queue missing) closes the channel it ran on.
 */
import type { ServiceName } from "@flight/contracts"
import type * as amqp from "amqplib"
import { Effect } from "effect"
import { brokerCall, quietChannel } from "./BrokerCall.ts"
import type { Depth } from "./DeadLetters.ts"
import type * as Topology from "./Topology.ts"

export const rabbitMq = (model: amqp.ChannelModel, topology: Topology.Topology, service: ServiceName) =>
  Effect.acquireUseRelease(
    quietChannel(brokerCall("open channel", () => model.createChannel())),
    (channel) =>
      Effect.gen(function* () {
        const name = topology.queueOf(service)
        const deadLetterName = topology.deadLetterQueueOf(service)
        const queue = yield* brokerCall(`check ${name}`, () => channel.checkQueue(name))
        const deadLetters = yield* brokerCall(`check ${deadLetterName}`, () => channel.checkQueue(deadLetterName))
        return {
          queue: { name, messages: queue.messageCount, consumers: queue.consumerCount },
          deadLetters: { name: deadLetterName, messages: deadLetters.messageCount },
        } satisfies Depth
      }),
    // Already closed by the broker when a check failed: closing again only rejects.
    (channel) => Effect.promise(() => channel.close().catch(() => {})),
  )
