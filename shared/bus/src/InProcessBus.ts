/**
 * The in-process adapter, for the embedded mode: the same topology, the same codec and the same
 * delivery handling as the RabbitMQ adapter, with queues held in memory. A published message is
 * "confirmed" once it is in every bound queue.
 */
import type { ServiceName } from "@flight/contracts"
import { Context, Duration, Effect, FiberSet, Layer, Queue, Ref, type Scope } from "effect"
import { type DeadLetter, DeadLetters } from "./DeadLetters.ts"
import * as Delivery from "./Delivery.ts"
import { type Consumer, MessageBus, PublishError, sendInStep } from "./MessageBus.ts"
import * as Publishing from "./Publishing.ts"
import * as Topology from "./Topology.ts"

interface Stored extends Delivery.RawDelivery {
  readonly id: string | null
}

export interface Options {
  /** How many messages one consumer handles at once. */
  readonly prefetch?: number
  /** How long a closing consumer waits for its handlers in flight. */
  readonly shutdownGrace?: Duration.DurationInput
}

/** Test controls: what the contract suite needs to act like a broker outage or a foreign producer. */
export interface Controls {
  /** While unavailable, publishing fails as it does when a broker is down. */
  readonly setAvailable: (available: boolean) => Effect.Effect<void>
  /** Puts raw bytes on an exchange, as a misbehaving producer would. */
  readonly sendRaw: (
    exchange: "events" | "commands",
    routingKey: string,
    body: Uint8Array,
    headers?: Record<string, string>,
  ) => Effect.Effect<void>
  readonly depth: (service: ServiceName) => Effect.Effect<number>
}

