/**
 * The notification service on a real PostgreSQL, each test on a database of its own, with email
 * going to a real SMTP server (in this process) that counts what arrives: "sent once per cause"
 * across a restart and across two instances, the contacts a restart keeps, the schema's migrations
 * (a contact kept before owners were reads with none), a row it cannot read, and what the service
 * answers while its database is gone.
 */
import { TestIssuer } from "@flight/auth/testing"
import { InProcessBus } from "@flight/bus"
import { type AnyMessage, BookingId, BookingReference, Envelope, Messages, PaymentId } from "@flight/contracts"
import * as PostgresStore from "@flight/runtime/postgres"
import { EffectTest, Postgres, RealServer } from "@flight/runtime/testing"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect } from "bun:test"
import { Duration, Effect, Logger, Option, Redacted } from "effect"
import { NotificationCommands } from "../src/application/NotificationCommands.ts"
import * as NotificationEvents from "../src/application/NotificationEvents.ts"
import type { NotificationStoreError } from "../src/domain/Notification.ts"
import * as PostgresNotificationStore from "../src/infrastructure/PostgresNotificationStore.ts"
import * as Notification from "../src/main.ts"
import { bookingCreated } from "./support/Bookings.ts"
import { smtpServer } from "./support/SmtpServer.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const paymentFailed = (bookingId: BookingId) =>
  Envelope.make(Messages.PaymentProcessed, {
    paymentId: PaymentId.make(Bun.randomUUIDv7()),
    bookingId,
    status: "failed",
    amount: { amount: 45000, currency: "GBP" },
    transactionId: null,
    failureReason: "card declined",
  }, { source: "payment" })

/** Handles a message as the consumer does: transient failures (a notification another instance is sending) retried. */
const handled = (message: AnyMessage) =>
  Effect.flatMap(NotificationCommands, (commands) =>
    commands.handle(message).pipe(
      Effect.retry({ schedule: NotificationEvents.deliveryRetry, while: NotificationEvents.policy.isTransient }),
    ))

/** The subject line of each email that arrived. */
const subjects = (received: ReadonlyArray<{ readonly raw: string }>) =>
  received.map((mail) => /^Subject: (.*)$/m.exec(mail.raw)?.[1] ?? "")

