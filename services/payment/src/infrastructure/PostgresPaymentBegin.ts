/**
 * The begin of a charge on PostgreSQL, which is also the claim of its Idempotency-Key: the key is
 * written atomically with the pending payment, so a key never names a payment that was not begun,
 * nor does a payment begin under a key another request holds. The common case is one
 * statement (one round trip, one commit); anything else is decided by a transaction that claims the
 * key first and so tells apart what the key holds.
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { BookingId, CompiledParser } from "@flight/contracts"
import { Idempotent } from "@flight/runtime"
import { DateTime, Effect, Schema } from "effect"
import { BookingNotFound, IntentNotOpenYet, NoOpenIntent, type Payment, PaymentInProgress } from "../domain/Payment.ts"
import { type BeginFailure, type BeginPayment, type Begun, HoldExpired, type PaymentStoreError } from "../domain/PaymentRepository.ts"
import * as PostgresPaymentOutbox from "./PostgresPaymentOutbox.ts"
import { IntentFromRow, KeyRow, lookupOf, paymentOf } from "./PostgresPaymentRows.ts"
import { failing, isUniqueViolation, retriable, traced, transaction } from "./PostgresPaymentSql.ts"

/**
 * What the one statement answers: the columns of the payment it began (all null when it began none),
 * and whether the booking's intent and the key exist.
 */
const AtOnceRow = Schema.Struct({ id: Schema.NullOr(Schema.String), intent_known: Schema.Boolean, key_known: Schema.Boolean })
const decodeAtOnce = CompiledParser.decoder(AtOnceRow)

