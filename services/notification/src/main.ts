/**
 * The notification service: composes its layers and serves HTTP. `bun services/notification/src/main.ts`
 * runs it alone; `make` runs it beside the other services on a message bus they share (see
 * `scripts/start.ts`).
 */
import { ServiceBus } from "@flight/bus"
import { ServiceMain } from "@flight/runtime"
import * as NotificationApi from "./api/NotificationApi.ts"
import { defaultPort, NotificationConfig } from "./infrastructure/NotificationConfig.ts"

export { defaultPort, NotificationConfig }

export const service = "notification"

export interface Options {
  readonly port: number
}

/** Its history lives in memory for now: a store of its own comes with its features. */
const store = ServiceBus.inMemoryStore

/** Starts the service on the message bus in context (see `ServiceBus.serve`). */
export const make = (options: Options) => ServiceBus.serve({ service, port: options.port, store, app: NotificationApi.make })

/** The service alone in its process, configured from the environment. */
export const program = ServiceBus.alone({
  service,
  config: NotificationConfig,
  store: () => store.describe,
  make,
})

if (import.meta.main) ServiceMain.runMain(program)
