/**
 * The notification store's contract run on both adapters: in memory, and PostgreSQL with a database
 * of its own per test (skipped without DATABASE_URL, except in CI). With the notifications its
 * suites record.
 */
import { BookingId } from "@flight/contracts"
import * as PostgresStore from "@flight/runtime/postgres"
import { EffectTest, Postgres, RealServer } from "@flight/runtime/testing"
import { describe } from "bun:test"
import { DateTime, type Duration, Effect, Layer, Option, Redacted, type Scope } from "effect"
import { Notification, type NotificationStore } from "../../src/domain/Notification.ts"
import * as InMemoryNotificationStore from "../../src/infrastructure/InMemoryNotificationStore.ts"
import * as PostgresNotificationStore from "../../src/infrastructure/PostgresNotificationStore.ts"
import { quiet } from "./Handling.ts"

export const at = (iso: string) => DateTime.unsafeMake(iso)

/** The store, its claims, renewals and records one notification at a time, as most tests ask them. */
export const single = (store: NotificationStore["Type"]) => ({
  ...store,
  claim: (key: string, holder: string, lease: Duration.Duration) => Effect.map(store.claim([key], holder, lease), (claims) => claims.get(key)!),
  renew: (key: string, holder: string, lease: Duration.Duration) => Effect.map(store.renew([key], holder, lease), (held) => held.has(key)),
  record: (notification: Notification, holder: string) => store.record([notification], holder),
})

/** A notification of a cause; `sent` unless said otherwise. */
export const notification = (overrides: Partial<ConstructorParameters<typeof Notification>[0]> = {}) =>
  new Notification({
    id: Bun.randomUUIDv7(),
    causeId: Bun.randomUUIDv7(),
    bookingId: BookingId.make(Bun.randomUUIDv7()),
    channel: "email",
    recipient: "ada@example.com",
    template: "booking-confirmed",
    subject: "Booking X7K2QP confirmed",
    body: "Seats 12A, 12B",
    status: "sent",
    attempts: 1,
    deliveredBy: "recorded",
    error: null,
    createdAt: at("2026-11-26T10:00:00Z"),
    sentAt: at("2026-11-26T10:00:01Z"),
    ...overrides,
  })

export const failed = (overrides: Partial<ConstructorParameters<typeof Notification>[0]> = {}) =>
  notification({ status: "failed", deliveredBy: null, error: "connection refused", sentAt: null, ...overrides })

export const everything = { bookingId: Option.none(), recipient: Option.none(), limit: 100, offset: 0 }

/** A test of the contract, on a store of its own. */
export type It = (title: string, body: () => Effect.Effect<void, unknown, NotificationStore | Scope.Scope>) => void

const contract = (
  name: string,
  layer: () => Effect.Effect<Layer.Layer<NotificationStore, unknown>, unknown, Scope.Scope>,
  suite: (it: It) => void,
) => {
  const it: It = (title, body) =>
    EffectTest.effect(title, () => Effect.flatMap(layer(), (built) => Effect.scoped(Effect.provide(body(), built))), {
      layer: quiet,
      timeout: 30_000,
    })

  describe(`notification store: ${name}`, () => suite(it))
}

/** Registers `suite` on each adapter of the store. */
export const onEachStore = (suite: (it: It) => void) => {
  contract("in memory", () => Effect.succeed(InMemoryNotificationStore.layer), suite)

  RealServer.describeWith("DATABASE_URL", "notification store on PostgreSQL", (url) => {
    const onFreshDatabase = () =>
      Effect.map(Postgres.freshDatabase(url, "notification_test"), (database) =>
        PostgresNotificationStore.layer.pipe(Layer.provide(PostgresStore.layer(Redacted.make(database), { applicationName: "notification" }))))

    contract("PostgreSQL", onFreshDatabase, suite)
  })
}
