/**
 * The notification service: composes its layers and serves HTTP. `bun services/notification/src/main.ts`
 * runs it alone; `make` runs it beside the other services on a message bus they share (see
 * `scripts/start.ts`).
 */
import { MessageBus, ServiceBus } from "@flight/bus"
import { ServiceMain, StoreHealthLayer } from "@flight/runtime"
import { Effect, Layer, Option, type Redacted } from "effect"
import * as NotificationApi from "./api/NotificationApi.ts"
import { NotificationCommands } from "./application/NotificationCommands.ts"
import * as NotificationEvents from "./application/NotificationEvents.ts"
import * as Channels from "./infrastructure/Channels.ts"
import * as InMemoryNotificationStore from "./infrastructure/InMemoryNotificationStore.ts"
import { defaultPort, NotificationConfig } from "./infrastructure/NotificationConfig.ts"

export { defaultPort, NotificationConfig }

export const service = "notification"

export interface Options {
  readonly port: number
  /** The SMTP server email goes through; email is recorded only without it. */
  readonly smtpUrl?: Option.Option<Redacted.Redacted<URL>>
}

/** The whole service: the in-memory history, the channels, the commands. */
export const serviceLayer = (smtpUrl: Option.Option<Redacted.Redacted<URL>> = Option.none()) =>
  Layer.provideMerge(
    NotificationCommands.Default,
    Layer.mergeAll(InMemoryNotificationStore.layer, Channels.layer(smtpUrl), StoreHealthLayer.inMemory),
  )

const store = (options: Options): ServiceBus.Store<Layer.Layer.Success<ReturnType<typeof serviceLayer>>, never> => ({
  layer: serviceLayer(options.smtpUrl ?? Option.none()),
  // The history is in memory (DESIGN §1); how email goes out is logged by the channel at its first send.
  describe: StoreHealthLayer.inMemoryName,
})

/** Beside the HTTP server: the consumer of events and commands. */
const workers = Effect.gen(function* () {
  const bus = yield* MessageBus
  yield* bus.consume(yield* NotificationEvents.consumer)
})

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  ServiceBus.serve({ service, port: options.port, store: store(options), app: NotificationApi.make, workers })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: NotificationConfig,
  store: (config) => store(config).describe,
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
