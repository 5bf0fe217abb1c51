/**
 * Reading payments over HTTP: one payment by its id, and a booking's history of charges and
 * refunds (refunds made as `booking.cancelled` and the refund worker make them), paged.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { historyOf, isoUtc, payBody, refundsOf, total, unknownId, uuidV7 } from "./support/PaymentJson.ts"
import { apiTest } from "./support/RouteHarness.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("GET /api/payments/{id}", () => {
  apiTest("answers 200 with the payment, as the POST answered it", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const payment = yield* api.pay(bookingId)
      const answer = yield* api.get(payment.id, { bookingId })
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.body).toEqual(payment)
    }))

  apiTest("an unknown id is a 404 payment-not-found, even to ops", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.get(unknownId, yield* api.ops), 404, "payment-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("pay_123", yield* api.ops), ["path.id"])
    }))
})

// -------------------------------------------------------------------------------------------------
// GET /api/payments?bookingId=

describe("GET /api/payments?bookingId=", () => {
  apiTest("answers { items, nextCursor: null }: every charge attempt, oldest first, each typed charge", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const declined = yield* api.pay(bookingId, "tok_chargeDeclined")
      const poor = yield* api.pay(bookingId, "tok_insufficientFunds")
      const paid = yield* api.pay(bookingId, "tok_visa")
      const answer = yield* api.historyAnswer({ bookingId })
      expect(answer.status).toBe(200)
      const history = historyOf(answer)
      expect(history.nextCursor).toBeNull()
      expect(history.items).toEqual([
        { type: "charge", ...declined },
        { type: "charge", ...poor },
        { type: "charge", ...paid },
      ])
    }))

  apiTest("a paid booking that is cancelled gets one refund of the full amount, succeeded after the refund worker's pass", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const paid = yield* api.pay(bookingId)
      expect(yield* api.endBooking(bookingId, true)).toBe("refund")
      const due = refundsOf(yield* api.history(bookingId))
      expect(due).toHaveLength(1)
      expect(due[0]).toMatchObject({ paymentId: paid.id, bookingId, status: "pending", reason: "booking-cancelled", amount: total })
      expect(yield* api.refundPending(10)).toBe(1)
      const history = yield* api.history(bookingId)
      expect(history.items.map((item) => item.type)).toEqual(["charge", "refund"])
      expect(history.items[0]).toEqual({ type: "charge", ...paid })
      const refund = refundsOf(history)[0]
      expect(refund?.id).toMatch(uuidV7)
      expect(refund).toMatchObject({
        type: "refund",
        paymentId: paid.id,
        bookingId,
        status: "succeeded",
        reason: "booking-cancelled",
        amount: total,
      })
      expect(refund?.transactionId).toEqual(expect.any(String))
      expect(refund?.completedAt).toMatch(isoUtc)
    }))

  apiTest("booking.cancelled delivered twice and the refund worker run again still give exactly one refund", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const paid = yield* api.pay(bookingId)
      const cancelled = yield* api.bookingCancelled(bookingId, true)
      expect(yield* api.bookingEnded(cancelled)).toBe("refund")
      expect(yield* api.refundPending(10)).toBe(1)
      expect(yield* api.bookingEnded(cancelled)).toBe("nothing")
      expect(yield* api.refundPending(10)).toBe(0)
      const refunds = refundsOf(yield* api.history(bookingId))
      expect(refunds).toHaveLength(1)
      expect(refunds[0]).toMatchObject({ paymentId: paid.id, status: "succeeded", amount: total })
    }))

  apiTest("a booking with nothing paid answers an empty history", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      expect(yield* api.history(bookingId)).toEqual({ items: [], nextCursor: null })
    }))

  apiTest("a missing bookingId is a 400 at query.bookingId, whoever asks: it never lists every booking's payments", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.historyAnswer({}, yield* api.ops), ["query.bookingId"])
      expectValidation(yield* api.historyAnswer({}, yield* api.stranger), ["query.bookingId"])
    }))

  apiTest("the history is paged: limit a page, nextCursor to the next, null on the last; a bad cursor is a 400", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      for (const token of ["tok_chargeDeclined", "tok_insufficientFunds", "tok_chargeDeclined"]) {
        expect((yield* api.post(payBody(bookingId, token))).status).toBe(201)
      }
      const first = yield* api.historyAnswer({ bookingId, limit: "2" })
      const page = historyOf(first)
      expect(page.items).toHaveLength(2)
      expect(page.nextCursor).not.toBeNull()
      const last = historyOf(yield* api.historyAnswer({ bookingId, limit: "2", cursor: page.nextCursor! }))
      expect(last.items).toHaveLength(1)
      expect(last.nextCursor).toBeNull()
      const ids = [...page.items, ...last.items].map((item) => item.id)
      expect(new Set(ids).size).toBe(3)
      expectValidation(yield* api.historyAnswer({ bookingId, cursor: "garbage" }), ["query.cursor"])
    }))
})
