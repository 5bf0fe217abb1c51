/**
 * The RabbitMQ adapter over amqplib. One connection per bus, kept alive by a supervisor that
 * reconnects with a typed backoff Schedule and then re-declares the topology and re-attaches every
 * consumer. Publishing waits for the broker's confirm; messages are persistent; queues are durable
 * quorum queues with dead-letter queues beside them.
 */
import type { ServiceName } from "@flight/contracts"
import * as amqp from "amqplib"
import {
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Redacted,
  Runtime,
  type Schedule,
  type Scope,
  Stream,
  SubscriptionRef,
} from "effect"
import { brokerCall, quietChannel } from "./BrokerCall.ts"
import { type DeadLetter, DeadLetters } from "./DeadLetters.ts"
import * as Delivery from "./Delivery.ts"
import * as HandlerPolicy from "./HandlerPolicy.ts"
import { BrokerError, type Consumer, MessageBus, PublishError } from "./MessageBus.ts"
import * as Publishing from "./Publishing.ts"
import * as QueueDepth from "./QueueDepth.ts"
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

interface Live {
  readonly model: amqp.ChannelModel
  readonly publisher: amqp.ConfirmChannel
}

interface Registration {
  active: boolean
  model: amqp.ChannelModel | null
  readonly attach: (model: amqp.ChannelModel) => Effect.Effect<void, BrokerError>
}

