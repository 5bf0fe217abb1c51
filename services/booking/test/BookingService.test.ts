/**
 * The booking service as it runs (HTTP, consumer, sweeper, outbox relay): in memory on the
 * in-process bus always, and on Redis and RabbitMQ when their URLs are set. Flights arrive as the
 * flight service sends them, as `flight.scheduled` on the bus.
 */
import type { AuthConfig } from "@flight/auth"
import { TestIssuer } from "@flight/auth/testing"
import { HandlerPolicy, MessageBus } from "@flight/bus"
import { TestBus } from "@flight/bus/testing"
import { type AnyMessage, Envelope, type FlightId, FlightNumber, Messages, type MessageOf, PaymentId } from "@flight/contracts"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { afterAll, describe, expect } from "bun:test"
import { DateTime, Duration, Effect, Logger, Option, Redacted, Ref, Schedule, type Scope } from "effect"
import * as Booking from "../src/main.ts"
import { deletePrefix, testPrefix } from "./support/Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

interface Environment {
  readonly name: string
  readonly bus: TestBus.TestBus
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
  /** Redis keys of its own on a shared server, deleted after the suite. */
  readonly redisKeyPrefix?: string
}

const inMemory: Environment = { name: "in memory, in-process bus", bus: TestBus.inProcess, redisUrl: Option.none() }

const onServers = (redisUrl: string, rabbitUrl: string, redisKeyPrefix: string): Environment => ({
  name: "Redis and RabbitMQ",
  bus: TestBus.rabbitMq(rabbitUrl),
  redisUrl: Option.some(Redacted.make(new URL(redisUrl))),
  redisKeyPrefix,
})

const eventually = <A, E, R>(what: string, check: Effect.Effect<A, E, R>, until: (a: A) => boolean, timeout: Duration.DurationInput = "10 seconds") =>
  check.pipe(
    Effect.filterOrFail(until, () => new Error(`never happened: ${what}`)),
    Effect.retry(Schedule.spaced("25 millis").pipe(Schedule.upTo(timeout))),
  )

/** Who books: a contact email and the client's address, as the proxy in front forwards it. */
interface Client {
  readonly email: string
  readonly address: string
}

/** A client of its own: an email and an address (from 2001:db8::/32, for documentation) no other test uses. */
const newClient = (): Client => {
  const unique = Bun.randomUUIDv7().replaceAll("-", "")
  return { email: `ada.${unique.slice(-12)}@example.com`, address: `2001:db8:${unique.slice(-12).match(/.{4}/g)!.join(":")}::1` }
}

/** The proxy in front of the service: the test's own connections, with the client's address in x-forwarded-for. */
const proxy = { header: Option.some("x-forwarded-for"), trustedProxies: ["127.0.0.1", "::1"] }

/**
 * The service on the environment, with a flight on sale (economy rows 10-13 ABCDEF: 24 seats). Its
 * bookings come from one client of its own unless a request names another: on a shared Redis, no
 * other test's holds count against it.
 */
