/**
 * The payment service's outbox on PostgreSQL: `payment_outbox` rows, written in the transaction of
 * the change they report (`append`), leased to a relay (`lease_owner`, `lease_until` on the server's clock),
 * renewed while it publishes them, deleted once published.
 */
import { Outbox } from "@flight/bus"
import { Catalogue, StoredMessage } from "@flight/contracts"
import type { SqlClient } from "@effect/sql"
import * as PostgresStore from "@flight/runtime/postgres"
import { Duration, Effect } from "effect"
import type { Outgoing } from "../domain/PaymentRepository.ts"

type Row = Record<string, unknown>

/** A lease as an interval PostgreSQL adds to its own clock (one clock for every instance). */
export const interval = (lease: Duration.Duration) => `${Duration.toMillis(lease)} milliseconds`

/** Writes `events` into the outbox, in the transaction of the change they report. */
export const append = (sql: SqlClient.SqlClient, events: ReadonlyArray<Outgoing>) =>
  Effect.forEach(events, (event) =>
    sql`INSERT INTO payment_outbox (id, message, traceparent) VALUES (${event.message.id}, ${Catalogue.encodeJson(event.message)}, ${event.traceparent})`, {
    discard: true,
  })

export const make = (sql: SqlClient.SqlClient, written: Effect.Effect<void>): Outbox.OutboxStore => ({
  written,
  claim: ({ lease, limit, owner }) =>
    sql<Row>`
      UPDATE payment_outbox SET lease_owner = ${owner}, lease_until = now() + ${interval(lease)}::interval
      WHERE id IN (
        SELECT id FROM payment_outbox
        WHERE lease_until IS NULL OR lease_until < now() OR lease_owner = ${owner}
        ORDER BY seq LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING id, seq, message, traceparent`.pipe(
      Effect.flatMap((rows) =>
        Effect.forEach(rows.toSorted((a, b) => Number(a["seq"]) - Number(b["seq"])), (row) => {
          const decoded = StoredMessage.read(String(row["message"]))
          return decoded._tag === "Right"
            ? Effect.succeed([{ id: String(row["id"]), message: decoded.right, traceparent: (row["traceparent"] as string | null) ?? null }])
            // Left leased: a newer build's relay takes it over after the lease; logged each time.
            : Effect.as(Effect.logError(`outbox row ${String(row["id"])} cannot be read by this build: ${decoded.left.message}`), [])
        }).pipe(Effect.map((entries) => entries.flat()))
      ),
      Effect.mapError((error) => new Outbox.OutboxStoreError({ reason: PostgresStore.reasonOf(error) })),
    ),
  renew: (owner, ids, lease) =>
    ids.length === 0 ? Effect.succeed([]) : sql<Row>`
      UPDATE payment_outbox SET lease_until = now() + ${interval(lease)}::interval
      WHERE lease_owner = ${owner} AND id IN ${sql.in(ids)} RETURNING id`.pipe(
      Effect.map((rows) => rows.map((row) => String(row["id"]))),
      Effect.mapError((error) => new Outbox.OutboxStoreError({ reason: PostgresStore.reasonOf(error) })),
    ),
  complete: (owner, ids) =>
    ids.length === 0 ? Effect.void : Effect.asVoid(sql`DELETE FROM payment_outbox WHERE lease_owner = ${owner} AND id IN ${sql.in(ids)}`).pipe(
      Effect.mapError((error) => new Outbox.OutboxStoreError({ reason: PostgresStore.reasonOf(error) })),
    ),
  release: (owner, ids) =>
    ids.length === 0 ? Effect.void : Effect.asVoid(sql`UPDATE payment_outbox SET lease_owner = NULL, lease_until = NULL
      WHERE lease_owner = ${owner} AND id IN ${sql.in(ids)}`).pipe(
      Effect.mapError((error) => new Outbox.OutboxStoreError({ reason: PostgresStore.reasonOf(error) })),
    ),
  stats: Effect.map(
    sql<Row>`SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at)) * 1000 AS oldest FROM payment_outbox`,
    ([row]) => ({ pending: Number(row?.["pending"] ?? 0), oldestAgeMillis: row?.["oldest"] == null ? null : Number(row["oldest"]) }),
  ).pipe(Effect.mapError((error) => new Outbox.OutboxStoreError({ reason: PostgresStore.reasonOf(error) }))),
})