/** Sends one message on a confirm channel and waits for the broker's ack, at most `timeout`. */
const confirmed = (
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
 * Closes a connection, at most waiting 5 s for the broker's answer: a broker that went silent
 * (a network partition) never answers, and shutdown must not hang on it.
 */
const closeConnection = (model: amqp.ChannelModel) =>
  // Interruptible, or the timeout (in a finalizer, which is not) would wait for the close it races.
  Effect.interruptible(Effect.promise(() => model.close().catch(() => {}))).pipe(
    Effect.timeout("5 seconds"),
    Effect.catchAll(() =>
      Effect.sync(() => (model as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.())
    ),
  )

const headerString = (headers: Record<string, unknown> | undefined, name: string): string | null => {
  const value = headers?.[name]
  if (typeof value === "string") return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8")
  return value === undefined || value === null ? null : String(value)
}

export const make = (options: Options) =>
  Effect.gen(function* () {
    const topology = Topology.make(options.prefix ?? "flight-booking")
    const prefetch = options.prefetch ?? 16
    const publishTimeout = Duration.decode(options.publishTimeout ?? "10 seconds")
    const grace = Duration.decode(options.shutdownGrace ?? "30 seconds")
    const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
    const live = yield* SubscriptionRef.make(Option.none<Live>())
    const registrations = new Set<Registration>()

    /** A connection that closes with the session's scope. */
    const connect = Effect.gen(function* () {
      const model = yield* Effect.acquireRelease(
        brokerCall("connect", () =>
          amqp.connect(url, {
            clientProperties: { connection_name: options.connectionName ?? topology.prefix },
            // Bounds the TCP connect and the AMQP handshake: a broker that accepts and never answers.
            timeout: 10_000,
          })),
        closeConnection,
      )
      const closed = yield* Deferred.make<void>()
      model.on("error", () => {
        // The 'close' that follows drives reconnection; an error without a listener would crash.
      })
      model.on("close", () => Deferred.unsafeDone(closed, Exit.void))
      return { model, closed }
    })

    /** One connection's life: set up, serve until it closes, then clear the state. */
    const session = Effect.gen(function* () {
      const { model, closed } = yield* connect
      yield* Effect.addFinalizer(() => SubscriptionRef.set(live, Option.none()))
      if (options.declareTopology ?? true) yield* RabbitMqTopology.declareOn(model, topology)
      const publisher = yield* brokerCall("open confirm channel", () => model.createConfirmChannel())
      publisher.on("error", () => {})
      // A confirm channel that dies alone (it should not) would leave publishing stuck: start over.
      publisher.on("close", () => model.close().catch(() => {}))
      for (const registration of registrations) {
        // One consumer that cannot attach (its queue missing, say) must not keep the others, or
        // publishing, down: it is logged and tries again on the next connection or channel event.
        yield* registration.attach(model).pipe(
          Effect.catchAll((error) => Effect.logWarning(`could not attach a consumer: ${error.message}`)),
        )
      }
      yield* SubscriptionRef.set(live, Option.some({ model, publisher }))
      yield* Effect.logInfo("connected to RabbitMQ").pipe(Effect.annotateLogs({ prefix: topology.prefix }))
      yield* Deferred.await(closed)
      yield* Effect.logWarning("RabbitMQ connection lost, reconnecting")
    }).pipe(
      Effect.scoped,
      Effect.tapError((error) => Effect.logWarning(`RabbitMQ unavailable: ${error.message}`)),
    )

    const started = yield* Deferred.make<void>()
    const supervisor = yield* session.pipe(
      Effect.retry(options.reconnect ?? HandlerPolicy.reconnect),
      Effect.forever,
      Effect.forkDaemon,
    )
    // Resolve `started` on the first connection, so the layer is ready only once the topology exists.
    yield* live.changes.pipe(
      Stream.filter(Option.isSome),
      Stream.take(1),
      Stream.runDrain,
      Effect.zipRight(Deferred.succeed(started, undefined)),
      Effect.forkDaemon,
    )

    // Interrupting the supervisor closes the session's scope, and with it the connection.
    yield* Effect.addFinalizer(() => Fiber.interrupt(supervisor))

    const awaitLive = live.changes.pipe(
      Stream.filterMap((state) => state),
      Stream.runHead,
      Effect.flatten,
      Effect.orDie,
    )

    /** The live connection: at once when there is one, else the next one, waiting at most `timeout`. */
    const currentLive = (timeout: Duration.Duration) =>
      Effect.flatMap(SubscriptionRef.get(live), (state) =>
        Option.isSome(state)
          ? Effect.succeed(state.value)
          : awaitLive.pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => "broker unavailable" })))

    const withLive = <A>(timeout: Duration.Duration, use: (current: Live) => Effect.Effect<A, string>) =>
      Effect.flatMap(currentLive(timeout), use)

    const publish: MessageBus["Type"]["publish"] = (message, publishOptions) =>
      Publishing.traced(message, publishOptions, (outgoing) =>
        withLive(publishTimeout, ({ publisher }) =>
          confirmed(publisher, topology.exchangeFor(outgoing.kind), message.type, outgoing.body, {
            persistent: true,
            messageId: message.id,
            type: message.type,
            contentType: "application/json",
            correlationId: message.correlationId,
            appId: message.source,
            timestamp: Math.floor(message.occurredAt.epochMillis / 1000),
            headers: { ...outgoing.headers, "x-message-version": message.version },
          }, publishTimeout)).pipe(
            Effect.mapError((reason) => new PublishError({ messageType: message.type, messageId: message.id, reason })),
          ))

    /** Moves a message to the dead-letter queue with headers saying why, then acknowledges it. */
    const deadLetter = (
      channel: amqp.Channel,
      message: amqp.ConsumeMessage,
      queue: string,
      outcome: Extract<Delivery.Outcome, { _tag: "DeadLetter" }>,
    ) =>
      // The delivery's channel is gone: the broker gives the message to the consumer again, so a
      // dead letter now would be a second copy of the one the redelivery will make.
      closedChannels.has(channel) ? Effect.void : withLive(publishTimeout, ({ publisher }) =>
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
        }, publishTimeout)).pipe(
          Effect.matchEffect({
            onSuccess: () => Effect.sync(() => safely(() => channel.ack(message))),
            // Not stored in the dead-letter queue: give the message back, it will come round again.
            onFailure: (reason) =>
              Effect.logWarning(`could not dead-letter a message of ${queue}: ${reason}`).pipe(
                Effect.zipRight(Effect.sync(() => safely(() => channel.nack(message, false, true)))),
              ),
          }),
        )

    const consume = <E, R>(consumer: Consumer<E, R>): Effect.Effect<void, BrokerError, R | Scope.Scope> =>
      Effect.gen(function* () {
        const runFork = Runtime.runFork(yield* Effect.runtime<R>())
        const queue = topology.queueOf(consumer.service)
        const inFlight = new Set<Fiber.RuntimeFiber<void>>()
        let current: { channel: amqp.Channel; consumerTag: string } | null = null

        const onMessage = (channel: amqp.Channel, message: amqp.ConsumeMessage) => {
          const fiber = runFork(
            Delivery.handle(consumer, queue, {
              body: message.content,
              headers: message.properties.headers ?? {},
            }).pipe(
              Effect.flatMap((outcome) =>
                outcome._tag === "DeadLetter"
                  ? deadLetter(channel, message, queue, outcome)
                  : Effect.sync(() => safely(() => channel.ack(message)))
              ),
            ),
          )
          inFlight.add(fiber)
          fiber.addObserver(() => inFlight.delete(fiber))
        }

        /** Attaches anew on the live connection a little later, if this consumer still needs it. */
        const reattachLater = () =>
          runFork(
            Effect.gen(function* () {
              yield* Effect.sleep("200 millis")
              const state = yield* SubscriptionRef.get(live)
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
              yield* brokerCall("prefetch", () => channel.prefetch(consumer.prefetch ?? prefetch))
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
        yield* Effect.addFinalizer(() =>
          Effect.gen(function* () {
            registration.active = false
            registrations.delete(registration)
            const attached = current
            if (attached !== null) {
              yield* Effect.promise(() => attached.channel.cancel(attached.consumerTag).catch(() => {}))
            }
            // Interruptible: a finalizer is not, and the grace period must be able to end the wait.
            const finished = yield* Effect.interruptible(Fiber.awaitAll([...inFlight])).pipe(Effect.timeout(grace), Effect.exit)
            if (Exit.isFailure(finished)) yield* Fiber.interruptAll(inFlight)
            if (attached !== null) yield* Effect.promise(() => attached.channel.close().catch(() => {}))
          })
        )
        registrations.add(registration)
        const now = yield* SubscriptionRef.get(live)
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

    /** Reads a dead-letter queue without consuming it: every message is got, then given back. */
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
      )

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
                }, publishTimeout).pipe(Effect.mapError((reason) => new BrokerError({ operation: "replay", reason })))
                channel.ack(message)
                replayed += 1
              }
              return replayed
            }),
          (channel) => Effect.promise(() => channel.close().catch(() => {})),
        )
      )

    const withLiveBroker = <A>(use: (model: amqp.ChannelModel) => Effect.Effect<A, BrokerError>) =>
      currentLive(publishTimeout).pipe(
        Effect.mapError((reason) => new BrokerError({ operation: "connect", reason })),
        Effect.flatMap(({ model }) => use(model)),
      )

    const depth = (service: ServiceName) => withLiveBroker((model) => QueueDepth.rabbitMq(model, topology, service))

    const bus: MessageBus["Type"] = {
      publish,
      consume: consume as MessageBus["Type"]["consume"],
      healthy: Effect.map(SubscriptionRef.get(live), Option.isSome),
    }
    return { bus, deadLetters: { list, replay, depth } satisfies DeadLetters["Type"], started: Effect.interruptible(Deferred.await(started)).pipe(
        Effect.timeoutFail({
          duration: options.startTimeout ?? "30 seconds",
          onTimeout: () => new BrokerError({ operation: "connect", reason: "RabbitMQ not reachable at start" }),
        }),
      ), topology }
  })

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

/** Channels known to be closed: their deliveries come back from the broker. */
const closedChannels = new WeakSet<amqp.Channel>()

/** Acks and nacks on a channel that has closed throw; the broker redelivers those messages anyway. */
const safely = (settle: () => void) => {
  try {
    settle()
  } catch {
    // The channel is gone; the message will be redelivered and the consumer's idempotency absorbs it.
  }
}

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