/** What the one-statement begin did: the payment begun, no intent for the booking yet, or not decided there. */
type AtOnce = Payment | "NoIntent" | "Undecided"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const inTransaction = transaction(sql)("begin payment")

  const findKey = SqlSchema.findOne({
    Request: Schema.String,
    Result: KeyRow,
    execute: (key) => sql`SELECT fingerprint, response_status, response_body FROM payment_idempotency_keys WHERE key = ${key}`,
  })
  const lockIntent = SqlSchema.findOne({
    Request: BookingId,
    Result: IntentFromRow,
    execute: (bookingId) => sql`SELECT * FROM payment_intents WHERE booking_id = ${bookingId} FOR UPDATE`,
  })

  /**
   * Begins step by step in one transaction: the payer checked first (`BeginPayment.payer`), then the
   * key claimed, so that a key already taken answers what it holds (its request's fingerprint, and
   * its response once recorded), then the intent checked. Taken when `beginAtOnce` did not begin the payment, to say why, or to begin it
   * after all.
   */
  const beginStepwise = (request: BeginPayment): Effect.Effect<Begun, BeginFailure> =>
    inTransaction(Effect.gen(function* () {
      if (request.payer !== null) {
        const [intent] = yield* sql`SELECT owner FROM payment_intents WHERE booking_id = ${request.bookingId}`
        if (intent === undefined) return yield* Effect.fail(new IntentNotOpenYet({ bookingId: request.bookingId }))
        if (intent["owner"] !== request.payer) return yield* Effect.fail(new BookingNotFound({ bookingId: request.bookingId }))
      }
      const claimed = yield* sql`
        INSERT INTO payment_idempotency_keys (key, fingerprint) VALUES (${request.key}, ${request.fingerprint})
        ON CONFLICT (key) DO NOTHING RETURNING key`
      if (claimed.length === 0) {
        const recorded = yield* findKey(request.key)
        // Purged between the two statements: as if still taken, so `Idempotent.run` looks again.
        return recorded._tag === "None" ? Idempotent.running(request.fingerprint) : lookupOf(recorded.value)
      }
      const found = yield* lockIntent(request.bookingId)
      if (found._tag === "None") return yield* Effect.fail(new IntentNotOpenYet({ bookingId: request.bookingId }))
      const intent = found.value
      if (intent.status !== "open") {
        return yield* Effect.fail(new NoOpenIntent({ bookingId: request.bookingId, status: intent.closedReason ?? intent.status }))
      }
      if (DateTime.greaterThanOrEqualTo(request.now, intent.holdExpiresAt)) {
        return yield* Effect.fail(new HoldExpired({ bookingId: request.bookingId }))
      }
      const [pending] = yield* sql`SELECT id FROM payments WHERE booking_id = ${request.bookingId} AND status = 'pending'`
      if (pending !== undefined) return yield* Effect.fail(new PaymentInProgress({ bookingId: request.bookingId }))
      const [inserted] = yield* sql`
        INSERT INTO payments (id, booking_id, status, amount, currency, method_type, token, created_at, lease_owner, lease_until)
        VALUES (${request.paymentId}, ${request.bookingId}, 'pending', ${intent.amount.amount}, ${intent.amount.currency}, 'card',
                ${request.token}, ${DateTime.toDateUtc(request.now)}, ${request.holder},
                now() + ${PostgresPaymentOutbox.interval(request.lease)}::interval)
        RETURNING *`
      yield* sql`UPDATE payment_idempotency_keys SET payment_id = ${request.paymentId} WHERE key = ${request.key}`
      return Idempotent.fresh(yield* paymentOf(inserted))
    })).pipe(
      Effect.catchIf(isUniqueViolation, () => Effect.fail(new PaymentInProgress({ bookingId: request.bookingId }))),
      failing("begin payment"),
    )

  /**
   * The common case in one statement, so one round trip and one commit: no key yet, the intent
   * the payer's (so no read of the intent before it), open and unexpired (locked, as the stepwise
   * begin locks it), a pending payment for its amount and the key claimed for it. It begins all of
   * it or nothing (None; or a unique violation, a deadlock: another request of the key or the
   * booking got there first; or the intent another owner's), and then the stepwise
   * begin decides, except when the booking has no intent at all and the key is new: that is said at
   * once (`NoIntent`), since the stepwise begin would only claim the key, find no intent and roll
   * back. The partial unique indexes still refuse a second charge under way.
   */
  const beginAtOnce = (request: BeginPayment) => {
    const now = DateTime.toDateUtc(request.now)
    return sql`
      WITH intent AS (
        SELECT booking_id, amount, currency FROM payment_intents
        WHERE booking_id = ${request.bookingId} AND status = 'open' AND hold_expires_at > ${now}
          AND (${request.payer}::text IS NULL OR owner = ${request.payer})
        FOR UPDATE
      ), inserted AS (
        INSERT INTO payments (id, booking_id, status, amount, currency, method_type, token, created_at, lease_owner, lease_until)
        SELECT ${request.paymentId}, booking_id, 'pending', amount, currency, 'card', ${request.token}, ${now},
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
      Effect.flatMap(([row]) =>
        Effect.flatMap(decodeAtOnce(row), (answered): Effect.Effect<AtOnce, PaymentStoreError> =>
          answered.id !== null
            ? paymentOf(row)
            : Effect.succeed(!answered.intent_known && !answered.key_known ? "NoIntent" : "Undecided"))
      ),
      Effect.catchIf((error) => isUniqueViolation(error) || retriable(error), () => Effect.succeed("Undecided" as const)),
      failing("begin payment"),
      traced("begin payment", "postgresql begin payment at once"),
    )
  }

  /** Begins at once when it can, step by step when it must (see `PaymentRepository.beginPayment`). */
  const begin = (request: BeginPayment): Effect.Effect<Begun, BeginFailure> =>
    Effect.flatMap(beginAtOnce(request), (atOnce) =>
      atOnce === "Undecided"
        ? beginStepwise(request)
        : atOnce === "NoIntent"
        ? Effect.fail(new IntentNotOpenYet({ bookingId: request.bookingId }))
        : Effect.succeed(Idempotent.fresh(atOnce)))

  return begin
})
