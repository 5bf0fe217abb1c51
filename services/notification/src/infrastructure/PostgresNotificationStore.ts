/**
 * The notification history, the contacts of bookings and the claims of senders on PostgreSQL
 * (@effect/sql), so that "sent once per cause" holds across restarts and across instances of the
 * service: a notification is keyed by its cause, channel, recipient and template (primary key), and
 * a sender claims it for a short lease before sending (`notification_claims`), renews it while it
 * sends, and ends it by recording the outcome. The schema is created by migrations at start, in their own table beside any other service's.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { CompiledParser } from "@flight/contracts"
import * as PostgresStore from "@flight/runtime/postgres"
import { Spans } from "@flight/runtime"
import { DateTime, Duration, Effect, Layer, Option, type ParseResult } from "effect"
import {
  BookingContact,
  type Claim,
  type KeyedCommand,
  keyOf,
  Notification,
  NotificationStore,
  NotificationStoreError,
} from "../domain/Notification.ts"

export const migrationsTable = "notification_migrations"

/** The schema, in order. A migration, once shipped, never changes: a change is a new one. */
export const migrations = {
  "0001_notifications": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all([
      sql`CREATE TABLE notifications (
        key text PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        cause_id text NOT NULL,
        booking_id uuid NULL,
        channel text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
        recipient text NOT NULL,
        template text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'failed')),
        attempts int NOT NULL CHECK (attempts >= 1),
        delivered_by text NULL,
        error text NULL,
        created_at timestamptz NOT NULL,
        sent_at timestamptz NULL,
        CHECK ((status = 'sent') = (sent_at IS NOT NULL))
      )`,
      // The history's three questions: a booking's, a recipient's, everything; oldest first.
      sql`CREATE INDEX notifications_by_booking ON notifications (booking_id, created_at, id)`,
      sql`CREATE INDEX notifications_by_recipient ON notifications (recipient, created_at, id)`,
      sql`CREATE INDEX notifications_in_order ON notifications (created_at, id)`,
      sql`CREATE TABLE notification_claims (
        key text PRIMARY KEY,
        holder text NOT NULL,
        until timestamptz NOT NULL
      )`,
      sql`CREATE TABLE notification_contacts (
        booking_id uuid PRIMARY KEY,
        reference text NOT NULL,
        email text NOT NULL,
        phone text NULL
      )`,
    ], { discard: true })),
  "0002_idempotency_keys": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.all([
      sql`CREATE TABLE notification_idempotency_keys (
        key text PRIMARY KEY,
        fingerprint text NOT NULL,
        command text NOT NULL,
        created_at timestamptz NOT NULL
      )`,
      sql`CREATE INDEX notification_idempotency_keys_by_age ON notification_idempotency_keys (created_at)`,
    ], { discard: true })),
  // Who owns a booking, from booking.created version 2; contacts remembered before it have none.
  "0003_contact_owner": Effect.flatMap(SqlClient.SqlClient, (sql) => sql`ALTER TABLE notification_contacts ADD COLUMN owner text NULL`),
}

/** Runs the migrations that have not run yet (several instances starting at once take turns). */
export const migrate = PostgresStore.migrations(migrationsTable, migrations)

type Row = Record<string, unknown>

const storeError = (operation: string) => (error: SqlError.SqlError | { readonly message: string }) =>
  new NotificationStoreError({ operation, reason: PostgresStore.reasonOf(error) })

/** A row this build cannot read: reading it again changes nothing. */
const unreadable = (what: string) => (error: ParseResult.ParseError) =>
  new NotificationStoreError({ operation: "read", reason: `stored ${what} is invalid: ${error.message}`, transient: false })

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value === null || value === undefined ? null : String(value))

const decodeNotification = CompiledParser.decoder(Notification)
const notificationOf = (row: Row) =>
  decodeNotification({
    id: row["id"],
    causeId: row["cause_id"],
    bookingId: row["booking_id"] ?? null,
    channel: row["channel"],
    recipient: row["recipient"],
    template: row["template"],
    subject: row["subject"],
    body: row["body"],
    status: row["status"],
    attempts: row["attempts"],
    deliveredBy: row["delivered_by"] ?? null,
    error: row["error"] ?? null,
    createdAt: iso(row["created_at"]),
    sentAt: iso(row["sent_at"]),
  }).pipe(Effect.mapError(unreadable("notification")))

/** Keys in the order of their bytes (`COLLATE "C"`): the order every statement here locks rows of several keys in. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** A notification as its row is written. */
const rowOf = (notification: Notification) => ({
  key: keyOf(notification),
  id: notification.id,
  cause_id: notification.causeId,
  booking_id: notification.bookingId,
  channel: notification.channel,
  recipient: notification.recipient,
  template: notification.template,
  subject: notification.subject,
  body: notification.body,
  status: notification.status,
  attempts: notification.attempts,
  delivered_by: notification.deliveredBy,
  error: notification.error,
  created_at: DateTime.toDateUtc(notification.createdAt),
  sent_at: notification.sentAt === null ? null : DateTime.toDateUtc(notification.sentAt),
})

