/**
 * The booking service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/booking/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { InProcessBus, type MessageBus, RabbitMqBus } from "@flight/bus"
import { AppConfig, HttpApp, ServiceMain, ServiceRuntime } from "@flight/runtime"
import { Effect, Layer, Option, Redacted, type Scope } from "effect"
import * as BookingApi from "./api/BookingApi.ts"
import { HealthCheck } from "./application/HealthCheck.ts"
import type { StoreHealth, StoreUnavailable } from "./domain/StoreHealth.ts"
import { BookingConfig, defaultPort } from "./infrastructure/BookingConfig.ts"
import * as InMemoryStore from "./infrastructure/InMemoryStore.ts"
import * as RedisStore from "./infrastructure/RedisStore.ts"

export { BookingConfig, defaultPort }

export const service = "booking"

export interface Options {
  readonly port: number
  /** Redis when set; the in-memory store otherwise. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
}

export interface Running {
  readonly service: typeof service
  readonly url: URL
  /** The store adapter, as the start-up log shows it. */
  readonly store: string
}

/** The store adapter for the start-up log: host and port at most, never credentials. */
export const storeAdapter = (redisUrl: Option.Option<Redacted.Redacted<URL>>): string =>
  Option.match(redisUrl, { onNone: () => "in-memory", onSome: (url) => `Redis ${RedisStore.address(url)}` })

/** The service's layers on top of a message bus: its store adapter and application services. */
export const layer = (
  options: Pick<Options, "redisUrl">,
): Layer.Layer<HealthCheck | StoreHealth, StoreUnavailable, MessageBus> =>
  HealthCheck.Default.pipe(
    Layer.provideMerge(Option.match(options.redisUrl, {
      onNone: () => InMemoryStore.layer,
      onSome: (url) => RedisStore.layer(url, { connectionName: service }),
    })),
  )

/**
 * Starts the service on the message bus in context: connects its store, then serves HTTP until the
 * scope closes, which stops the server first and then closes the store.
 */
export const make = (
  options: Options,
): Effect.Effect<Running, StoreUnavailable | HttpApp.ServerError, MessageBus | Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Layer.toRuntime(layer(options))
    const server = yield* HttpApp.serve(BookingApi.make(runtime), { port: options.port })
    return { service, url: server.url, store: storeAdapter(options.redisUrl) }
  })

const messageBus = (rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>) =>
  Option.match(rabbitmqUrl, {
    onNone: () => InProcessBus.layer(),
    onSome: (url) => RabbitMqBus.layer({ url: Redacted.make(Redacted.value(url).href), connectionName: service }),
  })

const busAdapter = (rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>): string =>
  Option.match(rabbitmqUrl, { onNone: () => "in-process", onSome: (url) => `RabbitMQ ${Redacted.value(url).host}` })

/** The service alone in its process, configured from the environment. */
const program = Effect.gen(function* () {
  const config = yield* AppConfig.loadOrExit(BookingConfig)
  yield* Effect.addFinalizer(() => Effect.logInfo("Stopped"))
  const adapters = { store: storeAdapter(config.redisUrl), bus: busAdapter(config.rabbitmqUrl) }
  yield* Effect.logInfo(`Starting booking with store: ${adapters.store}, message bus: ${adapters.bus}`).pipe(
    Effect.annotateLogs({ ...adapters, appEnv: config.appEnv }),
  )
  const bus = yield* Layer.build(messageBus(config.rabbitmqUrl))
  yield* Effect.provide(make(config), bus)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(ServiceRuntime.layer({ service })))

if (import.meta.main) ServiceMain.runMain(program)
