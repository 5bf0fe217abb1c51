/**
 * The payment service on a real PostgreSQL, each test on a database of its own (created, migrated,
 * dropped): the schema, its guarantees, and the payment contract.
 */
import { Outbox } from "@flight/bus"
import { OutboxLeases } from "@flight/bus/testing"
import { BookingId } from "@flight/contracts"
import * as PostgresStore from "@flight/runtime/postgres"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { describe, expect } from "bun:test"
import { Context, Duration, Effect, Layer, Logger, Option, Redacted, type Scope } from "effect"
import { PaymentCommands } from "../src/application/PaymentCommands.ts"
import { PaymentRepository } from "../src/domain/PaymentRepository.ts"
import * as PostgresPaymentSchema from "../src/infrastructure/PostgresPaymentSchema.ts"
import { postgresLayer } from "../src/main.ts"
import { contract } from "./PaymentContract.ts"
import { bookingCreated, freshDatabase, render, guestOf } from "./support/Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

RealServer.describeWith("DATABASE_URL", "payment on PostgreSQL", (url) => {
  contract("PostgreSQL", () => Effect.map(freshDatabase(url), (database) => postgresLayer(Redacted.make(database))))

  OutboxLeases.leases("PostgreSQL payment_outbox", () =>
    Effect.gen(function* () {
      const built = yield* Layer.build(postgresLayer(Redacted.make(yield* freshDatabase(url))))
      const commands = Context.get(built, PaymentCommands)
      return {
        store: Context.get(built, Outbox.Store),
        // A charge each: its payment.processed is the entry.
        write: (count: number) =>
          Effect.gen(function* () {
            for (let index = 0; index < count; index++) {
              const bookingId = BookingId.make(Bun.randomUUIDv7())
              yield* commands.openIntent(yield* bookingCreated(bookingId))
              yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: bookingId, fingerprint: "f" }, render)
            }
          }),
      }
    }))

  type Services = PaymentCommands | PaymentRepository | SqlClient.SqlClient
  const it = (name: string, body: () => Effect.Effect<void, unknown, Services | Scope.Scope>) =>
    EffectTest.effect(name, () =>
      Effect.gen(function* () {
        const database = yield* freshDatabase(url)
        const layer = postgresLayer(Redacted.make(database))
        yield* Effect.scoped(Effect.provide(body(), Layer.merge(layer, PgClient.layer({ url: Redacted.make(database.href) }))))
      }), { layer: quiet, timeout: 60_000 })

  describe("the schema", () => {
    EffectTest.effect("migrations run on an empty database, then find it up to date and change nothing", () =>
      Effect.gen(function* () {
        const database = yield* freshDatabase(url)
        yield* Effect.gen(function* () {
          const first = yield* PostgresPaymentSchema.migrate
          expect(first.map(([id, name]) => `${String(id).padStart(4, "0")}_${name}`)).toEqual(Object.keys(PostgresPaymentSchema.migrations))
          const again = yield* PostgresPaymentSchema.migrate
          expect(again).toEqual([])
          const sql = yield* SqlClient.SqlClient
          const tables = yield* sql<{ table_name: string }>`
            SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
          expect(tables.map((row) => row.table_name)).toEqual([
            "payment_idempotency_keys",
            "payment_inbox",
            "payment_intents",
            "payment_migrations",
            "payment_outbox",
            "payments",
            "refunds",
          ])
        }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(database.href) })), Effect.scoped)
      }), { layer: quiet, timeout: 60_000 })

    EffectTest.effect("an intent recorded before owners were has none once migrated: a version 1 booking's", () =>
      Effect.gen(function* () {
        const database = yield* freshDatabase(url)
        const bookingId = BookingId.make(Bun.randomUUIDv7())
        yield* Effect.gen(function* () {
          const { "0005_intent_owner": _, ...before } = PostgresPaymentSchema.migrations
          yield* PostgresStore.migrations(PostgresPaymentSchema.migrationsTable, before)
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO payment_intents (booking_id, amount, currency, status, hold_expires_at, created_at, updated_at)
            VALUES (${bookingId}, 90000, 'GBP', 'open', now() + interval '1 hour', now(), now())`
          expect((yield* PostgresPaymentSchema.migrate).map(([, name]) => name)).toEqual(["intent_owner"])
        }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(database.href) })), Effect.scoped)
        const intent = yield* Effect.flatMap(PaymentRepository, (repository) => repository.getIntent(bookingId)).pipe(
          Effect.provide(postgresLayer(Redacted.make(database))),
          Effect.scoped,
        )
        expect(Option.map(intent, (intent) => [intent.owner, intent.status])).toEqual(Option.some([null, "open"]))
      }), { layer: quiet, timeout: 60_000 })

    it("the database itself refuses a second succeeded payment of a booking and a second refund of a payment", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const commands = yield* PaymentCommands
        const bookingId = BookingId.make(Bun.randomUUIDv7())
        yield* commands.openIntent(yield* bookingCreated(bookingId))
        const paid = yield* commands.pay({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: "k1", fingerprint: "f" }, render)
        const paymentId = (JSON.parse(paid.body) as { id: string }).id
        const second = yield* Effect.either(sql`
          INSERT INTO payments (id, booking_id, status, amount, currency, method_type, token, transaction_id, created_at)
          VALUES (${Bun.randomUUIDv7()}, ${bookingId}, 'succeeded', 90000, 'GBP', 'card', 'tok_visa', 'tx', now())`)
        expect(second._tag === "Left" && (second.left.cause as { code?: string }).code).toBe("23505")
        const refund = (id: string) => sql`
          INSERT INTO refunds (id, payment_id, booking_id, amount, currency, status, reason, created_at)
          VALUES (${id}, ${paymentId}, ${bookingId}, 90000, 'GBP', 'pending', 'booking-cancelled', now())`
        yield* refund(Bun.randomUUIDv7())
        const again = yield* Effect.either(refund(Bun.randomUUIDv7()))
        expect(again._tag === "Left" && (again.left.cause as { code?: string }).code).toBe("23505")
      }))

    it("a pending payment begun by a build that leased nothing is left to it for a minute, then recovered", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const commands = yield* PaymentCommands
        const repository = yield* PaymentRepository
        const [recent, old] = [BookingId.make(Bun.randomUUIDv7()), BookingId.make(Bun.randomUUIDv7())]
        for (const bookingId of [recent, old]) yield* commands.openIntent(yield* bookingCreated(bookingId))
        // As the previous build inserts them: no lease columns.
        const begin = (bookingId: BookingId, age: string) => sql`
          INSERT INTO payments (id, booking_id, status, amount, currency, method_type, token, created_at)
          VALUES (${Bun.randomUUIDv7()}, ${bookingId}, 'pending', 90000, 'GBP', 'card', 'tok_visa', now() - ${age}::interval)`
        yield* begin(recent, "30 seconds")
        yield* begin(old, "2 minutes")
        const claimed = yield* repository.claimStale({ holder: "recovery", lease: Duration.seconds(3), limit: 10 })
        expect(claimed.map((payment) => payment.bookingId)).toEqual([old])
      }))
  })

})
