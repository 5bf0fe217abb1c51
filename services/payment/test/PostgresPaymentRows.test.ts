/**
 * The payment store's rows as the driver answers them (a bigint as text, char(3), timestamptz as a
 * Date) read into the domain's types, and a row this build cannot read refused as a store failure
 * that is not transient. Without a database: the rows are written here as the driver gives them.
 */
import { describe, expect, test } from "bun:test"
import { DateTime, Effect, Either, Schema } from "effect"
import { Payment, PaymentIntent, Refund } from "../src/domain/Payment.ts"
import { IntentFromRow, lookupOf, PaymentFromRow, paymentOf, RefundFromRow } from "../src/infrastructure/PostgresPaymentRows.ts"

const bookingId = "0190a5d0-ac96-774b-bcce-b302099a8057"
const paymentId = "0190a5d0-ac96-774b-bcce-b302099a8058"
const at = new Date("2026-12-05T09:00:00.000Z")
const later = new Date("2026-12-05T09:00:01.500Z")
const isoOf = (time: DateTime.Utc | null) => (time === null ? null : DateTime.formatIso(time))

const paymentRow = {
  id: paymentId,
  booking_id: bookingId,
  status: "succeeded",
  amount: "90000",
  currency: "GBP",
  method_type: "card",
  token: "tok_visa",
  transaction_id: "tx_1",
  failure_reason: null,
  created_at: at,
  completed_at: later,
  // The recovery's columns, not the payment's.
  lease_owner: null,
  lease_until: null,
}

describe("the payment store's rows", () => {
  test("a payments row is the payment: the amount a number, the card its method, the times UTC", () => {
    const payment = Schema.decodeUnknownSync(PaymentFromRow)(paymentRow)
    expect(payment).toBeInstanceOf(Payment)
    expect(payment.amount).toEqual({ amount: 90000, currency: "GBP" })
    expect(payment.method).toEqual({ type: "card", token: "tok_visa" })
    expect([isoOf(payment.createdAt), isoOf(payment.completedAt)]).toEqual([at.toISOString(), later.toISOString()])
  })

  test("a payment_intents row is the intent, with its owner or none; char(3) padding is not part of the currency", () => {
    const intent = Schema.decodeUnknownSync(IntentFromRow)({
      booking_id: bookingId,
      owner: null,
      amount: "0",
      currency: "XXX ",
      status: "closed",
      hold_expires_at: at,
      payment_id: null,
      closed_reason: "expired",
      created_at: at,
      updated_at: later,
    })
    expect(intent).toBeInstanceOf(PaymentIntent)
    expect([intent.owner, intent.amount, intent.status, intent.closedReason]).toEqual([null, { amount: 0, currency: "XXX" }, "closed", "expired"])
  })

  test("a refunds row is the refund", () => {
    const refund = Schema.decodeUnknownSync(RefundFromRow)({
      id: "0190a5d0-ac96-774b-bcce-b302099a8059",
      payment_id: paymentId,
      booking_id: bookingId,
      amount: "90000",
      currency: "GBP",
      status: "pending",
      reason: "charged-after-booking-ended",
      transaction_id: null,
      created_at: at,
      completed_at: null,
    })
    expect(refund).toBeInstanceOf(Refund)
    expect([refund.paymentId as string, refund.amount.amount, refund.reason, refund.completedAt]).toEqual([paymentId, 90000, "charged-after-booking-ended", null])
  })

  test("a key answers its request running until its response is recorded, then the response", () => {
    expect(lookupOf({ fingerprint: "f", response_status: null, response_body: null })).toEqual({ _tag: "Running", fingerprint: "f" })
    expect(lookupOf({ fingerprint: "f", response_status: 201, response_body: "{}" }))
      .toEqual({ _tag: "Done", fingerprint: "f", response: { status: 201, body: "{}" } })
  })

  test("a row this build cannot read (an amount that is not a whole number, an unknown status) is a store failure, not transient", () => {
    for (const spoiled of [{ ...paymentRow, amount: "12.5" }, { ...paymentRow, status: "refunded" }, { ...paymentRow, created_at: "yesterday" }]) {
      const read = Effect.runSync(Effect.either(paymentOf(spoiled)))
      expect(Either.isLeft(read) && [read.left._tag, read.left.operation, read.left.transient]).toEqual(["PaymentStoreError", "read", false])
    }
  })
})
