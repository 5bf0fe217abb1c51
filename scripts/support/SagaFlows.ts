/**
 * The flows of DESIGN §5 (1 to 5), each a whole saga driven through the services' HTTP APIs and
 * checked at every step: paid, declined then paid, a hold that expires, a paid booking cancelled,
 * a flight delayed then cancelled.
 */
import { expect } from "bun:test"
import { Effect } from "effect"
import { available, book, eventually, flightOnSale, guest, notifications, pay, payments, status, toldOnce } from "./FlowSteps.ts"
import type { Api, Json } from "./SystemApi.ts"

/** Flow 1: book and pay; confirmed, seats sold, availability follows, the customer told once of each step. */
export const bookAndPay = (api: Api) =>
  Effect.gen(function* () {
    const flightId = yield* flightOnSale(api)
    const booking = yield* book(api, flightId)
    expect(booking["total"]).toEqual({ amount: 90000, currency: "GBP" })
    yield* eventually("availability lowered", available(api, flightId), (seats) => seats === 7)
    const paid = yield* pay(api, booking, "tok_visa")
    expect([paid.status, paid.body["status"], paid.body["amount"]]).toEqual([201, "succeeded", { amount: 90000, currency: "GBP" }])
    yield* eventually("confirmed", status(api, booking), (state) => state === "confirmed")
    const map = yield* api.booking("GET", `/api/seatmaps/${flightId}`)
    expect(map.body["seats"].filter((seat: Json) => seat["state"] === "sold")).toHaveLength(2)
    expect(yield* available(api, flightId)).toBe(7)
    const sent = yield* eventually(
      "the customer told",
      Effect.map(notifications(api, booking), (answer) => answer.body["items"] as Array<Json>),
      (items) => items.length >= 4,
    )
    yield* Effect.sleep("200 millis")
    expect(sent.map((item) => `${item["template"]} ${item["channel"]} ${item["status"]}`).toSorted()).toEqual([
      "booking-confirmed email sent",
      "booking-confirmed sms sent",
      "booking-received email sent",
      "booking-received sms sent",
    ])
  })

/** Flow 2: a declined payment leaves the booking pending; another card pays it. */
export const declinedThenPaid = (api: Api) =>
  Effect.gen(function* () {
    const booking = yield* book(api, yield* flightOnSale(api), 1)
    const declined = yield* pay(api, booking, "tok_chargeDeclined")
    expect([declined.status, declined.body["status"], declined.body["failureReason"]]).toEqual([201, "failed", "card_declined"])
    yield* Effect.sleep("100 millis")
    expect(yield* status(api, booking)).toBe("pending")
    expect((yield* pay(api, booking, "tok_processingError")).body["status"]).toBe("succeeded")
    yield* eventually("confirmed", status(api, booking), (state) => state === "confirmed")
    const history = yield* payments(api, booking)
    expect(history.body["items"].map((item: Json) => item["status"])).toEqual(["failed", "succeeded"])
    yield* toldOnce(api, booking, ["payment-failed", "booking-confirmed"])
  })

/** Flow 3: a hold that runs out (the system must hold for a moment only) expires without a request; a late payment is refused. */
export const holdExpires = (api: Api) =>
  Effect.gen(function* () {
    const flightId = yield* flightOnSale(api)
    const booking = yield* book(api, flightId)
    yield* eventually("intent open", payments(api, booking), (answer) => answer.status === 200)
    yield* eventually("expired", status(api, booking), (state) => state === "expired")
    yield* eventually("availability back", available(api, flightId), (seats) => seats === 9)
    const late = yield* eventually(
      "the intent closed",
      api.payment("POST", "/api/payments", { bookingId: booking["id"], method: { type: "card", token: "tok_visa" } }, {
        "idempotency-key": crypto.randomUUID(),
        ...guest(booking),
      }),
      (answer) => answer.status === 409 && answer.body["type"] !== "payment-not-ready" && answer.body["type"] !== "payment-in-progress",
    )
    expect(["nothing-to-pay", "hold-expired"]).toContain(late.body["type"])
    yield* toldOnce(api, booking, ["booking-received", "booking-expired"])
  })