const running = (
  environment: Environment,
  options: {
    readonly holdTtl?: Duration.DurationInput
    readonly maxHeldSeats?: number
    /** Whose account tokens it accepts; identity's defaults unless given. */
    readonly auth?: AuthConfig.Settings
  } = {},
) =>
  Effect.gen(function* () {
    const context = yield* environment.bus.make
    const bus = yield* Effect.provide(MessageBus, context)
    const service = yield* Booking.make({
      port: 0,
      redisUrl: environment.redisUrl,
      ...(environment.redisKeyPrefix === undefined ? {} : { redisKeyPrefix: environment.redisKeyPrefix }),
      holdTtl: Duration.decode(options.holdTtl ?? "15 minutes"),
      sweepInterval: "50 millis",
      clientAddress: proxy,
      ...(options.maxHeldSeats === undefined ? {} : { maxHeldSeats: options.maxHeldSeats }),
      ...(options.auth === undefined ? {} : { auth: options.auth }),
    }).pipe(Effect.provide(context))
    const scheduled = yield* Envelope.make(Messages.FlightScheduled, {
      flightId: Bun.randomUUIDv7() as FlightId,
      flightNumber: FlightNumber.make("BA117"),
      origin: "LHR" as never,
      destination: "JFK" as never,
      departureAt: DateTime.unsafeMake("2026-12-01T10:00:00Z"),
      arrivalAt: DateTime.unsafeMake("2026-12-01T18:00:00Z"),
      aircraft: "Boeing 777",
      cabins: [{ cabin: "economy", rows: { from: 10, to: 13 }, seatLetters: "ABCDEF", fare: { amount: 45000, currency: "GBP" } }],
    }, { source: "flight" })
    const flightId = scheduled.data.flightId
    const received = yield* Ref.make<ReadonlyArray<AnyMessage>>([])
    // Only this flight's messages: on a shared Redis the relay also publishes what other tests left.
    const ours = (message: AnyMessage) =>
      ("flightId" in message.data && message.data.flightId === flightId) ||
      (message.type === "notification.send" && bookings.has(String(message.data.data["bookingId"])))
    const bookings = new Set<string>()
    const record = (message: AnyMessage) => (ours(message) ? Ref.update(received, (all) => [...all, message]) : Effect.void)
    // What the booking service publishes, as flight and notification receive it.
    yield* bus.consume({
      service: "flight",
      handlers: { "booking.created": record, "booking.confirmed": record, "booking.cancelled": record },
      policy: HandlerPolicy.make({ isTransient: () => false, idempotency: null }),
    })
    yield* bus.consume({
      service: "notification",
      handlers: { "notification.send": record, "booking.created": () => Effect.void, "booking.confirmed": () => Effect.void, "booking.cancelled": () => Effect.void, "payment.processed": () => Effect.void, "payment.refunded": () => Effect.void, "flight.status-changed": () => Effect.void },
      policy: HandlerPolicy.make({ isTransient: () => false, idempotency: null }),
    })
    yield* bus.publish(scheduled)
    // A booking's own token, from its 201, goes with each request for it, as a guest's client sends it.
    const tokens = new Map<string, string>()
    const request = (path: string, init?: RequestInit) =>
      Effect.promise(() => {
        const token = tokens.get(/^\/api\/bookings\/([0-9a-f-]{36})/.exec(path)?.[1] ?? "")
        const headers = new Headers(init?.headers)
        if (token !== undefined && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`)
        return fetch(new URL(path, service.url), { ...init, headers }).then(async (response) => {
          const body = await response.json() as any
          if (response.status === 201 && typeof body?.accessToken === "string") tokens.set(body.id, body.accessToken)
          return { status: response.status, body }
        })
      })
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      request(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })
    const client = newClient()
    const book = (passengers: ReadonlyArray<{ readonly seat?: string }>, headers: Record<string, string> = {}, as: Client = client) =>
      Effect.tap(post("/api/bookings", {
        flightId,
        cabin: "economy",
        passengers: passengers.map((passenger, index) => ({ firstName: "Ada", lastName: `Lovelace${"abcdefghi"[index]}`, ...passenger })),
        contact: { email: as.email, phone: "+447700900123" },
      }, { "x-forwarded-for": as.address, ...headers }), (answer) => Effect.sync(() => answer.status === 201 && bookings.add(answer.body.id)))
    const seats = Effect.map(request(`/api/seatmaps/${flightId}`), (response) => response.body.seats as Array<{ seat: string; state: string }>)
    const count = (state: string) => Effect.map(seats, (all) => all.filter((seat) => seat.state === state).length)
    yield* eventually("the flight is on sale", request(`/api/seatmaps/${flightId}`), (response) => response.status === 200)
    return { bus, client, flightId, request, post, book, seats, count, received }
  })

const paymentProcessed = (bookingId: string, status: "succeeded" | "failed", paymentId = PaymentId.make(Bun.randomUUIDv7())) =>
  Envelope.make(Messages.PaymentProcessed, {
    paymentId,
    bookingId: bookingId as never,
    status,
    amount: { amount: 45000, currency: "GBP" },
    transactionId: status === "succeeded" ? "tx_1" : null,
    failureReason: status === "succeeded" ? null : "card_declined",
  }, { source: "payment" })

const suite = (environment: Environment) =>
  describe(`booking service: ${environment.name}`, () => {
    const it = (name: string, body: () => Effect.Effect<void, unknown, Scope.Scope>, timeout = 30_000) =>
      EffectTest.effect(name, body, { layer: quiet, timeout })

    it("300 concurrent requests from 300 clients for the last 20 seats: exactly 20 bookings, 280 conflicts, no seat twice", () =>
      Effect.gen(function* () {
        const { book, count, seats } = yield* running(environment)
        expect((yield* book([{}, {}])).status).toBe(201)
        expect((yield* book([{}, {}])).status).toBe(201)
        const answers = yield* Effect.forEach(Array.from({ length: 300 }), () => book([{}], {}, newClient()), { concurrency: 300 })
        const booked = answers.filter((answer) => answer.status === 201)
        expect(booked).toHaveLength(20)
        expect(answers.filter((answer) => answer.status === 409 && answer.body.type === "seats-unavailable")).toHaveLength(280)
        const taken = booked.map((answer) => answer.body.passengers[0].seat as string)
        expect(new Set(taken).size).toBe(20)
        expect(yield* count("free")).toBe(0)
        expect((yield* seats).length).toBe(24)
      }), 60_000)

    it("ops list the flight's bookings newest first, page by page, and find one by its reference alone", () =>
      Effect.gen(function* () {
        const issuer = yield* TestIssuer.make()
        const { book, flightId, request } = yield* running(environment, { auth: issuer.settings })
        const ops = { authorization: `Bearer ${yield* issuer.staff("olga", ["ops"])}` }
        const ids: Array<string> = []
        for (let index = 0; index < 3; index++) {
          const answer = yield* book([{}])
          expect(answer.status).toBe(201)
          ids.push(answer.body.id)
          yield* Effect.sleep("3 millis")
        }
        const first = yield* request(`/api/bookings?flightId=${flightId}&limit=2`, { headers: ops })
        expect([first.status, first.body.items.map((item: { id: string }) => item.id)]).toEqual([200, [ids[2], ids[1]]])
        const second = yield* request(`/api/bookings?flightId=${flightId}&limit=2&cursor=${first.body.nextCursor}`, { headers: ops })
        expect([second.body.items.map((item: { id: string }) => item.id), second.body.nextCursor]).toEqual([[ids[0]], null])
        const customer = { authorization: `Bearer ${yield* issuer.customer("customer-a")}` }
        expect((yield* request(`/api/bookings?flightId=${flightId}`, { headers: customer })).status).toBe(403)
        const reference = first.body.items[0].reference as string
        const found = yield* request(`/api/bookings?reference=${reference}`, { headers: ops })
        expect([found.status, found.body.id]).toEqual([200, ids[2]])
        expect((yield* request(`/api/bookings?reference=${reference}`)).status).toBe(400)
      }))

    it("20 concurrent one-seat bookings with one email from 20 addresses: exactly 9 held, 11 answer 429 too-many-holds", () =>
      Effect.gen(function* () {
        const { book, client, count } = yield* running(environment)
        const answers = yield* Effect.forEach(Array.from({ length: 20 }), () => book([{}], {}, { ...newClient(), email: client.email }), {
          concurrency: 20,
        })
        expect(answers.filter((answer) => answer.status === 201)).toHaveLength(9)
        const refused = answers.filter((answer) => answer.status === 429 && answer.body.type === "too-many-holds")
        expect(refused).toHaveLength(11)
        expect(yield* count("held")).toBe(9)
      }))

    it("20 concurrent one-seat bookings from one client address through the proxy, each with its own email: exactly 9 held", () =>
      Effect.gen(function* () {
        const { book, client, count } = yield* running(environment)
        const answers = yield* Effect.forEach(Array.from({ length: 20 }), () => book([{}], {}, { ...newClient(), address: client.address }), {
          concurrency: 20,
        })
        expect(answers.filter((answer) => answer.status === 201)).toHaveLength(9)
        expect(answers.filter((answer) => answer.status === 429)).toHaveLength(11)
        expect(yield* count("held")).toBe(9)
        // A client elsewhere still books.
        expect((yield* book([{}], {}, newClient())).status).toBe(201)
      }))

    it("10 concurrent requests for the same named seat: one booking", () =>
      Effect.gen(function* () {
        const { book, count } = yield* running(environment)
        const answers = yield* Effect.forEach(Array.from({ length: 10 }), () => book([{ seat: "12C" }]), { concurrency: 10 })
        expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1)
        expect(answers.filter((answer) => answer.status === 409)).toHaveLength(9)
        expect(yield* count("held")).toBe(1)
      }))

    it("a hold expires without any request, its seats come back, and booking.cancelled (expired) is published", () =>
      Effect.gen(function* () {
        const { book, count, received, request } = yield* running(environment, { holdTtl: "300 millis" })
        const created = yield* book([{}, {}])
        expect(created.status).toBe(201)
        expect(yield* count("held")).toBe(2)
        yield* eventually("the seats are free again", count("free"), (free) => free === 24)
        expect((yield* request(`/api/bookings/${created.body.id}`)).body.status).toBe("expired")
        const cancelled = yield* eventually("booking.cancelled published", Ref.get(received), (all) =>
          all.some((message) => message.type === "booking.cancelled"))
        const event = cancelled.find((message) => message.type === "booking.cancelled") as MessageOf<"booking.cancelled">
        expect(event.data).toMatchObject({ bookingId: created.body.id, reason: "expired", paid: false })
      }))

    it("the same payment.processed delivered twice confirms once; a failed payment leaves the booking pending", () =>
      Effect.gen(function* () {
        const { book, bus, count, received, request } = yield* running(environment)
        const created = yield* book([{}, {}])
        yield* bus.publish(yield* paymentProcessed(created.body.id, "failed"))
        yield* Effect.sleep("200 millis")
        expect((yield* request(`/api/bookings/${created.body.id}`)).body.status).toBe("pending")
        const paid = yield* paymentProcessed(created.body.id, "succeeded")
        yield* bus.publish(paid)
        yield* bus.publish(paid)
        yield* eventually("confirmed", request(`/api/bookings/${created.body.id}`), (answer) => answer.body.status === "confirmed")
        expect(yield* count("sold")).toBe(2)
        yield* Effect.sleep("300 millis")
        const confirmations = (yield* Ref.get(received)).filter((message) => message.type === "booking.confirmed")
        expect(confirmations).toHaveLength(1)
        expect((confirmations[0] as MessageOf<"booking.confirmed">).data.paymentId).toBe(paid.data.paymentId)
      }))

    it("an Idempotency-Key replays the first response and holds once; another request under it is a 422", () =>
      Effect.gen(function* () {
        const { book, count } = yield* running(environment)
        const key = { "idempotency-key": `key-${Bun.randomUUIDv7()}` }
        const answers = yield* Effect.forEach(Array.from({ length: 5 }), () => book([{}, {}], key), { concurrency: 5 })
        const ok = answers.filter((answer) => answer.status === 201)
        expect(ok.length).toBeGreaterThanOrEqual(1)
        expect(new Set(ok.map((answer) => answer.body.id)).size).toBe(1)
        expect(yield* count("held")).toBe(2)
        const again = yield* book([{}, {}], key)
        expect(again.status).toBe(201)
        expect(again.body).toEqual(ok[0]!.body)
        const other = yield* book([{}], key)
        expect(other.status).toBe(422)
        expect(other.body.type).toBe("idempotency-key-reused")
      }))

    it("a cancelled flight cancels its bookings (paid ones flagged) and sells no more seats; a delay notifies each contact once", () =>
      Effect.gen(function* () {
        const { book, bus, client, count, flightId, received, request } = yield* running(environment)
        const pending = yield* book([{}])
        const confirmed = yield* book([{}])
        yield* bus.publish(yield* paymentProcessed(confirmed.body.id, "succeeded"))
        yield* eventually("confirmed", request(`/api/bookings/${confirmed.body.id}`), (answer) => answer.body.status === "confirmed")
        const delay = yield* Envelope.make(Messages.FlightStatusChanged, {
          flightId,
          flightNumber: FlightNumber.make("BA117"),
          previousStatus: "scheduled",
          status: "delayed",
          reason: "late inbound aircraft",
          departureAt: DateTime.unsafeMake("2026-12-01T13:00:00Z"),
        }, { source: "flight" })
        yield* bus.publish(delay)
        yield* bus.publish(delay)
        yield* eventually("two contacts notified by email and SMS", Ref.get(received), (all) =>
          all.filter((message) => message.type === "notification.send").length >= 4)
        yield* Effect.sleep("300 millis")
        const commands = (yield* Ref.get(received)).filter((message) => message.type === "notification.send") as Array<
          MessageOf<"notification.send">
        >
        // Redelivered, the delay gives the same command ids: consumers drop the copies by id.
        expect(new Set(commands.map((message) => message.id)).size).toBe(4)
        const sent = new Set(commands.map((message) => `${message.data.channel} ${message.data.recipient} ${message.data.template}`))
        expect([...sent].toSorted()).toEqual([`email ${client.email} flight-delayed`, "sms +447700900123 flight-delayed"])
        const cancel = yield* Envelope.make(Messages.FlightStatusChanged, {
          flightId,
          flightNumber: FlightNumber.make("BA117"),
          previousStatus: "delayed",
          status: "cancelled",
          reason: "strike",
          departureAt: DateTime.unsafeMake("2026-12-01T13:00:00Z"),
        }, { source: "flight" })
        yield* bus.publish(cancel)
        yield* eventually("both cancelled", Effect.all([
          request(`/api/bookings/${pending.body.id}`),
          request(`/api/bookings/${confirmed.body.id}`),
        ]), ([a, b]) => a.body.status === "cancelled" && b.body.status === "cancelled")
        expect(yield* count("free")).toBe(24)
        const cancellations = (yield* eventually("two booking.cancelled", Ref.get(received), (all) =>
          all.filter((message) => message.type === "booking.cancelled").length >= 2))
          .filter((message) => message.type === "booking.cancelled") as Array<MessageOf<"booking.cancelled">>
        expect(cancellations.map((event) => [event.data.bookingId, event.data.reason, event.data.paid]).toSorted()).toEqual(
          [[pending.body.id, "flight-cancelled", false], [confirmed.body.id, "flight-cancelled", true]].toSorted(),
        )
        const refused = yield* book([{}])
        expect([refused.status, refused.body.type]).toEqual([409, "flight-not-bookable"])
      }))
  })

suite(inMemory)

RealServer.describeWith("REDIS_URL", "booking on real servers", (redisUrl) => {
  RealServer.describeWith("RABBITMQ_URL", "with RabbitMQ", (rabbitUrl) => {
    const prefix = testPrefix()
    afterAll(() => deletePrefix(redisUrl, prefix))
    suite(onServers(redisUrl, rabbitUrl, prefix))
  })
})
