/**
 * The flows of DESIGN §5, driven only through the services' HTTP APIs, for any running system: the
 * embedded one (`scripts/saga.test.ts`) or four processes on the real servers (`scripts/e2e.test.ts`).
 */
import { expect } from "bun:test"
import { type Duration, Effect, Schedule } from "effect"
import * as CustomerSession from "./CustomerSession.ts"
import * as StaffSession from "./StaffSession.ts"

export type Json = Record<string, any>

export type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Effect.Effect<{
  readonly status: number
  readonly body: Json
}>

export interface Api {
  readonly flight: Call
  readonly booking: Call
  readonly payment: Call
  readonly notification: Call
  /** The `Authorization` header of the seeded ops account, signed in through the identity service. */
  readonly ops: Effect.Effect<Record<string, string>>
  /** A new customer account, signed up through the identity service, and its `Authorization` header. */
  readonly customer: Effect.Effect<{ readonly email: string; readonly headers: Effect.Effect<Record<string, string>> }>
  readonly urls: Urls
}

export interface Urls {
  readonly FLIGHT_URL: string
  readonly BOOKING_URL: string
  readonly PAYMENT_URL: string
  readonly NOTIFICATION_URL: string
  readonly IDENTITY_URL: string
}

/** A small JSON client per service, and the ops account signed in where the rules ask for it. */
export const apiOf = (urls: Urls): Api => {
  const session = StaffSession.signIn(urls.IDENTITY_URL)
  const call = (base: string): Call => (method, path, body, headers = {}) =>
    Effect.promise(async () => {
      const response = await fetch(new URL(path, base), {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.status, body: (await response.json()) as Json }
    })
  return {
    flight: call(urls.FLIGHT_URL),
    booking: call(urls.BOOKING_URL),
    payment: call(urls.PAYMENT_URL),
    notification: call(urls.NOTIFICATION_URL),
    ops: Effect.promise(() => session.authorization()).pipe(Effect.map((authorization) => ({ authorization }))),
    customer: Effect.promise(() => CustomerSession.signUp(urls.IDENTITY_URL)).pipe(Effect.map((customer) => ({
      email: customer.email,
      headers: Effect.promise(() => customer.authorization()).pipe(Effect.map((authorization) => ({ authorization }))),
    }))),
    urls,
  }
}

/** Retries `check` until it holds (the saga's steps travel through the bus), for 10 seconds unless `within` says. */
export const eventually = <A>(what: string, check: Effect.Effect<A>, until: (a: A) => boolean, within: Duration.DurationInput = "10 seconds") =>
  check.pipe(
    Effect.filterOrFail(until, () => new Error(`never happened: ${what}`)),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo(within))),
  )

/** A flight on sale in the booking service (economy rows 10-12 ABC: 9 seats, 450.00 GBP). */
/** Waits until the booking's contact was told by these templates (email and SMS each), then checks each went out once. */
export const toldOnce = (api: Api, booking: Json, templates: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sentOf = Effect.map(api.notification("GET", `/api/notifications?bookingId=${booking["id"]}&limit=100`, undefined, guest(booking)), (answer) =>
      // Until booking.created reaches notification, an account's booking is unknown there (404).
      (answer.status === 200 ? answer.body["items"] as Array<Json> : []).filter((item) => templates.includes(item["template"])))
    yield* eventually(`${templates.join(", ")} sent`, sentOf, (items) => items.length >= templates.length * 2)
    yield* Effect.sleep("200 millis")
    const sent = yield* sentOf
    expect(sent.map((item) => `${item["template"]} ${item["channel"]} ${item["status"]}`).toSorted()).toEqual(
      templates.flatMap((template) => [`${template} email sent`, `${template} sms sent`]).toSorted(),
    )
  })

