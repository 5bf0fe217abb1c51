/**
 * The saga across flight, booking and payment in the embedded mode: the services as `start` runs
 * them (one process, one in-process bus, in-memory stores), driven only through their HTTP APIs.
 * DESIGN §5: book and pay; a declined payment then paid; a hold that expires (the late payment
 * refused); a customer who cancels a paid booking (refunded once, seats back, availability back);
 * the customer told of each step, once.
 */
import * as Booking from "@flight/booking"
import { InProcessBus } from "@flight/bus"
import * as Flight from "@flight/flight"
import * as Notification from "@flight/notification"
import * as Payment from "@flight/payment"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Duration, Effect, Layer, Logger, Option, Schedule } from "effect"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

type Json = Record<string, any>

/** The three services on one bus, and a small HTTP client for each. */
const system = (options: { readonly holdTtl?: Duration.DurationInput } = {}) =>
  Effect.gen(function* () {
    const bus = yield* Layer.build(InProcessBus.layer())
    const start = <E>(make: Effect.Effect<{ readonly url: URL }, E, any>) => Effect.provide(make, bus)
    const flight = yield* start(Flight.make({ port: 0, mongodbUrl: Option.none() }))
    const booking = yield* start(Booking.make({
      port: 0,
      redisUrl: Option.none(),
      holdTtl: Duration.decode(options.holdTtl ?? "15 minutes"),
      sweepInterval: "50 millis",
    }))
    const payment = yield* start(Payment.make({ port: 0, databaseUrl: Option.none() }))
    const notification = yield* start(Notification.make({ port: 0 }))
    const call = (base: URL) => (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      Effect.promise(async () => {
        const response = await fetch(new URL(path, base), {
          method,
          headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        })
        return { status: response.status, body: (await response.json()) as Json }
      })
    return {
      flight: call(flight.url),
      booking: call(booking.url),
      payment: call(payment.url),
      notification: call(notification.url),
      urls: { FLIGHT_URL: flight.url.href, BOOKING_URL: booking.url.href, PAYMENT_URL: payment.url.href, NOTIFICATION_URL: notification.url.href },
    }
  })

type System = Effect.Effect.Success<ReturnType<typeof system>>

/** Retries `check` until it holds (the saga's steps travel through the bus). */
const eventually = <A>(what: string, check: Effect.Effect<A>, until: (a: A) => boolean) =>
  check.pipe(
    Effect.filterOrFail(until, () => new Error(`never happened: ${what}`)),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("10 seconds"))),
  )

/** A flight on sale in the booking service (economy rows 10-12 ABC: 9 seats, 450.00 GBP). */
const flightOnSale = (api: System) =>
  Effect.gen(function* () {
    const scheduled = yield* api.flight("POST", "/api/flights", {
      flightNumber: "BA117",
      origin: "LHR",
      destination: "JFK",
      departureAt: "2026-12-01T10:00:00Z",
      arrivalAt: "2026-12-01T18:00:00Z",
      aircraft: "Boeing 777",
      cabins: [{ cabin: "economy", rows: { from: 10, to: 12 }, seatLetters: "ABC", fare: { amount: 45000, currency: "GBP" } }],
    })
    expect(scheduled.status).toBe(201)
    const flightId = scheduled.body["id"] as string
    yield* eventually("seats on sale", api.booking("GET", `/api/seatmaps/${flightId}`), (answer) => answer.status === 200)
    const found = yield* api.flight("GET", "/api/flights?origin=LHR&destination=JFK&date=2026-12-01&passengers=2")
    expect(found.body["items"].map((item: Json) => item["id"])).toEqual([flightId])
    return flightId
  })

const book = (api: System, flightId: string, passengers = 2) =>
  Effect.gen(function* () {
    const created = yield* api.booking("POST", "/api/bookings", {
      flightId,
      cabin: "economy",
      passengers: Array.from({ length: passengers }, (_, index) => ({ firstName: "Ada", lastName: index === 0 ? "Lovelace" : "Byron" })),
      contact: { email: "ada@example.com", phone: "+447700900123" },
    })
    expect(created.status).toBe(201)
    return created.body
  })

/** Pays a booking; the intent opens when booking.created reaches payment, so a 409 payment-not-ready is retried. */
const pay = (api: System, bookingId: string, token: string, key = crypto.randomUUID()) =>
  eventually(
    "an answer other than payment-not-ready",
    api.payment("POST", "/api/payments", { bookingId, method: { type: "card", token } }, { "idempotency-key": key }),
    (answer) => !(answer.status === 409 && answer.body["type"] === "payment-not-ready"),
  )

const available = (api: System, flightId: string) =>
  Effect.map(api.flight("GET", `/api/flights/${flightId}`), (answer) => answer.body["cabins"][0]["availableSeats"] as number)

const status = (api: System, bookingId: string) =>
  Effect.map(api.booking("GET", `/api/bookings/${bookingId}`), (answer) => answer.body["status"] as string)

