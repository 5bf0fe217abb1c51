/**
 * One connection to RabbitMQ per bus, kept alive by a supervisor. A session connects, sets the new
 * connection up (the topology, the confirm channel, the consumers), makes it the live one in a
 * SubscriptionRef, serves until it closes and clears it; the supervisor starts the next session
 * after the reconnect Schedule's delay. Whoever needs the broker takes the live connection from the
 * ref, or waits a bounded time for the next one.
 */
import * as amqp from "amqplib"
import {
  Deferred,
  type Duration,
  Effect,
  Exit,
  Option,
  Redacted,
  type Schedule,
  type Scope,
  Stream,
  SubscriptionRef,
} from "effect"
import { brokerCall } from "./BrokerCall.ts"
import { BrokerError } from "./MessageBus.ts"

/** A connection that is up and set up, with the confirm channel every publish goes through. */
export interface Live {
  readonly model: amqp.ChannelModel
  readonly publisher: amqp.ConfirmChannel
}

export interface Options {
  readonly url: Redacted.Redacted<string> | string
  /** Shown in the broker's connection list. */
  readonly connectionName: string
  /** Said in the logs, to tell the buses of one broker apart. */
  readonly prefix: string
  readonly reconnect: Schedule.Schedule<unknown>
  /** How long `started` waits for the first connection. */
  readonly startTimeout: Duration.DurationInput
}

/** What a session does with a new connection before it is live. */
export interface SetUp {
  /** Before the confirm channel opens (the topology). A failure drops the connection and tries again. */
  readonly prepare: (model: amqp.ChannelModel) => Effect.Effect<void, BrokerError>
  /** Just before the connection is live (the consumers attach). */
  readonly resume: (model: amqp.ChannelModel) => Effect.Effect<void>
}

export interface RabbitMqConnection {
  /** The live connection now, if there is one. */
  readonly now: Effect.Effect<Option.Option<Live>>
  /** Whether there is a live connection (for readiness checks). */
  readonly healthy: Effect.Effect<boolean>
  /** The live connection: at once when there is one, else the next one, waiting at most `timeout`. */
  readonly awaitLive: (timeout: Duration.Duration) => Effect.Effect<Live, string>
  readonly withLive: <A, E>(timeout: Duration.Duration, use: (live: Live) => Effect.Effect<A, E>) => Effect.Effect<A, E | string>
  /**
   * Starts the supervisor in the current scope (closing it closes the connection) and answers the
   * wait for the first connection, which fails after the start timeout.
   */
  readonly supervise: (setUp: SetUp) => Effect.Effect<Effect.Effect<void, BrokerError>, never, Scope.Scope>
}

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

export const make = (options: Options): Effect.Effect<RabbitMqConnection> =>
  Effect.gen(function* () {
    const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
    const live = yield* SubscriptionRef.make(Option.none<Live>())

    /** A connection that closes with the session's scope. */
    const connect = Effect.gen(function* () {
      const model = yield* Effect.acquireRelease(
        brokerCall("connect", () =>
          amqp.connect(url, {
            clientProperties: { connection_name: options.connectionName },
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
    const session = (setUp: SetUp) =>
      Effect.gen(function* () {
        const { model, closed } = yield* connect
        yield* Effect.addFinalizer(() => SubscriptionRef.set(live, Option.none()))
        yield* setUp.prepare(model)
        const publisher = yield* brokerCall("open confirm channel", () => model.createConfirmChannel())
        publisher.on("error", () => {})
        // A confirm channel that dies alone (it should not) would leave publishing stuck: start over.
        publisher.on("close", () => model.close().catch(() => {}))
        yield* setUp.resume(model)
        yield* SubscriptionRef.set(live, Option.some({ model, publisher }))
        yield* Effect.logInfo("connected to RabbitMQ").pipe(Effect.annotateLogs({ prefix: options.prefix }))
        yield* Deferred.await(closed)
        yield* Effect.logWarning("RabbitMQ connection lost, reconnecting")
      }).pipe(
        Effect.scoped,
        Effect.tapError((error) => Effect.logWarning(`RabbitMQ unavailable: ${error.message}`)),
      )

    const supervise = (setUp: SetUp) =>
      Effect.gen(function* () {
        const started = yield* Deferred.make<void>()
        // Interrupted when the scope closes, which closes the session's scope, and with it the connection.
        yield* session(setUp).pipe(Effect.retry(options.reconnect), Effect.forever, Effect.forkScoped)
        // Resolve `started` on the first connection, so the bus is ready only once the topology exists.
        yield* live.changes.pipe(
          Stream.filter(Option.isSome),
          Stream.take(1),
          Stream.runDrain,
          Effect.zipRight(Deferred.succeed(started, undefined)),
          Effect.forkScoped,
        )
        return Effect.interruptible(Deferred.await(started)).pipe(
          Effect.timeoutFail({
            duration: options.startTimeout,
            onTimeout: () => new BrokerError({ operation: "connect", reason: "RabbitMQ not reachable at start" }),
          }),
        )
      })

    const next = live.changes.pipe(
      Stream.filterMap((state) => state),
      Stream.runHead,
      Effect.flatten,
      Effect.orDie,
    )

    const awaitLive = (timeout: Duration.Duration) =>
      Effect.flatMap(SubscriptionRef.get(live), (state) =>
        Option.isSome(state)
          ? Effect.succeed(state.value)
          : next.pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => "broker unavailable" })))

    return {
      now: SubscriptionRef.get(live),
      healthy: Effect.map(SubscriptionRef.get(live), Option.isSome),
      awaitLive,
      withLive: (timeout, use) => Effect.flatMap(awaitLive(timeout), use),
      supervise,
    }
  })
