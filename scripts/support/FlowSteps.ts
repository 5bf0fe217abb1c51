/**
 * The steps the flows are made of, each through the services' HTTP APIs: a flight put on sale, a
 * booking made as a guest or an account, paid, read back as its holder does; waiting for what the
 * saga does over the bus, and checking the customer was told once.
 */
import { expect } from "bun:test"
import { type Duration, Effect, Schedule } from "effect"
import type { Api, Json } from "./SystemApi.ts"

/** Retries `check` until it holds (the saga's steps travel through the bus), for 10 seconds unless `within` says. */
export const eventually = <A>(what: string, check: Effect.Effect<A>, until: (a: A) => boolean, within: Duration.DurationInput = "10 seconds") =>
  check.pipe(
    Effect.filterOrFail(until, () => new Error(`never happened: ${what}`)),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo(within))),
  )

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

/** The flows' economy cabin: rows 10-12, ABC (9 seats), 450.00 GBP. */
export const smallCabin = { rows: { from: 10, to: 12 }, seatLetters: "ABC" } as const

/** An economy cabin of 30 rows of six, as a narrow-body has (180 seats). */
export const narrowBodyCabin = { rows: { from: 1, to: 30 }, seatLetters: "ABCDEF" } as const

/** A flight on sale in the booking service, with one economy cabin (by default `smallCabin`) at 450.00 GBP. */
export const flightOnSale = (api: Api, cabin: { readonly rows: { readonly from: number; readonly to: number }; readonly seatLetters: string } = smallCabin) =>
  Effect.gen(function* () {
    const ops = yield* api.ops
    // A number of its own, so that runs on stores that keep their data never collide; another drawn
    // when it does (a long run schedules hundreds of flights on the day, of 90,000 numbers).
    const schedule = Effect.suspend(() => api.flight("POST", "/api/flights", {
      flightNumber: `FB${Math.floor(Math.random() * 9000) + 1000}${"ABCDEFGHJK"[Math.floor(Math.random() * 10)]}`,
      origin: "LHR",
      destination: "JFK",
      departureAt: "2026-12-01T10:00:00Z",
      arrivalAt: "2026-12-01T18:00:00Z",
      aircraft: "Boeing 777",
      cabins: [{ cabin: "economy", rows: cabin.rows, seatLetters: cabin.seatLetters, fare: { amount: 45000, currency: "GBP" } }],
    }, ops))
    const scheduled = yield* Effect.repeat(schedule, { until: (answer) => answer.body?.["type"] !== "flight-already-scheduled", times: 10 })
    expect(scheduled.status).toBe(201)
    const flightId = scheduled.body["id"] as string
    yield* eventually("seats on sale", api.booking("GET", `/api/seatmaps/${flightId}`), (answer) => answer.status === 200)
    // Found by a search within a second: the gateway may answer the same search from its cache for one (decision 36).
    const search = api.flight("GET", "/api/flights?origin=LHR&destination=JFK&date=2026-12-01&passengers=2&limit=100")
    const found = yield* eventually("found by a search", search, (answer) => (answer.body["items"] as Array<Json>).some((item) => item["id"] === flightId), "3 seconds")
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

