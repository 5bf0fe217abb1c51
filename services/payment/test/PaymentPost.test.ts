/**
 * POST /api/payments over HTTP, on the in-memory store and the simulated gateway: what each test
 * card answers, the Idempotency-Key, the bookings that cannot be paid (no intent yet, paid, closed,
 * hold expired), and each validation failure with the offending field.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { aMinuteAgo, chargesOf, isoUtc, newKey, payBody, paymentOf, total, unknownId, uuidV7 } from "./support/PaymentJson.ts"
import { apiTest } from "./support/RouteHarness.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("POST /api/payments", () => {
  apiTest("tok_visa answers 201 succeeded: UUID v7 id, the intent's total as amount, a transaction id, no failure reason", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const before = Date.now()
      const answer = yield* api.post(payBody(bookingId))
      const after = Date.now()
      expect(answer.status).toBe(201)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      const payment = paymentOf(answer)
      expect(payment.id).toMatch(uuidV7)
      expect(payment).toMatchObject({ bookingId, status: "succeeded", amount: total, failureReason: null })
      expect(payment.transactionId).toEqual(expect.any(String))
      expect(payment.transactionId).not.toBe("")
      expect(payment.createdAt).toMatch(isoUtc)
      expect(payment.completedAt).toMatch(isoUtc)
      expect(Date.parse(payment.createdAt)).toBeGreaterThanOrEqual(before)
      expect(Date.parse(payment.completedAt ?? "")).toBeLessThanOrEqual(after)
      expect(Object.keys(payment).toSorted()).toEqual(
        ["amount", "bookingId", "completedAt", "createdAt", "failureReason", "id", "status", "transactionId"],
      )
    }))

  apiTest("tok_chargeDeclined answers 201 failed card_declined, and the booking can then be paid with another key and tok_visa", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const declined = yield* api.post(payBody(bookingId, "tok_chargeDeclined"))
      expect(declined.status).toBe(201)
      expect(paymentOf(declined)).toMatchObject({
        bookingId,
        status: "failed",
        amount: total,
        transactionId: null,
        failureReason: "card_declined",
      })
      const paid = yield* api.post(payBody(bookingId, "tok_visa"))
      expect(paid.status).toBe(201)
      expect(paymentOf(paid)).toMatchObject({ bookingId, status: "succeeded", amount: total, failureReason: null })
      expect(paymentOf(paid).id).not.toBe(paymentOf(declined).id)
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => [charge.id, charge.status])).toEqual([
        [paymentOf(declined).id, "failed"],
        [paymentOf(paid).id, "succeeded"],
      ])
    }))

  apiTest("tok_insufficientFunds answers 201 failed insufficient_funds", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const answer = yield* api.post(payBody(bookingId, "tok_insufficientFunds"))
      expect(answer.status).toBe(201)
      expect(paymentOf(answer)).toMatchObject({
        bookingId,
        status: "failed",
        amount: total,
        transactionId: null,
        failureReason: "insufficient_funds",
      })
    }))

  apiTest("tok_processingError answers 201 succeeded: the gateway's transient failures are retried", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const answer = yield* api.post(payBody(bookingId, "tok_processingError"))
      expect(answer.status).toBe(201)
      expect(paymentOf(answer)).toMatchObject({ bookingId, status: "succeeded", amount: total, failureReason: null })
      expect(paymentOf(answer).transactionId).toEqual(expect.any(String))
      const history = yield* api.history(bookingId)
      expect(chargesOf(history)).toHaveLength(1)
    }))

  apiTest("no Idempotency-Key is a 400 at header.idempotency-key, and charges nothing", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      expectValidation(yield* api.post(payBody(bookingId), yield* api.guestOf(bookingId)), ["header.idempotency-key"])
      expect((yield* api.history(bookingId)).items).toEqual([])
    }))

  apiTest("the same key with the same request answers 201 with the identical body, marked idempotent-replayed, and charges once", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const headers = { "idempotency-key": "pay-ada-once" }
      const first = yield* api.post(payBody(bookingId), headers)
      expect(first.status).toBe(201)
      expect(first.headers.get("idempotent-replayed")).toBeNull()
      const replay = yield* api.post(payBody(bookingId), headers)
      expect(replay.status).toBe(201)
      expect(replay.headers.get("idempotent-replayed")).toBe("true")
      expect(replay.body).toEqual(first.body)
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => charge.id)).toEqual([paymentOf(first).id])
    }))

  apiTest("the same key with another request is a 422 idempotency-key-reused, and charges nothing more", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const headers = { "idempotency-key": "pay-ada-reused" }
      const first = yield* api.post(payBody(bookingId, "tok_chargeDeclined"), headers)
      expect(first.status).toBe(201)
      expectProblem(yield* api.post(payBody(bookingId, "tok_visa"), headers), 422, "idempotency-key-reused")
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => charge.status)).toEqual(["failed"])
    }))

  apiTest("a booking with no intent yet is a 409 payment-not-ready with a retry-after header", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post(payBody(unknownId))
      expectProblem(answer, 409, "payment-not-ready")
      expect(answer.headers.get("retry-after")).toBe("1")
      expect((yield* api.history(unknownId)).items).toEqual([])
    }))

  apiTest("a booking already paid is a 409 nothing-to-pay, and is not charged again", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const paid = yield* api.pay(bookingId)
      expect(paid.status).toBe("succeeded")
      expectProblem(yield* api.post(payBody(bookingId, "tok_mastercard")), 409, "nothing-to-pay")
      const history = yield* api.history(bookingId)
      expect(chargesOf(history).map((charge) => charge.id)).toEqual([paid.id])
    }))

  apiTest("a booking whose intent booking.cancelled closed is a 409 nothing-to-pay", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      expect(yield* api.endBooking(bookingId, false)).toBe("closed")
      expectProblem(yield* api.post(payBody(bookingId)), 409, "nothing-to-pay")
      expect((yield* api.history(bookingId)).items).toEqual([])
    }))

  apiTest("a booking whose hold ran out is a 409 hold-expired", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent(aMinuteAgo())
      expectProblem(yield* api.post(payBody(bookingId)), 409, "hold-expired")
      expect((yield* api.history(bookingId)).items).toEqual([])
    }))

  describe("validation", () => {
    apiTest("an unknown body field (the client naming an amount) is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const bookingId = yield* api.openIntent()
        expectValidation(yield* api.post(payBody(bookingId, "tok_visa", { amount: { amount: 1, currency: "GBP" } })), ["body.amount"])
        expect((yield* api.history(bookingId)).items).toEqual([])
      }))

    apiTest("a token that is not a token is a 400 at body.method.token", (api) =>
      Effect.gen(function* () {
        const bookingId = yield* api.openIntent()
        expectValidation(yield* api.post(payBody(bookingId, "tok visa!")), ["body.method.token"])
        expect((yield* api.history(bookingId)).items).toEqual([])
      }))

    apiTest("a malformed bookingId is a 400 at body.bookingId", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(payBody("X7K2QP"), { "idempotency-key": newKey(), ...yield* api.stranger }), ["body.bookingId"])
      }))

    apiTest("a method type other than card is a 400 at body.method.type", (api) =>
      Effect.gen(function* () {
        const bookingId = yield* api.openIntent()
        expectValidation(yield* api.post({ bookingId, method: { type: "paypal", token: "tok_visa" } }), ["body.method.type"])
        expect((yield* api.history(bookingId)).items).toEqual([])
      }))
  })
})
