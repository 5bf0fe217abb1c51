/**
 * The races of DESIGN §5 (flows 3 and 4) and §6 invariant 3, over HTTP: a charge that succeeds
 * after its booking ended, and concurrent payments of one booking.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Fiber, Schedule } from "effect"
import { chargesOf, payBody, paymentOf, refundsOf, total } from "./support/PaymentJson.ts"
import { apiTest } from "./support/RouteHarness.ts"

const { expectProblem } = HttpAssertions

describe("races", () => {
  apiTest("a charge that succeeds after its booking ended is answered succeeded, recorded as a refund charged-after-booking-ended, and refunded", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const posting = yield* Effect.fork(api.post(payBody(bookingId)))
      // The payment is begun (pending) and the gateway is still answering.
      const pending = yield* api.history(bookingId).pipe(
        Effect.map(chargesOf),
        Effect.filterOrFail((charges) => charges.some((charge) => charge.status === "pending"), () => "no pending charge yet"),
        Effect.retry(Schedule.spaced("5 millis").pipe(Schedule.upTo("2 seconds"))),
      )
      expect(pending).toHaveLength(1)
      expect(yield* api.endBooking(bookingId, false, "expired")).toBe("closed")
      const answer = yield* Fiber.join(posting)
      expect(answer.status).toBe(201)
      const payment = paymentOf(answer)
      expect(payment).toMatchObject({ bookingId, status: "succeeded", amount: total })
      const due = refundsOf(yield* api.history(bookingId))
      expect(due).toHaveLength(1)
      expect(due[0]).toMatchObject({ paymentId: payment.id, status: "pending", reason: "charged-after-booking-ended", amount: total })
      expect(yield* api.refundPending(10)).toBe(1)
      const history = yield* api.history(bookingId)
      expect(history.items.map((item) => item.type)).toEqual(["charge", "refund"])
      expect(refundsOf(history)[0]).toMatchObject({
        paymentId: payment.id,
        status: "succeeded",
        reason: "charged-after-booking-ended",
        amount: total,
      })
      expectProblem(yield* api.post(payBody(bookingId)), 409, "nothing-to-pay")
    }), "200 millis")

  apiTest("20 concurrent payments of one booking with different keys: one 201 succeeded, the others 409, one succeeded charge", (api) =>
    Effect.gen(function* () {
      const bookingId = yield* api.openIntent()
      const answers = yield* Effect.all(
        Array.from({ length: 20 }, () => api.post(payBody(bookingId))),
        { concurrency: "unbounded" },
      )
      const created = answers.filter((answer) => answer.status === 201)
      expect(created).toHaveLength(1)
      expect(paymentOf(created[0]!)).toMatchObject({ bookingId, status: "succeeded", amount: total })
      const refused = answers.filter((answer) => answer.status !== 201)
      expect(refused).toHaveLength(19)
      for (const answer of refused) {
        expect(answer.status).toBe(409)
        expect(["payment-in-progress", "nothing-to-pay"]).toContain(HttpAssertions.problemOf(answer).type)
      }
      const charges = chargesOf(yield* api.history(bookingId))
      expect(charges.filter((charge) => charge.status === "succeeded").map((charge) => charge.id)).toEqual([paymentOf(created[0]!).id])
      expect(charges).toHaveLength(1)
    }), "20 millis")
})
