/**
 * The booking service: picks its adapters from the configuration, composes its layers and serves
 * HTTP. `bun services/booking/src/main.ts` runs it alone; `make` runs it beside the other services
 * on a message bus they share (see `scripts/start.ts`).
 */
import { type MessageBus, ServiceBus } from "@flight/bus"
import { HttpApp, ServiceMain, type StoreHealth, StoreHealthLayer, type StoreUnavailable } from "@flight/runtime"
import { Effect, Layer, Option, Redacted, type Scope } from "effect"
import * as BookingApi from "./api/BookingApi.ts"
import { BookingConfig, defaultPort } from "./infrastructure/BookingConfig.ts"
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
  Option.match(redisUrl, { onNone: () => StoreHealthLayer.inMemoryName, onSome: (url) => `Redis ${RedisStore.address(url)}` })

/** The service's layers on top of a message bus: its store adapter, with the bus passed through. */
export const layer = (
  options: Pick<Options, "redisUrl">,
): Layer.Layer<StoreHealth | MessageBus, StoreUnavailable, MessageBus> =>
  Layer.merge(
    Option.match(options.redisUrl, {
      onNone: () => StoreHealthLayer.inMemory,
      onSome: (url) => RedisStore.layer(url, { connectionName: service }),
    }),
    Layer.context<MessageBus>(),
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

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: BookingConfig,
  store: (config) => storeAdapter(config.redisUrl),
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
