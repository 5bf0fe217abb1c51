/**
 * The booking service as it runs (HTTP, consumer, sweeper, outbox relay), for the tests that drive
 * it whole: in memory on the in-process bus always, and on Redis and RabbitMQ when their URLs are
 * set. Flights arrive as the flight service sends them, as `flight.scheduled` on the bus.
 */
import type { AuthConfig } from "@flight/auth"
import { HandlerPolicy, MessageBus } from "@flight/bus"
import { TestBus } from "@flight/bus/testing"
import { type AnyMessage, Envelope, Messages, PaymentId } from "@flight/contracts"
import { EffectTest, RealServer, SampleFlight } from "@flight/runtime/testing"
import { afterAll, describe } from "bun:test"
import { Duration, Effect, Logger, Option, Redacted, Ref, Schedule, type Scope } from "effect"
import * as Booking from "../../src/main.ts"
import { deletePrefix, testPrefix } from "./Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

export interface Environment {
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

export const eventually = <A, E, R>(what: string, check: Effect.Effect<A, E, R>, until: (a: A) => boolean, timeout: Duration.DurationInput = "10 seconds") =>
  check.pipe(
    Effect.filterOrFail(until, () => new Error(`never happened: ${what}`)),
    Effect.retry(Schedule.spaced("25 millis").pipe(Schedule.upTo(timeout))),
  )

/** Who books: a contact email and the client's address, as the proxy in front forwards it. */
export interface Client {
  readonly email: string
  readonly address: string
}

/** A client of its own: an email and an address (from 2001:db8::/32, for documentation) no other test uses. */
export const newClient = (): Client => {
  const unique = Bun.randomUUIDv7().replaceAll("-", "")
  return { email: `ada.${unique.slice(-12)}@example.com`, address: `2001:db8:${unique.slice(-12).match(/.{4}/g)!.join(":")}::1` }
}

/** The proxy in front of the service: the test's own connections, with the client's address in x-forwarded-for. */
const proxy = { header: Option.some("x-forwarded-for"), trustedProxies: ["127.0.0.1", "::1"] }

/**
 * The service on the environment, with a flight on sale (`SampleFlight`, economy rows 10-13 ABCDEF:
 * 24 seats). Its bookings come from one client of its own unless a request names another: on a
 * shared Redis, no other test's holds count against it.
 */
export const running = (
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
    const scheduled = yield* SampleFlight.scheduled([SampleFlight.economy({ from: 10, to: 13 })])
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

export const paymentProcessed = (bookingId: string, status: "succeeded" | "failed", paymentId = PaymentId.make(Bun.randomUUIDv7())) =>
  Envelope.make(Messages.PaymentProcessed, {
    paymentId,
    bookingId: bookingId as never,
    status,
    amount: { amount: 45000, currency: "GBP" },
    transactionId: status === "succeeded" ? "tx_1" : null,
    failureReason: status === "succeeded" ? null : "card_declined",
  }, { source: "payment" })


/** A test of the running service, its logs silenced. */
export const it = (name: string, body: () => Effect.Effect<void, unknown, Scope.Scope>, timeout = 30_000) =>
  EffectTest.effect(name, body, { layer: quiet, timeout })

/**
 * Registers `tests` on each environment: in memory on the in-process bus always, and on Redis and
 * RabbitMQ when REDIS_URL and RABBITMQ_URL are set (in CI, a missing one fails the file).
 */
export const onEachEnvironment = (concept: string, tests: (environment: Environment) => void) => {
  const suite = (environment: Environment) =>
    describe(`booking service: ${environment.name}`, () => describe(concept, () => tests(environment)))
  suite(inMemory)
  RealServer.describeWith("REDIS_URL", "booking on real servers", (redisUrl) => {
    RealServer.describeWith("RABBITMQ_URL", "with RabbitMQ", (rabbitUrl) => {
      const prefix = testPrefix()
      afterAll(() => deletePrefix(redisUrl, prefix))
      suite(onServers(redisUrl, rabbitUrl, prefix))
    })
  })
}