describe("the saga in the embedded mode", () => {
  EffectTest.effect("book and pay: confirmed, seats sold, the flight's availability follows", () =>
    Effect.gen(function* () {
      const api = yield* system()
      const flightId = yield* flightOnSale(api)
      const booking = yield* book(api, flightId)
      expect(booking["total"]).toEqual({ amount: 90000, currency: "GBP" })
      yield* eventually("availability lowered", available(api, flightId), (seats) => seats === 7)
      const paid = yield* pay(api, booking["id"], "tok_visa")
      expect([paid.status, paid.body["status"], paid.body["amount"]]).toEqual([201, "succeeded", { amount: 90000, currency: "GBP" }])
      yield* eventually("confirmed", status(api, booking["id"]), (state) => state === "confirmed")
      const map = yield* api.booking("GET", `/api/seatmaps/${flightId}`)
      expect(map.body["seats"].filter((seat: Json) => seat["state"] === "sold")).toHaveLength(2)
      expect(yield* available(api, flightId)).toBe(7)
      const sent = yield* eventually(
        "the customer told",
        Effect.map(api.notification("GET", `/api/notifications?bookingId=${booking["id"]}`), (answer) => answer.body["items"] as Array<Json>),
        (items) => items.length >= 4,
      )
      yield* Effect.sleep("200 millis")
      expect(sent.map((item) => `${item["template"]} ${item["channel"]} ${item["status"]}`).toSorted()).toEqual([
        "booking-confirmed email sent",
        "booking-confirmed sms sent",
        "booking-received email sent",
        "booking-received sms sent",
      ])
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a declined payment leaves the booking pending; paid with another card, it is confirmed", () =>
    Effect.gen(function* () {
      const api = yield* system()
      const booking = yield* book(api, yield* flightOnSale(api), 1)
      const declined = yield* pay(api, booking["id"], "tok_chargeDeclined")
      expect([declined.status, declined.body["status"], declined.body["failureReason"]]).toEqual([201, "failed", "card_declined"])
      yield* Effect.sleep("100 millis")
      expect(yield* status(api, booking["id"])).toBe("pending")
      expect((yield* pay(api, booking["id"], "tok_processingError")).body["status"]).toBe("succeeded")
      yield* eventually("confirmed", status(api, booking["id"]), (state) => state === "confirmed")
      const history = yield* api.payment("GET", `/api/payments?bookingId=${booking["id"]}`)
      expect(history.body["items"].map((item: Json) => item["status"])).toEqual(["failed", "succeeded"])
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a hold that runs out expires without a request: seats back, availability back, a late payment refused", () =>
    Effect.gen(function* () {
      const api = yield* system({ holdTtl: "400 millis" })
      const flightId = yield* flightOnSale(api)
      const booking = yield* book(api, flightId)
      yield* eventually("intent open", api.payment("GET", `/api/payments?bookingId=${booking["id"]}`), (answer) => answer.status === 200)
      yield* eventually("expired", status(api, booking["id"]), (state) => state === "expired")
      yield* eventually("availability back", available(api, flightId), (seats) => seats === 9)
      const late = yield* eventually(
        "the intent closed",
        api.payment("POST", "/api/payments", { bookingId: booking["id"], method: { type: "card", token: "tok_visa" } }, {
          "idempotency-key": crypto.randomUUID(),
        }),
        (answer) => answer.status === 409 && answer.body["type"] !== "payment-not-ready" && answer.body["type"] !== "payment-in-progress",
      )
      expect(["nothing-to-pay", "hold-expired"]).toContain(late.body["type"])
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a customer cancels a paid booking: seats back, availability back, refunded in full once", () =>
    Effect.gen(function* () {
      const api = yield* system()
      const flightId = yield* flightOnSale(api)
      const booking = yield* book(api, flightId)
      yield* pay(api, booking["id"], "tok_mastercard")
      yield* eventually("confirmed", status(api, booking["id"]), (state) => state === "confirmed")
      const cancelled = yield* api.booking("POST", `/api/bookings/${booking["id"]}/cancel`)
      expect([cancelled.status, cancelled.body["status"]]).toEqual([200, "cancelled"])
      yield* eventually("availability back", available(api, flightId), (seats) => seats === 9)
      const refunds = yield* eventually(
        "refunded",
        Effect.map(api.payment("GET", `/api/payments?bookingId=${booking["id"]}`), (answer) =>
          (answer.body["items"] as Array<Json>).filter((item) => item["type"] === "refund")),
        (items) => items.some((item) => item["status"] === "succeeded"),
      )
      expect(refunds.map((refund) => [refund["status"], refund["amount"]])).toEqual([["succeeded", { amount: 90000, currency: "GBP" }]])
      const again = yield* api.booking("POST", `/api/bookings/${booking["id"]}/cancel`)
      expect([again.status, again.body["type"]]).toEqual([409, "booking-not-cancellable"])
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("the demo script walks flow 1 against a running system and prints each step", () =>
    Effect.gen(function* () {
      const api = yield* system()
      const demo = Bun.spawn(["bun", new URL("./demo.ts", import.meta.url).pathname], {
        env: { ...process.env, ...api.urls },
        stdout: "pipe",
        stderr: "pipe",
      })
      const [output, code] = yield* Effect.promise(() => Promise.all([new Response(demo.stdout).text(), demo.exited]))
      expect(code).toBe(0)
      for (const stepText of ["Schedule flight", "Search LHR", "Book two seats", "Pay with a card", "is confirmed", "availability follows", "was told"]) {
        expect(output).toContain(stepText)
      }
      expect(output).toContain("flow 1 done")
    }), { layer: quiet, timeout: 30_000 })
})