/** Flow 4: a customer cancels a paid booking: seats and availability back, refunded in full once, told. */
export const customerCancelsPaid = (api: Api) =>
  Effect.gen(function* () {
    const flightId = yield* flightOnSale(api)
    const booking = yield* book(api, flightId)
    yield* pay(api, booking, "tok_mastercard")
    yield* eventually("confirmed", status(api, booking), (state) => state === "confirmed")
    const cancelled = yield* api.booking("POST", `/api/bookings/${booking["id"]}/cancel`, undefined, guest(booking))
    expect([cancelled.status, cancelled.body["status"]]).toEqual([200, "cancelled"])
    yield* eventually("availability back", available(api, flightId), (seats) => seats === 9)
    const refunds = yield* eventually(
      "refunded",
      Effect.map(payments(api, booking), (answer) =>
        (answer.body["items"] as Array<Json>).filter((item) => item["type"] === "refund")),
      (items) => items.some((item) => item["status"] === "succeeded"),
    )
    expect(refunds.map((refund) => [refund["status"], refund["amount"]])).toEqual([["succeeded", { amount: 90000, currency: "GBP" }]])
    const again = yield* api.booking("POST", `/api/bookings/${booking["id"]}/cancel`, undefined, guest(booking))
    expect([again.status, again.body["type"]]).toEqual([409, "booking-not-cancellable"])
    yield* toldOnce(api, booking, ["booking-cancelled", "refund-issued"])
  })

/**
 * Flow 5: a delayed flight tells each booking's contact (email and SMS); a cancelled flight cancels
 * its bookings (reason flight-cancelled), refunds the paid one, and tells the customers.
 */
export const flightDelayedThenCancelled = (api: Api) =>
  Effect.gen(function* () {
    const flightId = yield* flightOnSale(api)
    const paid = yield* book(api, flightId, 1)
    const pending = yield* book(api, flightId, 1)
    yield* pay(api, paid, "tok_visa")
    yield* eventually("confirmed", status(api, paid), (state) => state === "confirmed")
    const delayed = yield* api.flight("PATCH", `/api/flights/${flightId}/status`, {
      status: "delayed",
      reason: "late inbound aircraft",
      departureAt: "2026-12-01T13:30:00Z",
    }, yield* api.ops)
    expect([delayed.status, delayed.body["status"]]).toEqual([200, "delayed"])
    const told = (booking: Json, template: string) =>
      eventually(
        `${template} sent for ${booking["id"]}`,
        Effect.map(notifications(api, booking), (answer) =>
          (answer.body["items"] as Array<Json>).filter((item) => item["template"] === template)),
        (items) => items.length >= 2,
      )
    for (const booking of [paid, pending]) {
      const sent = yield* told(booking, "flight-delayed")
      expect(sent.map((item) => item["channel"]).toSorted()).toEqual(["email", "sms"])
      expect(sent[0]!["body"]).toContain("13:30")
    }
    const cancelled = yield* api.flight("PATCH", `/api/flights/${flightId}/status`, { status: "cancelled", reason: "strike" }, yield* api.ops)
    expect([cancelled.status, cancelled.body["status"]]).toEqual([200, "cancelled"])
    for (const booking of [paid, pending]) {
      yield* eventually("cancelled with the flight", api.booking("GET", `/api/bookings/${booking["id"]}`, undefined, guest(booking)), (answer) =>
        answer.body["status"] === "cancelled" && answer.body["cancellationReason"] === "flight-cancelled")
      yield* told(booking, "flight-cancelled")
    }
    const refunds = yield* eventually(
      "the paid booking refunded",
      Effect.map(payments(api, paid), (answer) =>
        (answer.body["items"] as Array<Json>).filter((item) => item["type"] === "refund" && item["status"] === "succeeded")),
      (items) => items.length >= 1,
    )
    expect(refunds).toHaveLength(1)
    const refused = yield* api.booking("POST", "/api/bookings", {
      flightId,
      cabin: "economy",
      passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
      contact: { email: "ada@example.com" },
    })
    expect([refused.status, refused.body["type"]]).toEqual([409, "flight-not-bookable"])
  })