RealServer.describeWith("DATABASE_URL", "notification on PostgreSQL", (url) => {
  EffectTest.effect("migrations run on an empty database, then find it up to date; the tables are the notification service's own", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "notification_test")
      yield* Effect.gen(function* () {
        const first = yield* PostgresNotificationStore.migrate
        expect(first.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`)).toEqual(Object.keys(PostgresNotificationStore.migrations))
        expect(yield* PostgresNotificationStore.migrate).toEqual([])
        const sql = yield* SqlClient.SqlClient
        const tables = yield* sql<{ table_name: string }>`
          SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
        expect(tables.map((row) => row.table_name)).toEqual([
          "notification_claims",
          "notification_contacts",
          "notification_idempotency_keys",
          "notification_migrations",
          "notifications",
        ])
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(database.href) })), Effect.scoped)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a contact remembered before owners were (migration 0003) reads with no owner; a new one keeps its owner", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "notification_test")
      const [older, newer] = [BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7())]
      yield* Effect.gen(function* () {
        const { "0001_notifications": first, "0002_idempotency_keys": second } = PostgresNotificationStore.migrations
        yield* PostgresStore.migrations(PostgresNotificationStore.migrationsTable, { "0001_notifications": first, "0002_idempotency_keys": second })
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO notification_contacts (booking_id, reference, email, phone) VALUES (${older}, 'X7K2QP', 'ada@example.com', NULL)`
        expect(yield* PostgresNotificationStore.migrate).toHaveLength(1)
        const store = yield* PostgresNotificationStore.make
        expect(Option.map(yield* store.contactOf(older), (known) => [known.contact.email, known.owner])).toEqual(Option.some(["ada@example.com", null]))
        yield* store.rememberContact({ bookingId: newer, reference: BookingReference.make("X7K2QP"), contact: { email: "ada@example.com" }, owner: "ada-sub" })
        expect(Option.map(yield* store.contactOf(newer), (known) => known.owner)).toEqual(Option.some("ada-sub"))
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(database.href) })), Effect.scoped)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a stored notification this build cannot read fails the history and a claim as a read that retrying will not mend", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "notification_test")
      yield* Effect.gen(function* () {
        yield* PostgresNotificationStore.migrate
        const sql = yield* SqlClient.SqlClient
        const key = "cause-1/email/ada@example.com/booking-confirmed"
        // A booking id of UUID version 1: no notification this build records has one.
        yield* sql`
          INSERT INTO notifications (key, id, cause_id, booking_id, channel, recipient, template, subject, body, status, attempts, created_at)
          VALUES (${key}, ${Bun.randomUUIDv7()}, 'cause-1', '2c5ea4c0-4067-11e9-8bad-9b1deb4d3b7d', 'email', 'ada@example.com',
                  'booking-confirmed', 'Booking X7K2QP confirmed', 'Seats 12A', 'failed', 1, now())`
        const store = yield* PostgresNotificationStore.make
        const shown = (error: NotificationStoreError) => [error.operation, error.transient, error.message.startsWith("notification store, read: stored notification is invalid")]
        const everything = { bookingId: Option.none(), recipient: Option.none(), limit: 10, offset: 0 }
        expect(shown(yield* Effect.flip(store.history(everything)))).toEqual(["read", false, true])
        expect(shown(yield* Effect.flip(store.claim([key], "holder", Duration.seconds(3))))).toEqual(["read", false, true])
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(database.href) })), Effect.scoped)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("after a restart, a redelivered event sends nothing again and the booking's contact is still known: counted at the SMTP server", () =>
    Effect.gen(function* () {
      const smtp = yield* smtpServer()
      const smtpUrl = Option.some(Redacted.make(new URL(`smtp://127.0.0.1:${smtp.port}`)))
      const database = Redacted.make(yield* Postgres.freshDatabase(url, "notification_test"))
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      const created = yield* bookingCreated(bookingId)
      yield* handled(created).pipe(Effect.provide(Notification.postgresLayer(database, smtpUrl)))
      // A new process on the same database: the same event again, then a payment event that needs the contact.
      yield* Effect.gen(function* () {
        yield* handled(created)
        yield* handled(yield* paymentFailed(bookingId))
      }).pipe(Effect.provide(Notification.postgresLayer(database, smtpUrl)))
      expect(smtp.received.map((mail) => mail.to)).toEqual([["ada@example.com"], ["ada@example.com"]])
      expect(subjects(smtp.received)).toEqual(["Booking X7K2QP received", "Payment for booking X7K2QP failed"])
    }), { layer: quiet, timeout: 60_000 })

  EffectTest.effect("two instances on one database handling the same event at once, several times: one email", () =>
    Effect.gen(function* () {
      const smtp = yield* smtpServer()
      const smtpUrl = Option.some(Redacted.make(new URL(`smtp://127.0.0.1:${smtp.port}`)))
      const database = Redacted.make(yield* Postgres.freshDatabase(url, "notification_test"))
      const created = yield* bookingCreated(BookingId.make(Bun.randomUUIDv7()))
      const instance = () => Effect.all([handled(created), handled(created)], { concurrency: 2 }).pipe(
        Effect.provide(Notification.postgresLayer(database, smtpUrl)),
      )
      yield* Effect.all([instance(), instance()], { concurrency: 2 })
      expect(smtp.received.map((mail) => mail.to)).toEqual([["ada@example.com"]])
    }), { layer: quiet, timeout: 60_000 })

  describe("the running service", () => {
    EffectTest.effect("names its store, and while its database is gone answers the history with 503 and is not ready", () =>
      Effect.gen(function* () {
        const database = yield* Postgres.freshDatabase(url, "notification_test")
        const issuer = yield* TestIssuer.make()
        const running = yield* Notification.make({ port: 0, databaseUrl: Option.some(Redacted.make(database)), auth: issuer.settings }).pipe(
          Effect.provide(InProcessBus.layer()),
        )
        expect(running.store).toStartWith("PostgreSQL ")
        const history = new URL("/api/notifications", running.url)
        const ops = { headers: { authorization: `Bearer ${yield* issuer.staff("olga", ["ops"])}` } }
        expect((yield* Effect.promise(() => fetch(history, ops))).status).toBe(200)
        expect((yield* Effect.promise(() => fetch(new URL("/health/ready", running.url)))).status).toBe(200)

        const name = database.pathname.slice(1)
        yield* Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP DATABASE ${name} WITH (FORCE)`)).pipe(
          Effect.provide(PgClient.layer({ url: Redacted.make(url) })),
          Effect.scoped,
        )
        const gone = yield* Effect.promise(() => fetch(history, ops))
        expect(gone.status).toBe(503)
        expect(gone.headers.get("content-type")).toStartWith("application/problem+json")
        expect((yield* Effect.promise(() => gone.json())) as unknown).toMatchObject({ status: 503, detail: "The notification history is unavailable" })
        expect((yield* Effect.promise(() => fetch(new URL("/health/ready", running.url)))).status).toBe(503)
      }), { layer: quiet, timeout: 60_000 })
  })
})
