/**
 * Intents, payments and refunds on PostgreSQL (@effect/sql). The schema is created by migrations at
 * start (`PostgresPaymentSchema`); its constraints make a double charge or a double refund impossible whatever the code
 * does: one succeeded payment per booking and one pending per booking (partial unique indexes), one
 * refund per payment (unique), amounts never negative. Each operation is one transaction with its
 * outbox rows and, for message handlers, its inbox row; a transaction that loses a serialization
 * race or a deadlock is run again.
 */
import { Outbox, SqlIdempotency } from "@flight/bus"
import { Catalogue, PaymentId } from "@flight/contracts"
import { SqlClient, type SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Idempotent } from "@flight/runtime"
import * as PostgresStore from "@flight/runtime/postgres"
import { Context, DateTime, Effect, Layer, Option, Schedule, Schema, Stream } from "effect"
import { IntentNotOpenYet, NoOpenIntent, Payment, PaymentInProgress, PaymentIntent, Refund } from "../domain/Payment.ts"
import {
  type BeginPayment,
  HoldExpired,
  type Outgoing,
  PaymentRepository,
  PaymentStoreError,
} from "../domain/PaymentRepository.ts"
import * as IntentSignals from "./IntentSignals.ts"
import * as PostgresPaymentOutbox from "./PostgresPaymentOutbox.ts"
import { inboxTable, migrate } from "./PostgresPaymentSchema.ts"

const codeOf = (error: SqlError.SqlError): string | undefined => {
  const cause = error.cause as { readonly code?: unknown } | undefined
  return typeof cause?.code === "string" ? cause.code : undefined
}

/** Serialization failure or deadlock: the transaction is run again. */
const retriable = (error: unknown) => {
  if (typeof error !== "object" || error === null || (error as { _tag?: unknown })._tag !== "SqlError") return false
  const code = codeOf(error as SqlError.SqlError)
  return code === "40001" || code === "40P01"
}
const isUniqueViolation = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "SqlError" &&
  codeOf(error as SqlError.SqlError) === "23505"

export const transactionRetry = Schedule.exponential("10 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(10)))

const storeError = (operation: string) => (error: SqlError.SqlError) =>
  new PaymentStoreError({ operation, reason: PostgresStore.reasonOf(error) })

const money = (amount: unknown, currency: unknown) => ({ amount: Number(amount), currency: String(currency).trim() })
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value === null ? null : String(value))

const decodeIntent = Schema.decodeUnknown(PaymentIntent)
const decodePayment = Schema.decodeUnknown(Payment)
const decodeRefund = Schema.decodeUnknown(Refund)
const unreadable = (what: string) => (error: { readonly message: string }) =>
  new PaymentStoreError({ operation: "read", reason: `stored ${what} is invalid: ${error.message}`, transient: false })

type Row = Record<string, unknown>

const intentOf = (row: Row) =>
  decodeIntent({
    bookingId: row["booking_id"],
    owner: row["owner"] ?? null,
    amount: money(row["amount"], row["currency"]),
    status: row["status"],
    holdExpiresAt: iso(row["hold_expires_at"]),
    paymentId: row["payment_id"] ?? null,
    closedReason: row["closed_reason"] ?? null,
    createdAt: iso(row["created_at"]),
    updatedAt: iso(row["updated_at"]),
  }).pipe(Effect.mapError(unreadable("intent")))

const paymentOf = (row: Row) =>
  decodePayment({
    id: row["id"],
    bookingId: row["booking_id"],
    status: row["status"],
    amount: money(row["amount"], row["currency"]),
    method: { type: row["method_type"], token: row["token"] },
    transactionId: row["transaction_id"] ?? null,
    failureReason: row["failure_reason"] ?? null,
    createdAt: iso(row["created_at"]),
    completedAt: iso(row["completed_at"] ?? null),
  }).pipe(Effect.mapError(unreadable("payment")))

const refundOf = (row: Row) =>
  decodeRefund({
    id: row["id"],
    paymentId: row["payment_id"],
    bookingId: row["booking_id"],
    amount: money(row["amount"], row["currency"]),
    status: row["status"],
    reason: row["reason"],
    transactionId: row["transaction_id"] ?? null,
    createdAt: iso(row["created_at"]),
    completedAt: iso(row["completed_at"] ?? null),
  }).pipe(Effect.mapError(unreadable("refund")))

