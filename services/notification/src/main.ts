/**
 * The notification service: picks its adapters from the configuration, composes its layers and
 * serves HTTP. `bun services/notification/src/main.ts` runs it alone; `make` runs it beside the
 * other services on a message bus they share (see `scripts/start.ts`).
 */
import { type MessageBus, ServiceBus } from "@flight/bus"
import { HttpApp, ServiceMain, type StoreHealth, StoreHealthLayer } from "@flight/runtime"
import { Effect, Layer, type Scope } from "effect"
import * as NotificationApi from "./api/NotificationApi.ts"
import { defaultPort, NotificationConfig } from "./infrastructure/NotificationConfig.ts"

export { defaultPort, NotificationConfig }

export const service = "notification"

export interface Options {
  readonly port: number
}

export interface Running {
  readonly service: typeof service
  readonly url: URL
  /** The store adapter, as the start-up log shows it. */
  readonly store: string
}

/** The service's layers on top of a message bus: its store adapter, with the bus passed through. */
export const layer: Layer.Layer<StoreHealth | MessageBus, never, MessageBus> = Layer.merge(
  StoreHealthLayer.inMemory,
  Layer.context<MessageBus>(),
)

/** Starts the service on the message bus in context, and serves HTTP until the scope closes. */
export const make = (
  options: Options,
): Effect.Effect<Running, HttpApp.ServerError, MessageBus | Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Layer.toRuntime(layer)
    const server = yield* HttpApp.serve(NotificationApi.make(runtime), { port: options.port })
    return { service, url: server.url, store: StoreHealthLayer.inMemoryName }
  })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: NotificationConfig,
  store: () => StoreHealthLayer.inMemoryName,
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
