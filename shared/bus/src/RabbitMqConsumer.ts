/**
 * Consuming a service's queue on RabbitMQ. Each consumer reads through a channel of its own, with its
 * own prefetch, attached on the live connection, again on every new one, and again when its channel
 * goes (closed, or the consumer cancelled by the broker). Each delivery is handled in a fiber of the
 * consumer's FiberSet, then acknowledged, or dead-lettered and acknowledged.
 */
import type * as amqp from "amqplib"
import { type Duration, Effect, Exit, Fiber, FiberSet, Option, type Scope } from "effect"
import { brokerCall, safely } from "./BrokerCall.ts"
import * as Delivery from "./Delivery.ts"
import type { BrokerError, Consumer } from "./MessageBus.ts"
import type { RabbitMqConnection } from "./RabbitMqConnection.ts"
import type * as RabbitMqDeadLetters from "./RabbitMqDeadLetters.ts"
import type * as Topology from "./Topology.ts"

export interface Options {
  readonly connection: RabbitMqConnection
  readonly topology: Topology.Topology
  /** Unacknowledged messages a consumer holds at once, unless it asks for its own number. */
  readonly prefetch: number
  /** How long a closing consumer waits for its handlers in flight. */
  readonly grace: Duration.Duration
  readonly deadLetter: RabbitMqDeadLetters.Store
}

/** A consumer as the connection's sessions see it: attached to at most one connection at a time. */
interface Registration {
  active: boolean
  model: amqp.ChannelModel | null
  readonly attach: (model: amqp.ChannelModel) => Effect.Effect<void, BrokerError>
}

/** Channels known to be closed: their deliveries come back from the broker. */
const closedChannels = new WeakSet<amqp.Channel>()