const keyedOf = (key: string, row: Row): KeyedCommand => ({
  key,
  fingerprint: String(row["fingerprint"]),
  command: String(row["command"]),
  at: DateTime.unsafeMake(row["created_at"] as Date),
})

const decodeContact = CompiledParser.decoder(BookingContact)
const contactOf = (row: Row) =>
  decodeContact({
    bookingId: row["booking_id"],
    reference: row["reference"],
    contact: row["phone"] === null ? { email: row["email"] } : { email: row["email"], phone: row["phone"] },
    owner: row["owner"] ?? null,
  }).pipe(Effect.mapError(unreadable("contact")))

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const traced = (operation: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Spans.within(`postgresql ${operation}`, {
      kind: "client",
      attributes: { "db.system.name": "postgresql", "db.operation.name": operation },
    })(effect)

  const store: NotificationStore["Type"] = {
    claim: (keys, holder, lease) =>
      Effect.gen(function* () {
        // In one order (that of their bytes, as the renewal and the record lock them), so that two
        // senders claiming the same notifications never wait on each other crosswise.
        const wanted = [...new Set(keys)].toSorted(byBytes)
        if (wanted.length === 0) return new Map<string, Claim>()
        // Taken when it was not sent and nobody holds it, this holder holds it, or the last holder's
        // lease ran out. A row of its own for each key, whose look-up of the sent notification is one
        // by the key itself: a join of a list of keys with the notifications may be planned (and kept,
        // as a generic plan) as a scan of every notification while the table is young.
        const until = sql`now() + ${Duration.toMillis(lease)} * interval '1 millisecond'`
        const taken = new Set((yield* sql<Row>`
          INSERT INTO notification_claims (key, holder, until)
          ${
          sql.join(" UNION ALL ", false)(wanted.map((key) =>
            sql`SELECT ${key}, ${holder}, ${until} WHERE NOT EXISTS (SELECT 1 FROM notifications WHERE key = ${key} AND status = 'sent')`
          ))
        }
          ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
            WHERE notification_claims.holder = EXCLUDED.holder OR notification_claims.until <= now()
          RETURNING key`).map((row) => String(row["key"])))
        // Read in a statement of its own, after the claim: a notification recorded as sent while the
        // claim was taken (after the claim's snapshot) is seen here.
        const rows = new Map((yield* sql<Row>`SELECT * FROM notifications WHERE key IN ${sql.in(wanted)}`)
          .map((row) => [String(row["key"]), row] as const))
        const sentWhileTaken = wanted.filter((key) => taken.has(key) && rows.get(key)?.["status"] === "sent")
        if (sentWhileTaken.length > 0) {
          yield* sql`DELETE FROM notification_claims WHERE key IN ${sql.in(sentWhileTaken)} AND holder = ${holder}`
        }
        const answers = new Map<string, Claim>()
        for (const key of wanted) {
          const row = rows.get(key)
          if (row?.["status"] === "sent") answers.set(key, { _tag: "Sent" })
          else if (!taken.has(key)) answers.set(key, { _tag: "Held" })
          else answers.set(key, { _tag: "Claimed", earlier: row === undefined ? Option.none() : Option.some(yield* notificationOf(row)) })
        }
        return answers
      }).pipe(Effect.catchTag("SqlError", (error) => Effect.fail(storeError("claim")(error))), traced("claim")),

    renew: (keys, holder, lease) =>
      // The holder's own claims only, on the server's clock like the claim: one another holder took
      // (this one's lease ran out) or a record ended is never taken back.
      // Its rows locked in the order of the keys, as the claim locks them: never crosswise with a claim.
      keys.length === 0 ? Effect.succeed(new Set<string>()) : sql<Row>`
        WITH held AS (
          SELECT key FROM notification_claims WHERE key IN ${sql.in(keys)} AND holder = ${holder} ORDER BY key COLLATE "C" FOR UPDATE
        )
        UPDATE notification_claims SET until = now() + ${Duration.toMillis(lease)} * interval '1 millisecond'
        WHERE key IN (SELECT key FROM held) AND holder = ${holder}
        RETURNING key`.pipe(
        Effect.map((renewed) => new Set(renewed.map((row) => String(row["key"])))),
        Effect.mapError(storeError("renew")),
        traced("renew"),
      ),

    record: (notifications, holder) =>
      // One statement, atomic without a transaction of its own: the records, and the end of the
      // holder's own claims (a holder whose lease ran out does not end the claim of the one after it).
      notifications.length === 0 ? Effect.void : sql`
        WITH recorded AS (
          INSERT INTO notifications ${sql.insert(notifications.map(rowOf).toSorted((a, b) => byBytes(a.key, b.key)))}
          ON CONFLICT (key) DO UPDATE SET
            subject = EXCLUDED.subject, body = EXCLUDED.body, status = EXCLUDED.status, attempts = EXCLUDED.attempts,
            delivered_by = EXCLUDED.delivered_by, error = EXCLUDED.error, sent_at = EXCLUDED.sent_at
            -- What went out stays recorded so: a holder whose lease ran out records its failure too late.
            WHERE notifications.status <> 'sent'
          RETURNING key
        ), ended AS (
          SELECT key FROM notification_claims WHERE key IN (SELECT key FROM recorded) AND holder = ${holder} ORDER BY key COLLATE "C" FOR UPDATE
        )
        DELETE FROM notification_claims WHERE key IN (SELECT key FROM ended) AND holder = ${holder}`.pipe(
        Effect.asVoid,
        Effect.mapError(storeError("record")),
        traced("record"),
      ),

    history: ({ bookingId, limit, offset, recipient }) =>
      Effect.gen(function* () {
        const filters = [
          ...Option.match(bookingId, { onNone: () => [], onSome: (id) => [sql`booking_id = ${id}`] }),
          ...Option.match(recipient, { onNone: () => [], onSome: (to) => [sql`recipient = ${to}`] }),
        ]
        // One row past the page says whether there is more.
        const rows = yield* sql<Row>`
          SELECT * FROM notifications WHERE ${sql.and(filters)} ORDER BY created_at, id LIMIT ${limit + 1} OFFSET ${offset}`.pipe(
          Effect.mapError(storeError("history")),
        )
        const items = yield* Effect.forEach(rows.slice(0, limit), notificationOf)
        return { items, more: rows.length > limit }
      }).pipe(traced("history")),

    keyCommand: (request) =>
      // One statement: the row inserted, or the one there before (a no-op update returns it; xmax = 0 marks an insert).
      sql<Row>`
        INSERT INTO notification_idempotency_keys (key, fingerprint, command, created_at)
        VALUES (${request.key}, ${request.fingerprint}, ${request.command}, ${DateTime.toDateUtc(request.at)})
        ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key
        RETURNING fingerprint, command, created_at, (xmax = 0) AS inserted`.pipe(
        Effect.map(([row]) => (row === undefined || row["inserted"] === true ? Option.none() : Option.some(keyedOf(request.key, row)))),
        Effect.mapError(storeError("key command")),
        traced("key command"),
      ),

    keyedCommand: (key) =>
      sql<Row>`SELECT fingerprint, command, created_at FROM notification_idempotency_keys WHERE key = ${key}`.pipe(
        Effect.map(([row]) => (row === undefined ? Option.none() : Option.some(keyedOf(key, row)))),
        Effect.mapError(storeError("keyed command")),
        traced("keyed command"),
      ),

    purgeKeys: (before) =>
      sql<Row>`WITH purged AS (DELETE FROM notification_idempotency_keys WHERE created_at < ${DateTime.toDateUtc(before)} RETURNING 1)
        SELECT count(*)::int AS purged FROM purged`.pipe(
        Effect.map(([row]) => Number(row?.["purged"] ?? 0)),
        Effect.mapError(storeError("purge keys")),
        traced("purge keys"),
      ),

    rememberContact: ({ bookingId, contact, owner, reference }) =>
      sql`
        INSERT INTO notification_contacts (booking_id, reference, email, phone, owner)
        VALUES (${bookingId}, ${reference}, ${contact.email}, ${contact.phone ?? null}, ${owner})
        ON CONFLICT (booking_id) DO UPDATE SET
          reference = EXCLUDED.reference, email = EXCLUDED.email, phone = EXCLUDED.phone, owner = EXCLUDED.owner`.pipe(
        Effect.asVoid,
        Effect.mapError(storeError("remember contact")),
        traced("remember contact"),
      ),

    contactOf: (bookingId) =>
      sql<Row>`SELECT * FROM notification_contacts WHERE booking_id = ${bookingId}`.pipe(
        Effect.mapError(storeError("contact of")),
        Effect.flatMap(([row]) => (row === undefined ? Effect.succeedNone : Effect.asSome(contactOf(row)))),
        traced("contact of"),
      ),
  }
  return store
})

/** The store on the `SqlClient` in context, migrated first. */
export const layer: Layer.Layer<NotificationStore, NotificationStoreError, SqlClient.SqlClient> = Layer.effect(
  NotificationStore,
  Effect.zipRight(migrate.pipe(Effect.mapError(storeError("migrate"))), make),
)
