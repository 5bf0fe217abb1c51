/**
 * What the service does at once instead of polling, on a real PostgreSQL: a payment request that
 * overtook booking.created waits for the intent (woken in this process, or by another instance
 * through NOTIFY) and is charged; one for a booking that never comes still answers not-ready after
 * the bounded wait; an outbox entry another instance committed wakes an idle relay (LISTEN/NOTIFY).
 */
import { InProcessBus, MessageBus, Outbox, withPublish } from "@flight/bus"
import { BookingId } from "@flight/contracts"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { SqlClient } from "@effect/sql"
import { expect } from "bun:test"
import { Context, Duration, Effect, Fiber, Layer, Logger, Redacted } from "effect"
import { PaymentCommands } from "../src/application/PaymentCommands.ts"
import { IntentWait } from "../src/application/IntentWait.ts"
import { postgresLayer } from "../src/main.ts"
import { bookingCreated, freshDatabase, render, guestOf } from "./support/Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

RealServer.describeWith("DATABASE_URL", "payment notifications on PostgreSQL", (url) => {
  /** Two instances of the service on one database, each with its own pool and listening connection. */
  const twoInstances = Effect.gen(function* () {
    const database = Redacted.make(yield* freshDatabase(url))
    const first = yield* Layer.build(postgresLayer(database))
    const second = yield* Layer.build(postgresLayer(database))
    return { first, second }
  })
  const pay = (bookingId: BookingId) => ({ caller: guestOf(bookingId), bookingId, token: "tok_visa", key: crypto.randomUUID(), fingerprint: "f" })

  EffectTest.effect("a payment sent just before booking.created is charged once the intent opens, without a payment-not-ready", () =>
    Effect.gen(function* () {
      const { first } = yield* twoInstances
      const commands = Context.get(first, PaymentCommands)
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      // A wait longer than any test: only the intent's arrival can end it in time.
      const paying = yield* Effect.fork(commands.pay(pay(bookingId), render).pipe(Effect.provideService(IntentWait, { within: Duration.minutes(5) })))
      yield* Effect.sleep("100 millis")
      yield* commands.openIntent(yield* bookingCreated(bookingId))
      const paid = yield* Fiber.join(paying)
      expect(paid.status).toBe(201)
      expect(JSON.parse(paid.body).status).toBe("succeeded")
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("the intent opened by another instance wakes the request waiting in this one (NOTIFY)", () =>
    Effect.gen(function* () {
      const { first, second } = yield* twoInstances
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      const paying = yield* Effect.fork(
        Context.get(first, PaymentCommands).pay(pay(bookingId), render).pipe(Effect.provideService(IntentWait, { within: Duration.minutes(5) })),
      )
      yield* Effect.sleep("100 millis")
      yield* Context.get(second, PaymentCommands).openIntent(yield* bookingCreated(bookingId))
      expect((yield* Fiber.join(paying)).status).toBe(201)
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a payment for a booking that never comes still answers payment-not-ready, after the bounded wait", () =>
    Effect.gen(function* () {
      const { first } = yield* twoInstances
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      const answer = yield* Context.get(first, PaymentCommands).pay(pay(bookingId), render).pipe(
        Effect.provideService(IntentWait, { within: Duration.millis(200) }),
        Effect.flip,
      )
      expect(answer._tag).toBe("IntentNotOpenYet")
      // Nothing was kept of it: the key is not claimed, no payment pending.
      const sql = Context.unsafeGet(first, SqlClient.SqlClient)
      expect(yield* sql`SELECT key FROM payment_idempotency_keys`).toEqual([])
      expect(yield* sql`SELECT id FROM payments`).toEqual([])
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("an outbox entry committed by another instance is published by an idle relay at once (NOTIFY), not at its next poll", () =>
    Effect.gen(function* () {
      const { first, second } = yield* twoInstances
      const { bus } = yield* InProcessBus.make()
      const published: Array<string> = []
      const observed = withPublish(bus, (message, options) =>
        Effect.zipRight(Effect.sync(() => void published.push(message.type)), bus.publish(message, options)))
      // The first instance's relay polls once an hour: only a notification can wake it in time.
      yield* Outbox.startRelay(Context.get(first, Outbox.Store), { idleDelay: "1 hour" }).pipe(Effect.provideService(MessageBus, observed))
      yield* Effect.sleep("200 millis")
      const commands = Context.get(second, PaymentCommands)
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      yield* commands.openIntent(yield* bookingCreated(bookingId))
      expect((yield* commands.pay(pay(bookingId), render)).status).toBe(201)
      while (!published.includes("payment.processed")) yield* Effect.sleep("10 millis")
      const sql = Context.unsafeGet(first, SqlClient.SqlClient)
      while ((yield* sql`SELECT id FROM payment_outbox`).length > 0) yield* Effect.sleep("10 millis")
    }).pipe(Effect.scoped), { layer: quiet, timeout: 30_000 })
})