export const flightOnSale = (api: Api) =>
  Effect.gen(function* () {
    // A number of its own, so that runs on stores that keep their data never collide.
    const flightNumber = `FB${Math.floor(Math.random() * 9000) + 1000}${"ABCDEFGHJK"[Math.floor(Math.random() * 10)]}`
    const scheduled = yield* api.flight("POST", "/api/flights", {
      flightNumber,
      origin: "LHR",
      destination: "JFK",
      departureAt: "2026-12-01T10:00:00Z",
      arrivalAt: "2026-12-01T18:00:00Z",
      aircraft: "Boeing 777",
      cabins: [{ cabin: "economy", rows: { from: 10, to: 12 }, seatLetters: "ABC", fare: { amount: 45000, currency: "GBP" } }],
    }, yield* api.ops)
    expect(scheduled.status).toBe(201)
    const flightId = scheduled.body["id"] as string
    yield* eventually("seats on sale", api.booking("GET", `/api/seatmaps/${flightId}`), (answer) => answer.status === 200)
    const found = yield* api.flight("GET", "/api/flights?origin=LHR&destination=JFK&date=2026-12-01&passengers=2&limit=100")
    expect(found.body["items"].map((item: Json) => item["id"])).toContain(flightId)
    return flightId
  })

/**
 * Books seats as a guest (no `as`) or as the account whose `Authorization` is given. The booking is
 * answered with the headers its holder sends from then on (`as`, or the 201's guest token).
 */
export const book = (api: Api, flightId: string, passengers = 2, as?: Record<string, string>) =>
  Effect.gen(function* () {
    const created = yield* api.booking("POST", "/api/bookings", {
      flightId,
      cabin: "economy",
      passengers: Array.from({ length: passengers }, (_, index) => ({ firstName: "Ada", lastName: index === 0 ? "Lovelace" : "Byron" })),
      // A contact of its own: the holds of one email are capped (DESIGN §10), and the flows run side by side.
      contact: { email: `ada-${crypto.randomUUID().slice(0, 8)}@example.com`, phone: "+447700900123" },
    }, as)
    expect(created.status).toBe(201)
    return as === undefined ? created.body : { ...created.body, holder: as }
  })

/**
 * One seat booked as a guest straight through the gateway, answered with the whole `Response`: the
 * trace tests read its `traceparent`, which names the trace the booking's saga continues in.
 */
export const bookThrough = (gatewayUrl: string, flightId: string) =>
  fetch(new URL("/api/bookings", gatewayUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      flightId,
      cabin: "economy",
      passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
      contact: { email: `ada-${crypto.randomUUID().slice(0, 8)}@example.com` },
    }),
  })

/** Pays a booking as its holder; the intent opens when booking.created reaches payment, so a 409 payment-not-ready is retried. */
export const pay = (api: Api, booking: Json, token: string, key = crypto.randomUUID()) =>
  eventually(
    "an answer other than payment-not-ready",
    api.payment("POST", "/api/payments", { bookingId: booking["id"], method: { type: "card", token } }, { "idempotency-key": key, ...guest(booking) }),
    (answer) => !(answer.status === 409 && answer.body["type"] === "payment-not-ready"),
  )

/** A booking's payments and refunds, read as its holder does. */
export const payments = (api: Api, booking: Json) =>
  api.payment("GET", `/api/payments?bookingId=${booking["id"]}`, undefined, guest(booking))

/** A booking's notifications, read as its holder does. */
export const notifications = (api: Api, booking: Json, query = "") =>
  api.notification("GET", `/api/notifications?bookingId=${booking["id"]}${query}`, undefined, guest(booking))

export const available = (api: Api, flightId: string) =>
  Effect.map(api.flight("GET", `/api/flights/${flightId}`), (answer) => answer.body["cabins"][0]["availableSeats"] as number)

/**
 * What a booking's holder sends for it: the account's `Authorization` when an account booked it
 * (`book(..., as)`), else the guest token of its 201.
 */
export const guest = (booking: Json): Record<string, string> =>
  (booking["holder"] as Record<string, string> | undefined) ?? { authorization: `Bearer ${booking["accessToken"]}` }

/** A booking's status, read as its guest does, with the token of its 201. */
export const status = (api: Api, booking: Json) =>
  Effect.map(api.booking("GET", `/api/bookings/${booking["id"]}`, undefined, guest(booking)), (answer) => answer.body["status"] as string)

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
