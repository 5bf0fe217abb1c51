/**
 * The notification service: picks its adapters from the configuration, composes its layers and
 * serves HTTP. `bun services/notification/src/main.ts` runs it alone; `make` runs it beside the
 * other services on a message bus they share (see `scripts/start.ts`).
 */
import { InProcessBus, type MessageBus, RabbitMqBus } from "@flight/bus"
import { AppConfig, HttpApp, ServiceMain, ServiceRuntime } from "@flight/runtime"
import { Effect, Layer, Option, Redacted, type Scope } from "effect"
import * as NotificationApi from "./api/NotificationApi.ts"
import { HealthCheck } from "./application/HealthCheck.ts"
import type { StoreHealth } from "./domain/StoreHealth.ts"
import * as InMemoryStore from "./infrastructure/InMemoryStore.ts"
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

/** The service's layers on top of a message bus: its store adapter and application services. */
export const layer: Layer.Layer<HealthCheck | StoreHealth, never, MessageBus> = HealthCheck.Default.pipe(
  Layer.provideMerge(InMemoryStore.layer),
)

/** Starts the service on the message bus in context, and serves HTTP until the scope closes. */
export const make = (
  options: Options,
): Effect.Effect<Running, HttpApp.ServerError, MessageBus | Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Layer.toRuntime(layer)
    const server = yield* HttpApp.serve(NotificationApi.make(runtime), { port: options.port })
    return { service, url: server.url, store: InMemoryStore.name }
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
  const config = yield* AppConfig.loadOrExit(NotificationConfig)
  yield* Effect.addFinalizer(() => Effect.logInfo("Stopped"))
  const adapters = { store: InMemoryStore.name, bus: busAdapter(config.rabbitmqUrl) }
  yield* Effect.logInfo(`Starting notification with store: ${adapters.store}, message bus: ${adapters.bus}`).pipe(
    Effect.annotateLogs({ ...adapters, appEnv: config.appEnv }),
  )
  const bus = yield* Layer.build(messageBus(config.rabbitmqUrl))
  yield* Effect.provide(make(config), bus)
  return yield* Effect.never
}).pipe(Effect.scoped, Effect.provide(ServiceRuntime.layer({ service })))

if (import.meta.main) ServiceMain.runMain(program)
