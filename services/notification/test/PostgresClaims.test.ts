/**
 * Claims on a real PostgreSQL, as two instances of the service hold them, in real time with the
 * service's lease (3 s): a sender slower than several leases keeps its claim against the other
 * instance, and a sender that stopped after claiming is taken over within 5 s. Each on a database
 * of its own; each instance with a pool of its own.
 */
import * as PostgresStore from "@flight/runtime/postgres"
import { EffectTest, Postgres, RealServer } from "@flight/runtime/testing"
import { Envelope, Messages } from "@flight/contracts"
import { expect } from "bun:test"
import { Context, Duration, Effect, Layer, Logger, Option, Redacted } from "effect"
import { claimLease, NotificationCommands } from "../src/application/NotificationCommands.ts"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import { keyOf, NotificationChannel, NotificationStore } from "../src/domain/Notification.ts"
import * as PostgresNotificationStore from "../src/infrastructure/PostgresNotificationStore.ts"
import { slowChannel } from "./support/SlowChannel.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)


const sendNotification = Envelope.make(Messages.SendNotification, {
  channel: "email" as const,
  recipient: "ada@example.com",
  template: "booking-confirmed",
  data: { reference: "X7K2QP", seats: "12A" },
}, { source: "booking" })

RealServer.describeWith("DATABASE_URL", "notification claims on PostgreSQL, two instances", (url) => {
  /** An instance of the service's commands and store on `database`, with a channel of its own. */
  const instance = (database: URL, channel: NotificationChannel["Type"]) =>
    Layer.build(NotificationCommands.Default.pipe(
      Layer.provideMerge(Layer.merge(
        PostgresNotificationStore.layer.pipe(Layer.provide(PostgresStore.layer(Redacted.make(database), { applicationName: "notification" }))),
        Layer.succeed(NotificationChannel, channel),
      )),
    )).pipe(Effect.map((context) => ({ commands: Context.get(context, NotificationCommands), store: Context.get(context, NotificationStore) })))

  /** Handled as the consumer does: retried in place while transient (held by the other instance). */
  const consumed = (commands: NotificationCommands, message: Parameters<NotificationCommands["handle"]>[0]) =>
    commands.handle(message).pipe(Effect.retry({ schedule: NotificationEvents.deliveryRetry, while: NotificationEvents.policy.isTransient }))

  EffectTest.effect("a send slower than three leases at one instance is not sent again by the other, which finds it sent", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "notification_test")
      const slow = slowChannel(Duration.times(claimLease, 3.5))
      const [first, second] = [yield* instance(database, slow.channel), yield* instance(database, slow.channel)]
      const message = yield* sendNotification
      yield* Effect.all([
        consumed(first.commands, message),
        Effect.delay(consumed(second.commands, message), "300 millis"),
      ], { concurrency: 2 })
      expect(slow.sends).toHaveLength(1)
      const history = yield* first.store.history({ bookingId: Option.none(), recipient: Option.none(), limit: 10, offset: 0 })
      expect(history.items.map((item) => [item.causeId, item.status, item.attempts])).toEqual([[message.id, "sent", 1]])
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a notification claimed by an instance that stopped (claimed, never recorded) is sent once by the other within 5 s", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "notification_test")
      const fast = slowChannel("10 millis")
      const other = yield* instance(database, fast.channel)
      const message = yield* sendNotification
      const key = keyOf({ causeId: message.id, channel: "email", recipient: "ada@example.com", template: "booking-confirmed" })
      expect((yield* other.store.claim([key], "stopped-instance", claimLease)).get(key)?._tag).toBe("Claimed")
      const started = Date.now()
      yield* consumed(other.commands, message)
      const took = Date.now() - started
      expect(took).toBeGreaterThanOrEqual(Duration.toMillis(claimLease) - 100)
      expect(took).toBeLessThan(5_000)
      expect(fast.sends).toHaveLength(1)
      expect((yield* other.commands.handle(message), fast.sends)).toHaveLength(1)
    }), { layer: quiet, timeout: 30_000 })
})
