/**
 * Handling messages with the service's commands, as the consumer does, and reading what they
 * recorded: a booking's history, everything, and who got which template on which channel.
 */
import { BookingId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { Effect, Layer, Logger, Option } from "effect"
import { NotificationCommands } from "../../src/application/NotificationCommands.ts"
import { NotificationStore } from "../../src/domain/Notification.ts"
import { serviceLayer } from "../../src/main.ts"
import { email, phone } from "./Messages.ts"

/** The logs silenced. */
export const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

/** The history of a booking, oldest first. */
export const historyOf = (bookingId: BookingId) =>
  Effect.flatMap(NotificationStore, (store) =>
    Effect.map(
      store.history({ bookingId: Option.some(bookingId), recipient: Option.none(), limit: 100, offset: 0 }),
      (page) => page.items,
    ))

/** The whole history, oldest first. */
export const everything = Effect.flatMap(NotificationStore, (store) =>
  Effect.map(store.history({ bookingId: Option.none(), recipient: Option.none(), limit: 100, offset: 0 }), (page) => page.items))

/** Handles a message as the consumer does. */
export const handle = (message: Parameters<NotificationCommands["handle"]>[0]) =>
  Effect.flatMap(NotificationCommands, (commands) => commands.handle(message))

/** Who got which template on which channel, by channel. */
export const summary = (items: ReadonlyArray<{ readonly channel: string; readonly recipient: string; readonly template: string }>) =>
  items.map(({ channel, recipient, template }) => ({ channel, recipient, template })).toSorted((a, b) => a.channel.localeCompare(b.channel))

export const toBoth = (template: string) => [
  { channel: "email", recipient: email, template },
  { channel: "sms", recipient: phone, template },
]

/** A test of the commands on the service's in-memory layer, with the logs silenced. */
export const commandsTest = <A, E>(name: string, body: () => Effect.Effect<A, E, NotificationCommands | NotificationStore>) =>
  EffectTest.effect(name, body, { layer: Layer.merge(serviceLayer(), quiet) })
