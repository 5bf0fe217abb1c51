/**
 * The notification service: composes its layers and serves HTTP. `bun services/notification/src/main.ts`
 * runs it alone; `make` runs it beside the other services on a message bus they share (see
 * `scripts/start.ts`).
 */
import { AuthConfig, TokenVerifier } from "@flight/auth"
import { MessageBus, ServiceBus } from "@flight/bus"
import { Executable, type StoreHealth, StoreHealthLayer } from "@flight/runtime"
import * as PostgresStore from "@flight/runtime/postgres"
import { Effect, Layer, Option, type Redacted } from "effect"
import * as NotificationApi from "./api/NotificationApi.ts"
import { NotificationCommands } from "./application/NotificationCommands.ts"
import * as KeyRetention from "./application/KeyRetention.ts"
import * as NotificationEvents from "./application/NotificationEvents.ts"
import * as Channels from "./infrastructure/Channels.ts"
import type { NotificationStore } from "./domain/Notification.ts"
import * as InMemoryNotificationStore from "./infrastructure/InMemoryNotificationStore.ts"
import * as PostgresNotificationStore from "./infrastructure/PostgresNotificationStore.ts"
import { defaultPort, NotificationConfig } from "./infrastructure/NotificationConfig.ts"

export { defaultPort, NotificationConfig }

export const service = "notification"

export interface Options {
  readonly port: number
  /** PostgreSQL for the history, the contacts and the claims when set; in memory otherwise. */
  readonly databaseUrl?: Option.Option<Redacted.Redacted<URL>>
  /** The SMTP server email goes through; email is recorded only without it. */
  readonly smtpUrl?: Option.Option<Redacted.Redacted<URL>>
  /** Whose tokens it accepts; the identity service of `./run start` when not given. */
  readonly auth?: AuthConfig.Settings
}

type SmtpUrl = Option.Option<Redacted.Redacted<URL>>

/** The commands on a store and the channels. */
const application = <E>(store: Layer.Layer<NotificationStore | StoreHealth, E>, smtpUrl: SmtpUrl) =>
  Layer.provideMerge(NotificationCommands.Default, Layer.merge(store, Channels.layer(smtpUrl)))

/** The whole service on the in-memory store (the default). */
export const serviceLayer = (smtpUrl: SmtpUrl = Option.none()) =>
  application(Layer.merge(InMemoryNotificationStore.layer, StoreHealthLayer.inMemory), smtpUrl)

/** The whole service on PostgreSQL (migrated at start). */
export const postgresLayer = (url: Redacted.Redacted<URL>, smtpUrl: SmtpUrl = Option.none()) =>
  application(PostgresNotificationStore.layer.pipe(Layer.provideMerge(PostgresStore.layer(url, { applicationName: service }))), smtpUrl)

/** PostgreSQL when its URL is set, in memory otherwise; how email goes out is logged by the channel at its first send. */
const store = (options: Pick<Options, "databaseUrl" | "smtpUrl">) => {
  const smtpUrl = options.smtpUrl ?? Option.none()
  return ServiceBus.store(options.databaseUrl ?? Option.none(), {
    describe: (url) => `PostgreSQL ${PostgresStore.address(url)}`,
    layer: (url) => postgresLayer(url, smtpUrl),
    inMemory: serviceLayer(smtpUrl),
  })
}

/** Beside the HTTP server: the consumer of events and commands, and the purge of old Idempotency-Keys. */
const workers = Effect.gen(function* () {
  const bus = yield* MessageBus
  yield* bus.consume(yield* NotificationEvents.consumer)
  yield* KeyRetention.startKeyPurge
})

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) =>
  ServiceBus.serve({
    service,
    port: options.port,
    store: ServiceBus.alongside(store(options), TokenVerifier.layerSettings(options.auth ?? AuthConfig.defaults)),
    app: NotificationApi.make,
    workers,
  })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: NotificationConfig,
  store: (config) => store(config).describe,
  make,
})

if (import.meta.main) Executable.runMain(program, { defaultPort })