export const make = (options: Options) =>
  Effect.gen(function* () {
    const { connection, topology } = options
    const registrations = new Set<Registration>()
    // Re-attaching runs in the bus's scope rather than the consumer's: it ends by itself once the
    // consumer is closed, whereas an attach stopped half-way could leave a channel consuming with
    // nobody to handle its messages. This set is closed after the connection.
    const runInBackground = yield* FiberSet.makeRuntime<never, void, never>()

    /** Attaches every consumer on a new connection, the session's last step before it is live. */
    const resume = (model: amqp.ChannelModel) =>
      Effect.gen(function* () {
        // The set itself, not a copy: a consumer that registers meanwhile is attached too.
        for (const registration of registrations) {
          // One consumer that cannot attach (its queue missing, say) must not keep the others, or
          // publishing, down: it is logged and tries again on the next connection or channel event.
          yield* registration.attach(model).pipe(
            Effect.catchAll((error) => Effect.logWarning(`could not attach a consumer: ${error.message}`)),
          )
        }
      })

    const consume = <E, R>(consumer: Consumer<E, R>): Effect.Effect<void, BrokerError, R | Scope.Scope> =>
      Effect.gen(function* () {
        const queue = topology.queueOf(consumer.service)
        const inFlight = yield* FiberSet.make<void, never>()
        const runHandler = yield* FiberSet.runtime(inFlight)<R>()
        let current: { channel: amqp.Channel; consumerTag: string } | null = null

        const settle = (channel: amqp.Channel, message: amqp.ConsumeMessage) => (outcome: Delivery.Outcome) =>
          outcome._tag !== "DeadLetter"
            ? Effect.sync(() => safely(() => channel.ack(message)))
            // The delivery's channel is gone: the broker gives the message to the consumer again, so a
            // dead letter now would be a second copy of the one the redelivery will make.
            : closedChannels.has(channel)
            ? Effect.void
            : options.deadLetter(message, queue, outcome).pipe(
              Effect.matchEffect({
                onSuccess: () => Effect.sync(() => safely(() => channel.ack(message))),
                // Not stored in the dead-letter queue: give the message back, it will come round again.
                onFailure: (reason) =>
                  Effect.logWarning(`could not dead-letter a message of ${queue}: ${reason}`).pipe(
                    Effect.zipRight(Effect.sync(() => safely(() => channel.nack(message, false, true)))),
                  ),
              }),
            )

        const onMessage = (channel: amqp.Channel, message: amqp.ConsumeMessage) => {
          runHandler(
            Delivery.handle(consumer, queue, {
              body: message.content,
              headers: message.properties.headers ?? {},
            }).pipe(Effect.flatMap(settle(channel, message))),
          )
        }

        /** Attaches anew on the live connection a little later, if this consumer still needs it. */
        const reattachLater = () =>
          runInBackground(
            Effect.gen(function* () {
              yield* Effect.sleep("200 millis")
              const state = yield* connection.now
              if (registration.active && registration.model === null && Option.isSome(state)) {
                yield* registration.attach(state.value.model)
              }
            }).pipe(Effect.catchAll((error) => Effect.logWarning(`re-attaching to ${queue}: ${error.message}`))),
          )

        /** The channel this consumer reads through is gone (closed, or cancelled by the broker). */
        const detached = (channel: amqp.Channel) => {
          // A stale channel closing (say, of a connection already replaced) changes nothing.
          if (current?.channel !== channel) return
          current = null
          registration.model = null
          if (registration.active) reattachLater()
        }

        const registration: Registration = {
          active: true,
          model: null,
          attach: (model) =>
            Effect.gen(function* () {
              if (!registration.active || registration.model === model) return
              registration.model = model
              // Whatever happened while we waited (the consumer closed, another attach won), a
              // channel that is no longer wanted is closed rather than left consuming.
              const stillWanted = () => registration.active && registration.model === model
              const channel = yield* brokerCall("open consumer channel", () => model.createChannel())
              channel.on("error", () => {})
              channel.on("close", () => {
                closedChannels.add(channel)
                detached(channel)
              })
              yield* brokerCall("prefetch", () => channel.prefetch(consumer.prefetch ?? options.prefetch))
              if (!stillWanted()) return yield* Effect.promise(() => channel.close().catch(() => {}))
              const { consumerTag } = yield* brokerCall(`consume ${queue}`, () =>
                channel.consume(queue, (message) => {
                  if (message !== null) return onMessage(channel, message)
                  // The broker cancelled the consumer (its queue was deleted): close and attach anew.
                  channel.close().catch(() => {})
                  detached(channel)
                }, { noAck: false }))
              current = { channel, consumerTag }
              if (!stillWanted()) {
                current = null
                yield* Effect.promise(() => channel.close().catch(() => {}))
              }
            }).pipe(
              Effect.tapError(() =>
                Effect.sync(() => {
                  if (registration.model === model) registration.model = null
                })
              ),
            ),
        }

        // Closing the consumer's scope: stop taking messages, let the handlers in flight finish within
        // the grace, stop those still running, and only then close the channel, which gives back to
        // the queue what they did not acknowledge. Added after the FiberSet, so it runs before the
        // set's own closing (which then finds it empty).
        yield* Effect.addFinalizer(() =>
          Effect.gen(function* () {
            registration.active = false
            registrations.delete(registration)
            const attached = current
            if (attached !== null) {
              yield* Effect.promise(() => attached.channel.cancel(attached.consumerTag).catch(() => {}))
            }
            // Interruptible: a finalizer is not, and the grace period must be able to end the wait.
            const finished = yield* Effect.interruptible(FiberSet.awaitEmpty(inFlight)).pipe(
              Effect.timeout(options.grace),
              Effect.exit,
            )
            if (Exit.isFailure(finished)) yield* Fiber.interruptAll(inFlight)
            if (attached !== null) yield* Effect.promise(() => attached.channel.close().catch(() => {}))
          })
        )
        registrations.add(registration)
        const now = yield* connection.now
        if (Option.isSome(now)) {
          yield* registration.attach(now.value.model).pipe(
            Effect.tapError(() =>
              Effect.sync(() => {
                registration.active = false
                registrations.delete(registration)
              })
            ),
          )
        }
      })

    return { consume, resume }
  })
