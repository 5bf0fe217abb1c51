/**
 * Who may call what, end to end through the services' HTTP APIs: the operations routes with and
 * without the ops account, and a signed-in customer's saga that no one else reaches.
 */
import { expect } from "bun:test"
import { Effect } from "effect"
import { book, eventually, flightOnSale, guest, pay, payments, status, toldOnce } from "./FlowSteps.ts"
import type { Api, Json } from "./SystemApi.ts"

/**
 * The rules on the operations routes, end to end: without a token a flight's status change, a
 * notification sent, the whole notification history and /metrics are 401; with the ops account
 * signed in through the identity service the status change is a 200; /metrics stays an admin's.
 */
export const operationsSignedIn = (api: Api) =>
  Effect.gen(function* () {
    const flightId = yield* flightOnSale(api)
    const path = `/api/flights/${flightId}/status`
    const delay = { status: "delayed", departureAt: "2026-12-01T12:00:00Z" }
    expect((yield* api.flight("PATCH", path, delay)).status).toBe(401)
    expect((yield* api.flight("PATCH", path, delay, { authorization: "Bearer not-a-token" })).status).toBe(401)
    const delayed = yield* api.flight("PATCH", path, delay, yield* api.ops)
    expect([delayed.status, delayed.body["status"]]).toEqual([200, "delayed"])
    const notification = { channel: "email", recipient: "ada@example.com", template: "booking-expired", data: { reference: "X7K2QP" } }
    expect((yield* api.notification("POST", "/api/notifications", notification)).status).toBe(401)
    expect((yield* api.notification("POST", "/api/notifications", notification, yield* api.ops)).status).toBe(202)
    expect((yield* api.notification("GET", "/api/notifications")).status).toBe(401)
    expect((yield* api.notification("GET", "/api/notifications", undefined, yield* api.ops)).status).toBe(200)
    const metrics = (headers: Record<string, string> = {}) =>
      Effect.promise(() => fetch(new URL("/metrics", api.urls.FLIGHT_URL), { headers }).then((response) => response.status))
    expect([yield* metrics(), yield* metrics(yield* api.ops)]).toEqual([401, 403])
  })

/**
 * A signed-in customer's saga and the booking rules end to end: customer A books and pays with its
 * own token (no guest token needed), finds the booking under "my trips", reads its payments and
 * notifications; customer B, the guest token of another booking and an anonymous caller reach none
 * of it (404, or 401 without a token); ops read all of it.
 */
export const signedInCustomer = (api: Api) =>
  Effect.gen(function* () {
    const [a, b] = [yield* api.customer, yield* api.customer]
    const flightId = yield* flightOnSale(api)
    const booking = yield* book(api, flightId, 2, yield* a.headers)
    const paid = yield* pay(api, booking, "tok_visa")
    expect([paid.status, paid.body["status"]]).toEqual([201, "succeeded"])
    yield* eventually("confirmed", status(api, booking), (state) => state === "confirmed")
    const trips = yield* api.booking("GET", "/api/bookings?mine=true", undefined, yield* a.headers)
    expect(trips.body["items"].map((item: Json) => item["id"])).toEqual([booking["id"]])
    expect((yield* api.booking("GET", "/api/bookings?mine=true", undefined, yield* b.headers)).body["items"]).toEqual([])
    yield* toldOnce(api, booking, ["booking-received", "booking-confirmed"])
    expect((yield* payments(api, booking)).body["items"].map((item: Json) => item["status"])).toEqual(["succeeded"])

    const other = yield* book(api, flightId, 1)
    const id = booking["id"] as string
    const reads = (headers: Record<string, string>) =>
      Effect.all([
        Effect.map(api.booking("GET", `/api/bookings/${id}`, undefined, headers), (answer) => answer.status),
        Effect.map(api.payment("GET", `/api/payments?bookingId=${id}`, undefined, headers), (answer) => answer.status),
        Effect.map(api.payment("GET", `/api/payments/${paid.body["id"]}`, undefined, headers), (answer) => answer.status),
        Effect.map(api.notification("GET", `/api/notifications?bookingId=${id}`, undefined, headers), (answer) => answer.status),
      ])
    const writes = (headers: Record<string, string>) =>
      Effect.all([
        Effect.map(
          api.payment("POST", "/api/payments", { bookingId: id, method: { type: "card", token: "tok_visa" } }, { ...headers, "idempotency-key": crypto.randomUUID() }),
          (answer) => answer.status,
        ),
        Effect.map(api.booking("POST", `/api/bookings/${id}/cancel`, undefined, headers), (answer) => answer.status),
      ])
    for (const stranger of [yield* b.headers, guest(other)]) {
      expect(yield* reads(stranger)).toEqual([404, 404, 404, 404])
      expect(yield* writes(stranger)).toEqual([404, 404])
    }
    // Without a token: the booking's own routes answer as for an unknown id; payments and notifications ask for one.
    expect(yield* reads({})).toEqual([404, 401, 401, 401])
    expect(yield* writes({})).toEqual([401, 404])
    // Ops read the booking, its payments and its notifications (and may cancel it for the customer).
    expect(yield* reads(yield* api.ops)).toEqual([200, 200, 200, 200])
    expect(yield* status(api, booking)).toBe("confirmed")
  })
