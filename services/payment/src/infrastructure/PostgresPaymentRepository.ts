/**
 * Intents, payments and refunds on PostgreSQL (@effect/sql). The schema is created by migrations at
 * start (`PostgresPaymentSchema`); its constraints make a double charge or a double refund impossible
 * whatever the code does: one succeeded payment per booking and one pending per booking (partial
 * unique indexes), one refund per payment (unique), amounts never negative. Each operation is one
 * transaction with its outbox rows and, for message handlers, its inbox row; a transaction that loses
 * a serialization race or a deadlock is run again. The begin of a charge (`PostgresPaymentBegin`),
 * the leases of charges under way (`PostgresPaymentRecovery`), the rows (`PostgresPaymentRows`) and
 * the notifications between instances (`PostgresPaymentChannels`) are modules of their own.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Outbox, SqlIdempotency } from "@flight/bus"
import { BookingId, Catalogue, PaymentId } from "@flight/contracts"
import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import type { Refund } from "../domain/Payment.ts"
import { PaymentRepository, PaymentStoreError } from "../domain/PaymentRepository.ts"
import * as PostgresPaymentBegin from "./PostgresPaymentBegin.ts"
import * as PostgresPaymentChannels from "./PostgresPaymentChannels.ts"
import * as PostgresPaymentOutbox from "./PostgresPaymentOutbox.ts"
import * as PostgresPaymentRecovery from "./PostgresPaymentRecovery.ts"
import { IntentFromRow, PaymentFromRow, paymentOf, RefundFromRow } from "./PostgresPaymentRows.ts"
import { inboxTable, migrate } from "./PostgresPaymentSchema.ts"
import { failing, retriable, storeError, traced, transaction, transactionRetry } from "./PostgresPaymentSql.ts"

/** Besides the payment's columns, what completing it answers: whether it recorded a refund of the charge. */
const decodeCompleted = Schema.decodeUnknown(Schema.Struct({ refunded: Schema.Boolean }))

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const inbox = yield* SqlIdempotency.make({ table: inboxTable })
  const channels = yield* PostgresPaymentChannels.make(sql, yield* PgClient.PgClient)
  const begin = yield* PostgresPaymentBegin.make
  const leases = yield* PostgresPaymentRecovery.make
  const inTransaction = transaction(sql)

  const findIntent = SqlSchema.findOne({
    Request: BookingId,
    Result: IntentFromRow,
    execute: (bookingId) => sql`SELECT * FROM payment_intents WHERE booking_id = ${bookingId}`,
  })
  const paymentsOf = SqlSchema.findAll({
    Request: BookingId,
    Result: PaymentFromRow,
    execute: (bookingId) => sql`SELECT * FROM payments WHERE booking_id = ${bookingId} ORDER BY created_at, id`,
  })
  const refundsOf = SqlSchema.findAll({
    Request: BookingId,
    Result: RefundFromRow,
    execute: (bookingId) => sql`SELECT * FROM refunds WHERE booking_id = ${bookingId} ORDER BY created_at, id`,
  })
  const findPayment = SqlSchema.findOne({
    Request: PaymentId,
    Result: PaymentFromRow,
    execute: (id) => sql`SELECT * FROM payments WHERE id = ${id}`,
  })
  const refundOfPayment = SqlSchema.findOne({
    Request: PaymentId,
    Result: RefundFromRow,
    execute: (paymentId) => sql`SELECT * FROM refunds WHERE payment_id = ${paymentId}`,
  })
  const pendingRefunds = SqlSchema.findAll({
    Request: Schema.Int,
    Result: RefundFromRow,
    execute: (limit) => sql`SELECT * FROM refunds WHERE status = 'pending' ORDER BY created_at LIMIT ${limit}`,
  })
  const purgeKeys = SqlSchema.findOne({
    Request: Schema.DateTimeUtcFromDate,
    Result: Schema.Struct({ purged: Schema.Int }),
    execute: (before) =>
      sql`WITH purged AS (
          DELETE FROM payment_idempotency_keys WHERE created_at < ${before} AND response_status IS NOT NULL RETURNING 1
        ) SELECT count(*)::int AS purged FROM purged`,
  })

  const repository: PaymentRepository["Type"] = {
    openIntent: (messageKey, intent) =>
      // The inbox's key and the intent in one statement, atomic without a transaction of its own (one
      // round trip where BEGIN, the key, the intent and COMMIT took four, on the saga's path): the
      // intent is written only when the key is new, as `inbox.once` would. A conflict on the intent is
      // a cancellation that came first (`bookingEnded`: a closed intent in XXX, no owner): that intent
      // stays closed, and now knows whose booking it was.
      sql<{ readonly applied: boolean }>`
        WITH claimed AS (
          INSERT INTO ${sql(inboxTable)} (message_key) VALUES (${messageKey})
          ON CONFLICT (message_key) DO NOTHING
          RETURNING message_key
        ), opened AS (
          INSERT INTO payment_intents (booking_id, owner, amount, currency, status, hold_expires_at, created_at, updated_at)
          SELECT ${intent.bookingId}, ${intent.owner}, ${intent.amount.amount}, ${intent.amount.currency}, 'open',
                 ${DateTime.toDateUtc(intent.holdExpiresAt)}, ${DateTime.toDateUtc(intent.now)}, ${DateTime.toDateUtc(intent.now)}
          FROM claimed
          ON CONFLICT (booking_id) DO UPDATE SET owner = EXCLUDED.owner
            WHERE payment_intents.currency = 'XXX' AND payment_intents.owner IS NULL
        )
        SELECT count(*) > 0 AS applied FROM claimed`.pipe(
        Effect.map(([row]) => row?.applied === true),
        Effect.retry({ schedule: transactionRetry, while: retriable }),
        Effect.mapError(storeError("open intent")),
        traced("open intent"),
        // Requests waiting for this intent, here and in other instances, go on at once.
        Effect.tap((applied) => (applied ? channels.intentOpened(intent.bookingId) : Effect.void)),
      ),

    intentMark: channels.intentMark,
    intentArrival: channels.intentArrival,

    bookingEnded: (messageKey, ended) =>
      Effect.gen(function* () {
        const result: { outcome: "closed" | "refund" | "nothing" } = { outcome: "nothing" }
        const now = DateTime.toDateUtc(ended.now)
        const applied = yield* inbox.once(messageKey, Effect.gen(function* () {
          const [intent] = yield* sql`SELECT status FROM payment_intents WHERE booking_id = ${ended.bookingId} FOR UPDATE`
          if (intent === undefined) {
            // The cancellation overtook booking.created: a closed intent, so the late creation opens nothing.
            // Its amount is unknown yet: 0 in XXX, ISO 4217's "no currency" (history shows no intent for it).
            yield* sql`INSERT INTO payment_intents (booking_id, amount, currency, status, hold_expires_at, closed_reason, created_at, updated_at)
              VALUES (${ended.bookingId}, 0, 'XXX', 'closed', ${now}, ${ended.reason}, ${now}, ${now})
              ON CONFLICT (booking_id) DO NOTHING`
            result.outcome = "closed"
            return
          }
          if (intent["status"] === "open") {
            yield* sql`UPDATE payment_intents SET status = 'closed', closed_reason = ${ended.reason}, updated_at = ${now}
              WHERE booking_id = ${ended.bookingId}`
            result.outcome = "closed"
            return
          }
          // Paid: the charge is refunded in full, once (refunds.payment_id is unique).
          const inserted = yield* sql`
            INSERT INTO refunds (id, payment_id, booking_id, amount, currency, status, reason, created_at)
            SELECT ${ended.refundId}, id, booking_id, amount, currency, 'pending', 'booking-cancelled', ${now}
            FROM payments WHERE booking_id = ${ended.bookingId} AND status = 'succeeded'
            ON CONFLICT (payment_id) DO NOTHING RETURNING id`
          if (inserted.length > 0) result.outcome = "refund"
        })).pipe(
          Effect.retry({ schedule: transactionRetry, while: retriable }),
          Effect.mapError(storeError("booking ended")),
        )
        return applied ? result.outcome : "nothing"
      }),

    beginPayment: begin,

    completePayment: (request) =>
      // One statement, so one round trip and one commit: the outcome (only of a payment still
      // pending), the intent paid, or, when the booking ended meanwhile, the charge refunded in
      // full; payment.processed into the outbox; the response recorded under the key.
      Effect.gen(function* () {
        const { outcome } = request
        const now = DateTime.toDateUtc(request.now)
        const [row] = yield* sql`
          WITH done AS (
            UPDATE payments SET status = ${outcome._tag === "Approved" ? "succeeded" : "failed"},
                   transaction_id = ${outcome._tag === "Approved" ? outcome.transactionId : null},
                   failure_reason = ${outcome._tag === "Declined" ? outcome.reason : null},
                   completed_at = ${now}
            WHERE id = ${request.paymentId} AND status = 'pending'
            RETURNING *
          ), paid AS (
            UPDATE payment_intents SET status = 'paid', payment_id = done.id, updated_at = ${now}
            FROM done
            WHERE payment_intents.booking_id = done.booking_id AND payment_intents.status = 'open' AND done.status = 'succeeded'
            RETURNING payment_intents.booking_id
          ), refund AS (
            INSERT INTO refunds (id, payment_id, booking_id, amount, currency, status, reason, created_at)
            SELECT ${request.refundId}, id, booking_id, amount, currency, 'pending', 'charged-after-booking-ended', ${now}
            FROM done WHERE done.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM paid)
            RETURNING id
          ), appended AS (
            INSERT INTO payment_outbox (id, message, traceparent)
            SELECT ${request.event.message.id}, ${Catalogue.encodeJson(request.event.message)}, ${request.event.traceparent} FROM done
          ), answered AS (
            UPDATE payment_idempotency_keys SET response_status = ${request.response.status}, response_body = ${request.response.body}
            FROM done WHERE payment_idempotency_keys.payment_id = done.id
          )
          SELECT done.*, EXISTS (SELECT 1 FROM refund) AS refunded FROM done`
        if (row === undefined) {
          // Completed before (a recovery raced the request): what is stored stands.
          const stored = yield* findPayment(request.paymentId)
          if (Option.isNone(stored)) return yield* Effect.dieMessage(`payment ${request.paymentId} to complete does not exist`)
          return { payment: stored.value, refund: yield* refundOfPayment(request.paymentId) }
        }
        const payment = yield* paymentOf(row)
        // The booking ended while the charge was under way (rare): the refund as recorded.
        const { refunded } = yield* decodeCompleted(row)
        return { payment, refund: refunded ? yield* refundOfPayment(request.paymentId) : Option.none<Refund>() }
      }).pipe(
        Effect.retry({ schedule: transactionRetry, while: retriable }),
        traced("complete payment"),
        failing("complete payment"),
        Effect.tap(() => channels.written),
      ),

    purgeKeys: (before) =>
      purgeKeys(before).pipe(Effect.map(Option.match({ onNone: () => 0, onSome: ({ purged }) => purged })), failing("purge keys"), traced("purge keys")),

    claimStale: leases.claimStale,

    renewPayments: leases.renewPayments,

    pendingRefunds: (limit) => pendingRefunds(limit).pipe(failing("pending refunds")),

    completeRefund: (refundId, transactionId, now, event) =>
      inTransaction("complete refund")(Effect.gen(function* () {
        const updated = yield* sql`
          UPDATE refunds SET status = 'succeeded', transaction_id = ${transactionId}, completed_at = ${DateTime.toDateUtc(now)}
          WHERE id = ${refundId} AND status = 'pending' RETURNING id`
        if (updated.length === 0) return false
        yield* PostgresPaymentOutbox.append(sql, [event])
        return true
      })).pipe(failing("complete refund"), Effect.tap(() => channels.written)),

    getPayment: (id) => findPayment(id).pipe(failing("get payment")),

    getIntent: (bookingId) => findIntent(bookingId).pipe(failing("get intent")),

    history: (bookingId) =>
      Effect.all({
        // The closed intent a cancellation left before booking.created (0 XXX) is no intent to show.
        intent: Effect.map(findIntent(bookingId), Option.filter((intent) => intent.amount.currency !== "XXX")),
        payments: paymentsOf(bookingId),
        refunds: refundsOf(bookingId),
      }).pipe(failing("history")),
  }

  const outbox = PostgresPaymentOutbox.make(sql, channels.relayWoken)

  return { repository, outbox }
})

/** The schema migrated, then the repository and its outbox, on the service's PostgreSQL. */
export const layer: Layer.Layer<PaymentRepository | Outbox.Store, PaymentStoreError, SqlClient.SqlClient | PgClient.PgClient> = Layer.scopedContext(
  Effect.gen(function* () {
    yield* migrate.pipe(Effect.mapError((error) => new PaymentStoreError({ operation: "migrate", reason: error.message, transient: false })))
    const { outbox, repository } = yield* make
    return Context.make(PaymentRepository, repository).pipe(Context.add(Outbox.Store, outbox))
  }),
)