export const make = (options: Options = {}) =>
  Effect.gen(function* () {
    const prefetch = options.prefetch ?? 16
    const grace = Duration.decode(options.shutdownGrace ?? "30 seconds")
    const topology = Topology.make("in-process")
    const queues = new Map<ServiceName, Queue.Queue<Stored>>()
    const deadLetters = new Map<ServiceName, Array<DeadLetter>>()
    /** The headers each dead letter came with (its traceparent): a replay sends them again, as RabbitMQ's does. */
    const deadLetterHeaders = new WeakMap<DeadLetter, Readonly<Record<string, unknown>>>()
    for (const service of topology.services) {
      queues.set(service, yield* Queue.unbounded<Stored>())
      deadLetters.set(service, [])
    }
    const available = yield* Ref.make(true)
    /** Consumers attached to each service's queue, for `depth`. */
    const consumers = new Map<ServiceName, number>()

    const route = (exchange: string, routingKey: string, stored: Stored) =>
      Effect.forEach(
        topology.bindings.filter((binding) => binding.exchange === exchange && binding.routingKey === routingKey),
        (binding) => Queue.offer(queues.get(serviceOf(binding.queue))!, stored),
        { discard: true },
      )
    const serviceOf = (queue: string) => topology.services.find((service) => topology.queueOf(service) === queue)!

    const publish: MessageBus["Type"]["publish"] = (message, publishOptions) =>
      Publishing.traced(message, publishOptions, (outgoing) =>
        Effect.flatMap(Ref.get(available), (up) =>
          up
            ? route(topology.exchangeFor(outgoing.kind), message.type, {
              id: message.id,
              body: outgoing.body,
              headers: outgoing.headers,
            })
            : Effect.fail(new PublishError({ messageType: message.type, messageId: message.id, reason: "broker unavailable" }))))

    const settle = (service: ServiceName, stored: Stored, outcome: Delivery.Outcome) =>
      Effect.sync(() => {
        if (outcome._tag !== "DeadLetter") return
        const letter: DeadLetter = {
          id: stored.id ?? crypto.randomUUID(),
          messageType: outcome.messageType,
          reason: outcome.reason,
          detail: outcome.detail,
          queue: topology.queueOf(service),
          deadLetteredAt: new Date().toISOString(),
          attempts: outcome.attempts,
          body: new TextDecoder().decode(stored.body),
        }
        deadLetters.get(service)!.push(letter)
        deadLetterHeaders.set(letter, stored.headers)
      })

    const consume = <E, R>(consumer: Consumer<E, R>): Effect.Effect<void, never, R | Scope.Scope> =>
      Effect.gen(function* () {
        const queue = queues.get(consumer.service)
        if (queue === undefined) return yield* Effect.dieMessage(`no queue: ${consumer.service} consumes nothing`)
        const name = topology.queueOf(consumer.service)
        const inHand = consumer.prefetch ?? prefetch
        const permits = yield* Effect.makeSemaphore(inHand)
        const work = (stored: Stored) =>
          Delivery.handle(consumer, name, stored).pipe(
            Effect.flatMap((outcome) => settle(consumer.service, stored, outcome)),
            // A handler stopped past the grace period did not finish: the message goes back.
            Effect.onInterrupt(() => Queue.offer(queue, stored)),
            Effect.ensuring(permits.release(1)),
          )
        // The scope closes these in reverse order: no message is taken any more, the handlers in
        // flight finish within the grace, and the FiberSet stops those still running.
        const inFlight = yield* FiberSet.make<void, never>()
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => consumers.set(consumer.service, (consumers.get(consumer.service) ?? 1) - 1)).pipe(
            // Interruptible: a finalizer is not, and the grace period must be able to end the wait.
            Effect.zipRight(Effect.interruptible(FiberSet.awaitEmpty(inFlight)).pipe(Effect.timeout(grace), Effect.ignore)),
          )
        )
        yield* permits.take(1).pipe(
          Effect.zipRight(Effect.uninterruptibleMask((restore) =>
            restore(Queue.take(queue)).pipe(
              Effect.onInterrupt(() => permits.release(1)),
              // Forked from an uninterruptible region, the handler would inherit it: the grace period
              // could then never stop it.
              Effect.flatMap((stored) => FiberSet.run(inFlight, Effect.interruptible(work(stored)))),
            )
          )),
          Effect.forever,
          Effect.forkScoped,
        )
        consumers.set(consumer.service, (consumers.get(consumer.service) ?? 0) + 1)
      })

    /** Messages in a service's queue not yet taken (a queue with takers waiting has a negative size). */
    const waiting = (service: ServiceName) => {
      const queue = queues.get(service)
      return queue === undefined ? Effect.succeed(0) : Effect.map(Queue.size(queue), (size) => Math.max(0, size))
    }

    const controls: Controls = {
      setAvailable: (up) => Ref.set(available, up),
      sendRaw: (exchange, routingKey, body, headers = {}) =>
        route(exchange === "events" ? topology.eventsExchange : topology.commandsExchange, routingKey, {
          id: null,
          body,
          headers,
        }),
      depth: waiting,
    }

    const deadLetterPort: DeadLetters["Type"] = {
      list: (service) => Effect.sync(() => [...(deadLetters.get(service) ?? [])]),
      replay: (service, ids) =>
        Effect.gen(function* () {
          const letters = deadLetters.get(service) ?? []
          const chosen = letters.filter((letter) => ids === undefined || ids.includes(letter.id))
          deadLetters.set(service, letters.filter((letter) => !chosen.includes(letter)))
          const queue = queues.get(service)
          if (queue === undefined) return 0
          yield* Effect.forEach(chosen, (letter) =>
            Queue.offer(queue, { id: letter.id, body: new TextEncoder().encode(letter.body), headers: deadLetterHeaders.get(letter) ?? {} }), { discard: true })
          return chosen.length
        }),
      depth: (service) =>
        Effect.map(waiting(service), (messages) => ({
          queue: { name: topology.queueOf(service), messages, consumers: consumers.get(service) ?? 0 },
          deadLetters: { name: topology.deadLetterQueueOf(service), messages: deadLetters.get(service)?.length ?? 0 },
        })),
    }

    const bus: MessageBus["Type"] = {
      publish,
      // A publish here ends where it runs (in every bound queue at once): its end is the answer.
      send: sendInStep(publish),
      consume: consume as MessageBus["Type"]["consume"],
      healthy: Ref.get(available),
    }
    return { bus, deadLetters: deadLetterPort, controls }
  })

export const layer = (options: Options = {}): Layer.Layer<MessageBus | DeadLetters> =>
  Layer.scopedContext(Effect.map(make(options), ({ bus, deadLetters }) =>
    Context.make(MessageBus, bus).pipe(Context.add(DeadLetters, deadLetters))))