const toDate = (at: DateTime.Utc) => new Date(DateTime.toEpochMillis(at))

/** What the one-statement begin did: the payment begun, no intent for the booking yet, or not decided there. */
type AtOnce = Payment | "NoIntent" | "Undecided"

/** The notification channels: an outbox entry committed (payload: the writing instance), an intent arrived (payload: its booking). */
export const outboxChannel = "payment_outbox"
export const intentChannel = "payment_intent"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const pg = yield* PgClient.PgClient
  const inbox = yield* SqlIdempotency.make({ table: inboxTable })
  const wakeup = Outbox.makeWakeup()
  const arrivals = IntentSignals.make()
  const instance = crypto.randomUUID()

  // Other instances learn of this one's commits through NOTIFY, sent after the commit (a NOTIFY
  // inside the transaction would serialise every such commit, WAL flush included, on PostgreSQL's
  // notification lock). Writes since the last NOTIFY share the next one, so a busy instance sends
  // far fewer than one per commit. This instance's own relay is woken in process (`wakeup`).
  // pg_notify, not `PgClient.notify`: that one sends `NOTIFY channel, $1`, and NOTIFY takes no parameters.
  const notify = (channel: string, payload: string) => Effect.asVoid(sql`SELECT pg_notify(${channel}, ${payload})`)
  const announce = Effect.unsafeMakeLatch(false)
  yield* announce.await.pipe(
    Effect.zipRight(announce.close),
    Effect.zipRight(notify(outboxChannel, instance)),
    Effect.catchAll((error) => Effect.logWarning(`outbox notification not sent (relays elsewhere poll): ${error.message}`)),
    Effect.forever,
    Effect.forkScoped,
  )
  const written = Effect.zipRight(wakeup.notify, announce.open)

  // What other instances committed. A lost listening connection costs promptness, not entries:
  // relays still poll, and a request waiting for its intent still answers after its bounded wait.
  const listen = (channel: string, heard: (payload: string) => Effect.Effect<void>) =>
    pg.listen(channel).pipe(
      Stream.runForEach(heard),
      Effect.tapError((error) => Effect.logWarning(`listening on ${channel}: ${error.message}`)),
      Effect.retry(Schedule.spaced("1 second")),
      Effect.forkScoped,
    )
  yield* listen(outboxChannel, (writer) => (writer === instance ? Effect.void : wakeup.notify))
  yield* listen(intentChannel, arrivals.signal)

  /** One transaction, run again when it loses a serialization race or a deadlock. */
  const transaction = <A, E, R>(operation: string, body: Effect.Effect<A, E, R>) =>
    sql.withTransaction(body).pipe(
      Effect.retry({ schedule: transactionRetry, while: retriable }),
      Effect.withSpan(`postgresql ${operation}`, { kind: "client", attributes: { "db.system.name": "postgresql", "db.operation.name": operation } }),
    )

  const appendOutbox = (events: ReadonlyArray<Outgoing>) =>
    Effect.forEach(events, (event) =>
      sql`INSERT INTO payment_outbox (id, message, traceparent) VALUES (${event.message.id}, ${Catalogue.encodeJson(event.message)}, ${event.traceparent})`, {
      discard: true,
    })

  /**
   * Begins step by step in one transaction: the key claimed first, so that a key already taken
   * answers what it holds (its request's fingerprint, and its response once recorded), then the
   * intent checked. Taken when `beginAtOnce` did not begin the payment, to say why, or to begin it
   * after all.
   */
  const beginStepwise = (request: BeginPayment) =>
    transaction("begin payment", Effect.gen(function* () {
      const claimed = yield* sql<Row>`
        INSERT INTO payment_idempotency_keys (key, fingerprint) VALUES (${request.key}, ${request.fingerprint})
        ON CONFLICT (key) DO NOTHING RETURNING key`
      if (claimed.length === 0) {
        const [recorded] = yield* sql<Row>`SELECT * FROM payment_idempotency_keys WHERE key = ${request.key}`
        // Purged between the two statements: as if still taken, so `Idempotent.run` looks again.
        if (recorded === undefined) return Idempotent.running(request.fingerprint)
        const fingerprint = String(recorded["fingerprint"])
        return recorded["response_status"] === null
          ? Idempotent.running(fingerprint)
          : Idempotent.done(fingerprint, { status: Number(recorded["response_status"]), body: String(recorded["response_body"]) })
      }
      const [row] = yield* sql<Row>`SELECT * FROM payment_intents WHERE booking_id = ${request.bookingId} FOR UPDATE`
      if (row === undefined) return yield* Effect.fail(new IntentNotOpenYet({ bookingId: request.bookingId }))
      const intent = yield* intentOf(row)
      if (intent.status !== "open") {
        return yield* Effect.fail(new NoOpenIntent({ bookingId: request.bookingId, status: intent.closedReason ?? intent.status }))
      }
      if (DateTime.greaterThanOrEqualTo(request.now, intent.holdExpiresAt)) {
        return yield* Effect.fail(new HoldExpired({ bookingId: request.bookingId }))
      }
      const [pending] = yield* sql<Row>`SELECT id FROM payments WHERE booking_id = ${request.bookingId} AND status = 'pending'`
      if (pending !== undefined) return yield* Effect.fail(new PaymentInProgress({ bookingId: request.bookingId }))
      const [inserted] = yield* sql<Row>`
        INSERT INTO payments (id, booking_id, status, amount, currency, method_type, token, created_at, lease_owner, lease_until)
        VALUES (${request.paymentId}, ${request.bookingId}, 'pending', ${intent.amount.amount}, ${intent.amount.currency}, 'card',
                ${request.token}, ${toDate(request.now)}, ${request.holder}, now() + ${PostgresPaymentOutbox.interval(request.lease)}::interval)
        RETURNING *`
      yield* sql`UPDATE payment_idempotency_keys SET payment_id = ${request.paymentId} WHERE key = ${request.key}`
      return Idempotent.fresh(yield* paymentOf(inserted!))
    })).pipe(
      Effect.catchIf(isUniqueViolation, () => Effect.fail(new PaymentInProgress({ bookingId: request.bookingId }))),
      Effect.mapError((error) => (error._tag === "SqlError" ? storeError("begin payment")(error) : error)),
    )

  /**
   * The common case in one statement, so one round trip and one commit: no key yet, the intent
   * open and unexpired (locked, as the stepwise begin locks it), a pending payment for its amount
   * and the key claimed for it. It begins all of it or nothing (None; or a unique violation, a
   * deadlock: another request of the key or the booking got there first), and then the stepwise
   * begin decides, except when the booking has no intent at all and the key is new: that is said at
   * once (`NoIntent`), since the stepwise begin would only claim the key, find no intent and roll
   * back. The partial unique indexes still refuse a second charge under way.
   */
  const beginAtOnce = (request: BeginPayment) =>
    sql<Row>`
      WITH intent AS (
        SELECT booking_id, amount, currency FROM payment_intents
        WHERE booking_id = ${request.bookingId} AND status = 'open' AND hold_expires_at > ${toDate(request.now)}
        FOR UPDATE
      ), inserted AS (
        INSERT INTO payments (id, booking_id, status, amount, currency, method_type, token, created_at, lease_owner, lease_until)
        SELECT ${request.paymentId}, booking_id, 'pending', amount, currency, 'card', ${request.token}, ${toDate(request.now)},
               ${request.holder}, now() + ${PostgresPaymentOutbox.interval(request.lease)}::interval
        FROM intent
        WHERE NOT EXISTS (SELECT 1 FROM payment_idempotency_keys WHERE key = ${request.key})
        RETURNING *
      ), claimed AS (
        INSERT INTO payment_idempotency_keys (key, fingerprint, payment_id)
        SELECT ${request.key}, ${request.fingerprint}, id FROM inserted
      )
      SELECT inserted.*,
             EXISTS (SELECT 1 FROM payment_intents WHERE booking_id = ${request.bookingId}) AS intent_known,
             EXISTS (SELECT 1 FROM payment_idempotency_keys WHERE key = ${request.key}) AS key_known
      FROM (VALUES (1)) AS one LEFT JOIN inserted ON true`.pipe(
      Effect.flatMap(([row]): Effect.Effect<AtOnce, PaymentStoreError> =>
        row === undefined || row["id"] === null
          ? Effect.succeed(row !== undefined && row["intent_known"] === false && row["key_known"] === false ? "NoIntent" : "Undecided")
          : paymentOf(row)
      ),
      Effect.catchIf((error) => isUniqueViolation(error) || retriable(error), () => Effect.succeed("Undecided" as const)),
      Effect.mapError((error) => (error._tag === "SqlError" ? storeError("begin payment")(error) : error)),
      Effect.withSpan("postgresql begin payment at once", { kind: "client", attributes: { "db.system.name": "postgresql", "db.operation.name": "begin payment" } }),
    )

  const repository: PaymentRepository["Type"] = {
    openIntent: (messageKey, intent) =>
      // A conflict is a redelivery (nothing changes) or a cancellation that came first: that intent
      // stays closed, and now knows whose booking it was.
      inbox.once(messageKey, Effect.asVoid(sql`
        INSERT INTO payment_intents (booking_id, owner, amount, currency, status, hold_expires_at, created_at, updated_at)
        VALUES (${intent.bookingId}, ${intent.owner}, ${intent.amount.amount}, ${intent.amount.currency}, 'open',
                ${toDate(intent.holdExpiresAt)}, ${toDate(intent.now)}, ${toDate(intent.now)})
        ON CONFLICT (booking_id) DO UPDATE SET owner = EXCLUDED.owner
          WHERE payment_intents.currency = 'XXX' AND payment_intents.owner IS NULL`)).pipe(
        Effect.retry({ schedule: transactionRetry, while: retriable }),
        Effect.mapError((error) => new PaymentStoreError({ operation: "open intent", reason: PostgresStore.reasonOf(error) })),
        // Requests waiting for this intent, here and in other instances, go on at once.
        Effect.tap((applied) =>
          applied
            ? Effect.zipRight(
              arrivals.signal(intent.bookingId),
              notify(intentChannel, intent.bookingId).pipe(
                Effect.catchAll((error) => Effect.logWarning(`intent notification not sent: ${error.message}`)),
              ),
            )
            : Effect.void
        ),
      ),

    intentArrived: arrivals.opened,

    bookingEnded: (messageKey, ended) =>
      Effect.gen(function* () {
        const result: { outcome: "closed" | "refund" | "nothing" } = { outcome: "nothing" }
        const applied = yield* inbox.once(messageKey, Effect.gen(function* () {
          const [intent] = yield* sql<Row>`SELECT * FROM payment_intents WHERE booking_id = ${ended.bookingId} FOR UPDATE`
          if (intent === undefined) {
            // The cancellation overtook booking.created: a closed intent, so the late creation opens nothing.
            // Its amount is unknown yet: 0 in XXX, ISO 4217's "no currency" (history shows no intent for it).
            yield* sql`INSERT INTO payment_intents (booking_id, amount, currency, status, hold_expires_at, closed_reason, created_at, updated_at)
              VALUES (${ended.bookingId}, 0, 'XXX', 'closed', ${toDate(ended.now)}, ${ended.reason}, ${toDate(ended.now)}, ${toDate(ended.now)})
              ON CONFLICT (booking_id) DO NOTHING`
            result.outcome = "closed"
            return
          }
          if (intent["status"] === "open") {
            yield* sql`UPDATE payment_intents SET status = 'closed', closed_reason = ${ended.reason}, updated_at = ${toDate(ended.now)}
              WHERE booking_id = ${ended.bookingId}`
            result.outcome = "closed"
            return
          }
          // Paid: the charge is refunded in full, once (refunds.payment_id is unique).
          const [charge] = yield* sql<Row>`SELECT * FROM payments WHERE booking_id = ${ended.bookingId} AND status = 'succeeded'`
          if (charge === undefined) return
          const inserted = yield* sql<Row>`
            INSERT INTO refunds (id, payment_id, booking_id, amount, currency, status, reason, created_at)
            VALUES (${ended.refundId}, ${charge["id"] as string}, ${ended.bookingId}, ${charge["amount"] as string}, ${charge["currency"] as string},
                    'pending', 'booking-cancelled', ${toDate(ended.now)})
            ON CONFLICT (payment_id) DO NOTHING RETURNING id`
          if (inserted.length > 0) result.outcome = "refund"
        })).pipe(
          Effect.retry({ schedule: transactionRetry, while: retriable }),
          Effect.mapError((error) => new PaymentStoreError({ operation: "booking ended", reason: PostgresStore.reasonOf(error) })),
        )
        if (applied && result.outcome === "refund") yield* wakeup.notify
        return applied ? result.outcome : "nothing"
      }),

    beginPayment: (request) =>
      Effect.flatMap(beginAtOnce(request), (atOnce): ReturnType<PaymentRepository["Type"]["beginPayment"]> =>
        atOnce === "Undecided"
          ? beginStepwise(request)
          : atOnce === "NoIntent"
          ? Effect.fail(new IntentNotOpenYet({ bookingId: request.bookingId }))
          : Effect.succeed(Idempotent.fresh(atOnce))),

    completePayment: (request) =>
      // One statement, so one round trip and one commit: the outcome (only of a payment still
      // pending), the intent paid, or, when the booking ended meanwhile, the charge refunded in
      // full; payment.processed into the outbox; the response recorded under the key.
      Effect.gen(function* () {
        const approved = request.outcome._tag === "Approved"
        const [row] = yield* sql<Row>`
          WITH done AS (
            UPDATE payments SET status = ${approved ? "succeeded" : "failed"},
                   transaction_id = ${approved ? (request.outcome as { transactionId: string }).transactionId : null},
                   failure_reason = ${approved ? null : (request.outcome as { reason: string }).reason},
                   completed_at = ${toDate(request.now)}
            WHERE id = ${request.paymentId} AND status = 'pending'
            RETURNING *
          ), paid AS (
            UPDATE payment_intents SET status = 'paid', payment_id = done.id, updated_at = ${toDate(request.now)}
            FROM done
            WHERE payment_intents.booking_id = done.booking_id AND payment_intents.status = 'open' AND done.status = 'succeeded'
            RETURNING payment_intents.booking_id
          ), refund AS (
            INSERT INTO refunds (id, payment_id, booking_id, amount, currency, status, reason, created_at)
            SELECT ${request.refundId}, id, booking_id, amount, currency, 'pending', 'charged-after-booking-ended', ${toDate(request.now)}
            FROM done WHERE done.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM paid)
            RETURNING id
          ), appended AS (
            INSERT INTO payment_outbox (id, message, traceparent)
            SELECT ${request.event.message.id}, ${Catalogue.encodeJson(request.event.message)}, ${request.event.traceparent} FROM done
          ), answered AS (
            UPDATE payment_idempotency_keys SET response_status = ${request.response.status}, response_body = ${request.response.body}
            FROM done WHERE payment_idempotency_keys.payment_id = done.id
          )
          SELECT done.*, (SELECT id FROM refund) AS refund_id FROM done`
        if (row === undefined) {
          // Completed before (a recovery raced the request): what is stored stands.
          const [stored] = yield* sql<Row>`SELECT * FROM payments WHERE id = ${request.paymentId}`
          const [refund] = yield* sql<Row>`SELECT * FROM refunds WHERE payment_id = ${request.paymentId}`
          return { payment: yield* paymentOf(stored!), refund: refund === undefined ? Option.none() : Option.some(yield* refundOf(refund)) }
        }
        const payment = yield* paymentOf(row)
        if (row["refund_id"] == null) return { payment, refund: Option.none<Refund>() }
        // The booking ended while the charge was under way (rare): the refund as recorded.
        const [refund] = yield* sql<Row>`SELECT * FROM refunds WHERE id = ${String(row["refund_id"])}`
        return { payment, refund: Option.some(yield* refundOf(refund!)) }
      }).pipe(
        Effect.retry({ schedule: transactionRetry, while: retriable }),
        Effect.withSpan("postgresql complete payment", { kind: "client", attributes: { "db.system.name": "postgresql", "db.operation.name": "complete payment" } }),
        Effect.mapError((error) => (error._tag === "SqlError" ? storeError("complete payment")(error) : error)),
        Effect.tap(() => written),
      ),

    purgeKeys: (before) =>
      sql<Row>`WITH purged AS (
          DELETE FROM payment_idempotency_keys WHERE created_at < ${toDate(before)} AND response_status IS NOT NULL RETURNING 1
        ) SELECT count(*)::int AS purged FROM purged`.pipe(
        Effect.map(([row]) => Number(row?.["purged"] ?? 0)),
        Effect.mapError(storeError("purge keys")),
        Effect.withSpan("postgresql purge keys", { kind: "client", attributes: { "db.system.name": "postgresql", "db.operation.name": "purge keys" } }),
      ),

    claimStale: ({ holder, lease, limit }) =>
      Effect.flatMap(
        sql<Row>`
          UPDATE payments SET lease_owner = ${holder}, lease_until = now() + ${PostgresPaymentOutbox.interval(lease)}::interval
          WHERE id IN (
            SELECT id FROM payments
            WHERE status = 'pending'
              AND (lease_until < now() OR (lease_until IS NULL AND created_at < now() - interval '1 minute'))
            ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        (rows) => Effect.forEach(rows.toSorted((a, b) => Number(a["created_at"]) - Number(b["created_at"])), paymentOf),
      ).pipe(Effect.mapError((error) => (error._tag === "SqlError" ? storeError("claim stale payments")(error) : error))),

    renewPayments: (holder, ids, lease) =>
      ids.length === 0 ? Effect.succeed([]) : sql<Row>`
        UPDATE payments SET lease_until = now() + ${PostgresPaymentOutbox.interval(lease)}::interval
        WHERE lease_owner = ${holder} AND status = 'pending' AND id IN ${sql.in(ids)} RETURNING id`.pipe(
        Effect.map((rows) => rows.map((row) => PaymentId.make(String(row["id"])))),
        Effect.mapError(storeError("renew payments")),
      ),

    pendingRefunds: (limit) =>
      Effect.flatMap(
        sql<Row>`SELECT * FROM refunds WHERE status = 'pending' ORDER BY created_at LIMIT ${limit}`,
        (rows) => Effect.forEach(rows, refundOf),
      ).pipe(Effect.mapError((error) => (error._tag === "SqlError" ? storeError("pending refunds")(error) : error))),

    completeRefund: (refundId, transactionId, now, event) =>
      transaction("complete refund", Effect.gen(function* () {
        const updated = yield* sql<Row>`
          UPDATE refunds SET status = 'succeeded', transaction_id = ${transactionId}, completed_at = ${toDate(now)}
          WHERE id = ${refundId} AND status = 'pending' RETURNING id`
        if (updated.length === 0) return false
        yield* appendOutbox([event])
        return true
      })).pipe(Effect.mapError(storeError("complete refund")), Effect.tap(() => written)),

    getPayment: (id) =>
      Effect.flatMap(sql<Row>`SELECT * FROM payments WHERE id = ${id}`, ([row]) =>
        row === undefined ? Effect.succeed(Option.none()) : Effect.map(paymentOf(row), Option.some)).pipe(
        Effect.mapError((error) => (error._tag === "SqlError" ? storeError("get payment")(error) : error)),
      ),

    getIntent: (bookingId) =>
      Effect.flatMap(sql<Row>`SELECT * FROM payment_intents WHERE booking_id = ${bookingId}`, ([row]) =>
        row === undefined ? Effect.succeed(Option.none()) : Effect.map(intentOf(row), Option.some)).pipe(
        Effect.mapError((error) => (error._tag === "SqlError" ? storeError("get intent")(error) : error)),
      ),

    history: (bookingId) =>
      Effect.gen(function* () {
        const [intent] = yield* sql<Row>`SELECT * FROM payment_intents WHERE booking_id = ${bookingId}`
        const payments = yield* sql<Row>`SELECT * FROM payments WHERE booking_id = ${bookingId} ORDER BY created_at, id`
        const refunds = yield* sql<Row>`SELECT * FROM refunds WHERE booking_id = ${bookingId} ORDER BY created_at, id`
        return {
          intent: intent === undefined || intent["currency"] === "XXX" ? Option.none() : Option.some(yield* intentOf(intent)),
          payments: yield* Effect.forEach(payments, paymentOf),
          refunds: yield* Effect.forEach(refunds, refundOf),
        }
      }).pipe(Effect.mapError((error) => (error._tag === "SqlError" ? storeError("history")(error) : error))),
  }

  const outbox = PostgresPaymentOutbox.make(sql, wakeup.written)

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
