/**
 * What every service does with the bus: pick the adapter from RABBITMQ_URL, name it in the start-up
 * log, and count it in readiness beside the service's store.
 */
import type { ServiceName } from "@flight/contracts"
import { AppConfig, HttpApp, Readiness, ServiceRuntime, StoreHealth, StoreHealthLayer } from "@flight/runtime"
import { Config, ConfigError, Data, Effect, Either, Layer, Option, Redacted, type Runtime, type Scope } from "effect"
import type { Hono } from "hono"
import { DeadLetters } from "./DeadLetters.ts"
import * as InProcessBus from "./InProcessBus.ts"
import { type BrokerError, MessageBus } from "./MessageBus.ts"
import * as RabbitMqBus from "./RabbitMqBus.ts"

export type BrokerUrl = Option.Option<Redacted.Redacted<URL>>

/** The exchanges' and queues' names unless `RABBITMQ_PREFIX` says otherwise. */
export const defaultPrefix = "flight-booking"

/**
 * `RABBITMQ_PREFIX`: the first word of every exchange and queue name (`<prefix>.events`,
 * `<prefix>.booking`, ...), so that several systems can share one broker without taking each
 * other's messages (every service of one system must use the same). `flight-booking` unless set.
 */
export const prefix: Config.Config<string> = Config.string("RABBITMQ_PREFIX").pipe(
  Config.mapOrFail((value) =>
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value.trim())
      ? Either.right(value.trim())
      : Either.left(ConfigError.InvalidData([], "Expected 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. flight-booking"))
  ),
  // After the check: a default would hide the variable's name from its error.
  Config.withDefault(defaultPrefix),
)

/** RabbitMQ when a URL is set, the in-process bus otherwise. */
export const layer = (url: BrokerUrl, service: ServiceName, prefix: string = defaultPrefix): Layer.Layer<MessageBus | DeadLetters, BrokerError> =>
  Option.match(url, {
    onNone: () => InProcessBus.layer(),
    onSome: (url) => RabbitMqBus.layer({ url: Redacted.make(Redacted.value(url).href), connectionName: service, prefix }),
  })

/** The adapter for the start-up log: the broker's host at most, never its credentials. */
export const describe = (url: BrokerUrl): string =>
  Option.match(url, { onNone: () => "in-process", onSome: (url) => `RabbitMQ ${Redacted.value(url).host}` })

export class BusUnavailable extends Data.TaggedError("BusUnavailable")<{}> {
  override get message(): string {
    return "the message bus cannot publish"
  }
}

/** Ready when the store answers and the bus can publish; a 503 naming what is down otherwise. */
export const readiness = Effect.flatMap(StoreHealth, (store) =>
  Readiness.all({
    [store.name]: store.check,
    "message-bus": Effect.flatMap(MessageBus, (bus) => Effect.filterOrFail(bus.healthy, (up) => up, () => new BusUnavailable())),
  }))

/**
 * A service alone in its process: reads its configuration (a bad value stops it, naming the
 * variable), says once which adapters it uses, builds its bus from RABBITMQ_URL (its names from
 * RABBITMQ_PREFIX), and runs until
 * interrupted, closing everything in order.
 */
export const alone = <C extends { readonly appEnv: string; readonly rabbitmqUrl: BrokerUrl }, E>(definition: {
  readonly service: ServiceName
  readonly config: Config.Config<C>
  /** The store adapter as the start-up log names it (never with credentials). */
  readonly store: (config: C) => string
  readonly make: (config: C) => Effect.Effect<unknown, E, MessageBus | DeadLetters | Scope.Scope>
}) =>
  Effect.gen(function* () {
    const [config, busPrefix] = yield* AppConfig.loadOrExit(Config.all([definition.config, prefix]))
    yield* Effect.addFinalizer(() => Effect.logInfo("Stopped"))
    const adapters = { store: definition.store(config), bus: describe(config.rabbitmqUrl) }
    yield* Effect.logInfo(`Starting ${definition.service} with store: ${adapters.store}, message bus: ${adapters.bus}`).pipe(
      Effect.annotateLogs({ ...adapters, appEnv: config.appEnv }),
    )
    const bus = yield* Layer.build(layer(config.rabbitmqUrl, definition.service, busPrefix))
    yield* Effect.provide(definition.make(config), bus)
    return yield* Effect.never
  }).pipe(Effect.scoped, Effect.provide(ServiceRuntime.layer({ service: definition.service })))

/** A running service, as the start-up log shows it. */
export interface Running {
  readonly service: ServiceName
  readonly url: URL
  /** The store adapter (never with credentials). */
  readonly store: string
}

/**
 * A service's store, with what the service builds on it (repositories, outbox, application
 * services): its layer, and how the start-up log names the store.
 */
export interface Store<A, E> {
  readonly layer: Layer.Layer<A | StoreHealth, E>
  readonly describe: string
}

/** A service that keeps nothing yet: the in-memory store of the embedded mode and of development. */
export const inMemoryStore: Store<never, never> = { layer: StoreHealthLayer.inMemory, describe: StoreHealthLayer.inMemoryName }

/** The store with a layer the service needs beside it (e.g. its token verifier) in the same runtime. */
export const alongside = <A, E, B>(store: Store<A, E>, layer: Layer.Layer<B>): Store<A | B, E> => ({
  layer: Layer.merge(store.layer, layer),
  describe: store.describe,
})

/** The real store adapter when its URL is set, the in-memory one otherwise. */
export const store = <U, A, E>(
  url: Option.Option<U>,
  adapters: {
    readonly describe: (url: U) => string
    readonly layer: (url: U) => Layer.Layer<NoInfer<A> | StoreHealth, E>
    readonly inMemory: Layer.Layer<A | StoreHealth>
  },
): Store<A, E> =>
  Option.match(url, {
    onNone: (): Store<A, E> => ({ layer: adapters.inMemory, describe: StoreHealthLayer.inMemoryName }),
    onSome: (url) => ({ layer: adapters.layer(url), describe: adapters.describe(url) }),
  })

/**
 * Starts a service on the message bus in context (and its dead letters, which its operations routes
 * read): builds its store, starts its workers (consumers,
 * outbox relay, sweepers), then serves its HTTP app until the scope closes. Closing stops the
 * server first, then the workers (consumers finish the messages in hand), then the store.
 */
export const serve = <A, E, EW = never>(options: {
  readonly service: ServiceName
  readonly port: number
  readonly store: Store<A, E>
  readonly app: (runtime: Runtime.Runtime<A | StoreHealth | MessageBus | DeadLetters>) => Hono
  readonly workers?: Effect.Effect<void, EW, A | StoreHealth | MessageBus | DeadLetters | Scope.Scope>
}): Effect.Effect<Running, E | EW | HttpApp.ServerError, MessageBus | DeadLetters | Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Layer.toRuntime(Layer.merge(options.store.layer, Layer.context<MessageBus | DeadLetters>()))
    if (options.workers !== undefined) yield* Effect.provide(options.workers, runtime)
    const server = yield* HttpApp.serve(options.app(runtime), { port: options.port })
    return { service: options.service, url: server.url, store: options.store.describe }
  })
