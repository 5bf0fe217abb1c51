/**
 * Intents, payments, refunds and Idempotency-Keys as PostgreSQL's rows hold them, each a Schema that
 * reads its row into the domain's type: amounts are `bigint` (text from the driver) beside a
 * `char(3)` currency, times `timestamptz` (a `Date`). A row this build cannot read is a decode error
 * naming the column, never a half-read payment.
 */
import { CompiledParser, Money } from "@flight/contracts"
import { Idempotent } from "@flight/runtime"
import { Effect, Schema } from "effect"
import { Payment, PaymentIntent, Refund } from "../domain/Payment.ts"
import type { Recorded } from "../domain/PaymentRepository.ts"
import { unreadable } from "./PostgresPaymentSql.ts"

/** `amount` and `currency`: the amount as the driver answers a bigint (text), the currency as char(3) keeps it. */
const moneyColumns = {
  amount: Schema.compose(Schema.NumberFromString, Money.fields.amount),
  currency: Schema.compose(Schema.Trim, Money.fields.currency),
}

const money = (row: { readonly amount: number; readonly currency: string }): Money => ({ amount: row.amount, currency: row.currency })

const time = Schema.DateTimeUtcFromDate
const timeOrNull = Schema.NullOr(Schema.DateTimeUtcFromDate)

// Each row's columns are decoded by the domain's own field schemas (or their stored form), so the
// domain value is built without validating again.

const IntentRow = Schema.Struct({
  booking_id: PaymentIntent.fields.bookingId,
  owner: PaymentIntent.fields.owner,
  ...moneyColumns,
  status: PaymentIntent.fields.status,
  hold_expires_at: time,
  payment_id: PaymentIntent.fields.paymentId,
  closed_reason: PaymentIntent.fields.closedReason,
  created_at: time,
  updated_at: time,
})

/** A `payment_intents` row as the booking's intent. */
export const IntentFromRow = Schema.transform(IntentRow, Schema.typeSchema(PaymentIntent), {
  strict: true,
  decode: (row) =>
    new PaymentIntent({
      bookingId: row.booking_id,
      owner: row.owner,
      amount: money(row),
      status: row.status,
      holdExpiresAt: row.hold_expires_at,
      paymentId: row.payment_id,
      closedReason: row.closed_reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }, true),
  encode: (intent) => ({
    booking_id: intent.bookingId,
    owner: intent.owner,
    ...intent.amount,
    status: intent.status,
    hold_expires_at: intent.holdExpiresAt,
    payment_id: intent.paymentId,
    closed_reason: intent.closedReason,
    created_at: intent.createdAt,
    updated_at: intent.updatedAt,
  }),
}).annotations({ identifier: "IntentFromRow" })

const PaymentRow = Schema.Struct({
  id: Payment.fields.id,
  booking_id: Payment.fields.bookingId,
  status: Payment.fields.status,
  ...moneyColumns,
  method_type: Payment.fields.method.fields.type,
  token: Payment.fields.method.fields.token,
  transaction_id: Payment.fields.transactionId,
  failure_reason: Payment.fields.failureReason,
  created_at: time,
  completed_at: timeOrNull,
})

/** A `payments` row as the payment (its lease columns are the recovery's, not the payment's). */
export const PaymentFromRow = Schema.transform(PaymentRow, Schema.typeSchema(Payment), {
  strict: true,
  decode: (row) =>
    new Payment({
      id: row.id,
      bookingId: row.booking_id,
      status: row.status,
      amount: money(row),
      method: { type: row.method_type, token: row.token },
      transactionId: row.transaction_id,
      failureReason: row.failure_reason,
      createdAt: row.created_at,
      completedAt: row.completed_at,
    }, true),
  encode: (payment) => ({
    id: payment.id,
    booking_id: payment.bookingId,
    status: payment.status,
    ...payment.amount,
    method_type: payment.method.type,
    token: payment.method.token,
    transaction_id: payment.transactionId,
    failure_reason: payment.failureReason,
    created_at: payment.createdAt,
    completed_at: payment.completedAt,
  }),
}).annotations({ identifier: "PaymentFromRow" })

const RefundRow = Schema.Struct({
  id: Refund.fields.id,
  payment_id: Refund.fields.paymentId,
  booking_id: Refund.fields.bookingId,
  ...moneyColumns,
  status: Refund.fields.status,
  reason: Refund.fields.reason,
  transaction_id: Refund.fields.transactionId,
  created_at: time,
  completed_at: timeOrNull,
})

/** A `refunds` row as the refund. */
export const RefundFromRow = Schema.transform(RefundRow, Schema.typeSchema(Refund), {
  strict: true,
  decode: (row) =>
    new Refund({
      id: row.id,
      paymentId: row.payment_id,
      bookingId: row.booking_id,
      amount: money(row),
      status: row.status,
      reason: row.reason,
      transactionId: row.transaction_id,
      createdAt: row.created_at,
      completedAt: row.completed_at,
    }, true),
  encode: (refund) => ({
    id: refund.id,
    payment_id: refund.paymentId,
    booking_id: refund.bookingId,
    ...refund.amount,
    status: refund.status,
    reason: refund.reason,
    transaction_id: refund.transactionId,
    created_at: refund.createdAt,
    completed_at: refund.completedAt,
  }),
}).annotations({ identifier: "RefundFromRow" })

/** A `payment_idempotency_keys` row: the request's fingerprint, and its response once the payment completed. */
export const KeyRow = Schema.Struct({
  fingerprint: Schema.String,
  response_status: Schema.NullOr(Schema.Int),
  response_body: Schema.NullOr(Schema.String),
}).annotations({ identifier: "KeyRow" })

/** What a taken key holds, for `Idempotent.run`: its request running until the response is recorded. */
export const lookupOf = (row: typeof KeyRow.Type): Idempotent.Lookup<Recorded, never> =>
  row.response_status === null
    ? Idempotent.running(row.fingerprint)
    : Idempotent.done(row.fingerprint, { status: row.response_status, body: row.response_body ?? "" })

const decodePayment = CompiledParser.decoder(PaymentFromRow)
const decodeRefund = CompiledParser.decoder(RefundFromRow)

/** The payment of a row a statement answered (`RETURNING *`). */
export const paymentOf = (row: unknown) => Effect.mapError(decodePayment(row), unreadable)

/** The refund of a row a statement answered. */
export const refundOf = (row: unknown) => Effect.mapError(decodeRefund(row), unreadable)
