/**
 * The payment service's schema on PostgreSQL, as migrations run at start (several instances starting
 * at once take turns). Its constraints make a double charge or a double refund impossible whatever
 * the code does.
 */
import { SqlIdempotency } from "@flight/bus"
import { SqlClient } from "@effect/sql"
import * as PostgresStore from "@flight/runtime/postgres"
import { Effect } from "effect"

export const migrationsTable = "payment_migrations"
export const inboxTable = "payment_inbox"

/** The schema, in order. A migration, once shipped, never changes: a change is a new one. */
export const migrations = {
  "0001_payments": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all([
      sql`CREATE TABLE payment_intents (
        booking_id uuid PRIMARY KEY,
        amount bigint NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'paid', 'closed')),
        hold_expires_at timestamptz NOT NULL,
        payment_id uuid NULL,
        closed_reason text NULL CHECK (closed_reason IN ('customer', 'expired', 'flight-cancelled')),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK ((status = 'paid') = (payment_id IS NOT NULL) OR status = 'closed')
      )`,
      sql`CREATE TABLE payments (
        id uuid PRIMARY KEY,
        booking_id uuid NOT NULL REFERENCES payment_intents (booking_id),
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        amount bigint NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        method_type text NOT NULL,
        token text NOT NULL,
        transaction_id text NULL,
        failure_reason text NULL,
        created_at timestamptz NOT NULL,
        completed_at timestamptz NULL,
        CHECK ((status = 'succeeded') = (transaction_id IS NOT NULL))
      )`,
      // The database itself refuses a second charge of a booking, and a second one under way.
      sql`CREATE UNIQUE INDEX payments_one_success_per_booking ON payments (booking_id) WHERE status = 'succeeded'`,
      sql`CREATE UNIQUE INDEX payments_one_pending_per_booking ON payments (booking_id) WHERE status = 'pending'`,
      sql`CREATE TABLE refunds (
        id uuid PRIMARY KEY,
        payment_id uuid NOT NULL UNIQUE REFERENCES payments (id),
        booking_id uuid NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded')),
        reason text NOT NULL CHECK (reason IN ('booking-cancelled', 'charged-after-booking-ended')),
        transaction_id text NULL,
        created_at timestamptz NOT NULL,
        completed_at timestamptz NULL
      )`,
      sql`CREATE INDEX refunds_pending ON refunds (created_at) WHERE status = 'pending'`,
      sql`CREATE TABLE payment_idempotency_keys (
        key text PRIMARY KEY,
        fingerprint text NOT NULL,
        payment_id uuid NULL,
        response_status int NULL,
        response_body text NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      sql`CREATE TABLE payment_outbox (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL,
        message text NOT NULL,
        traceparent text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        lease_owner text NULL,
        lease_until timestamptz NULL
      )`,
      sql`CREATE INDEX payment_outbox_order ON payment_outbox (seq)`,
      SqlIdempotency.createTable(inboxTable),
    ], { discard: true })),
  "0002_lookup_indexes": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all([
      // A booking's history, and the key of a payment (its response is recorded by payment id).
      sql`CREATE INDEX payments_by_booking ON payments (booking_id, created_at)`,
      sql`CREATE INDEX refunds_by_booking ON refunds (booking_id, created_at)`,
      sql`CREATE INDEX payment_idempotency_keys_by_payment ON payment_idempotency_keys (payment_id)`,
    ], { discard: true })),
  // The purge of keys past their retention.
  "0003_idempotency_key_age": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`CREATE INDEX payment_idempotency_keys_by_age ON payment_idempotency_keys (created_at)`),
  // A charge under way is leased to its process, renewed while it works: the recovery takes a
  // pending payment once its lease ran out, not once it is a minute old. Rows begun by a build
  // before this one have no lease: they are taken at a minute, as that build expects.
  "0004_charge_leases": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all([
      sql`ALTER TABLE payments ADD COLUMN lease_owner text NULL, ADD COLUMN lease_until timestamptz NULL`,
      sql`CREATE INDEX payments_pending_by_lease ON payments (lease_until) WHERE status = 'pending'`,
    ], { discard: true })),
  // Who made the booking (booking.created v2), so that its owner may pay it and read its payments.
  // Intents opened before are a version 1 booking's: no owner, reached by its guest token and staff.
  "0005_intent_owner": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`ALTER TABLE payment_intents ADD COLUMN owner text NULL`),
}

/** Runs the migrations that have not run yet (several instances starting at once take turns). */
export const migrate = PostgresStore.migrations(migrationsTable, migrations)
