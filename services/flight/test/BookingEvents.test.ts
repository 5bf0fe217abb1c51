/**
 * The flight service as it runs (HTTP, consumer, outbox relay) keeping availability from booking
 * events: in memory on the in-process bus always, and on MongoDB and RabbitMQ when their URLs are set.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, HandlerPolicy, MessageBus } from "@flight/bus"
import { TestBus } from "@flight/bus/testing"
import type { AnyMessage, Cabin, FlightId, MessageOf } from "@flight/contracts"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Logger, Option, Redacted, Ref, Schedule, type Scope } from "effect"
import { MongoClient } from "mongodb"
import * as Flight from "../src/main.ts"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"
import { booking, bookingCancelled, bookingConfirmed, bookingCreated, scheduleInput } from "./support/Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

interface Environment {
  readonly name: string
  readonly bus: TestBus.TestBus
  /** A database of its own for the test, dropped when the test's scope closes; none for in-memory. */
  readonly database: Effect.Effect<Option.Option<MongoStore.MongoUrl>, never, Scope.Scope>
}

const inMemory: Environment = { name: "in memory, in-process bus", bus: TestBus.inProcess, database: Effect.succeedNone }

const onServers = (mongoUrl: string, rabbitUrl: string): Environment => ({
  name: "MongoDB and RabbitMQ",
  bus: TestBus.rabbitMq(rabbitUrl),
  database: Effect.gen(function* () {
    const name = `flight-events-${Bun.randomUUIDv7().slice(-12)}`
    const href = mongoUrl.replace(/^(mongodb(?:\+srv)?:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${name}`)
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        const client = await MongoClient.connect(href)
        await client.db(name).dropDatabase().finally(() => client.close())
      }).pipe(Effect.ignore)
    )
    return Option.some(Redacted.make(Option.getOrThrow(MongoStore.parse(href))))
  }),
})

/** The service running on the environment, with a scheduled flight. */
const running = (environment: Environment) =>
  Effect.gen(function* () {
    const context = yield* environment.bus.make
    const mongodbUrl = yield* environment.database
    const issuer = yield* TestIssuer.make()
    const service = yield* Flight.make({ port: 0, mongodbUrl, auth: issuer.settings }).pipe(Effect.provide(context))
    const ops = `Bearer ${yield* issuer.staff("olga", ["ops"], { expiresIn: 3600 })}`
    const request = (path: string, init?: RequestInit) =>
      Effect.promise(() =>
        fetch(new URL(path, service.url), { ...init, headers: { authorization: ops, ...init?.headers as Record<string, string> } })
          .then(async (response) => ({ status: response.status, body: await response.json() as any }))
      )
    const scheduled = yield* request("/api/flights", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(scheduleInput),
    })
    expect(scheduled.status).toBe(201)
    const flightId = scheduled.body.id as FlightId
    const available = (cabin: Cabin = "economy") =>
      Effect.map(request(`/api/flights/${flightId}`), (response) =>
        (response.body.cabins as Array<{ cabin: string; availableSeats: number }>).find((entry) => entry.cabin === cabin)!.availableSeats)
    const publish = (message: Effect.Effect<AnyMessage>) =>
      Effect.flatMap(message, (built) => Effect.flatMap(MessageBus, (bus) => bus.publish(built)).pipe(Effect.provide(context), Effect.as(built)))
    const republish = (message: AnyMessage) => Effect.flatMap(MessageBus, (bus) => bus.publish(message)).pipe(Effect.provide(context))
    /** Waits until the cabin shows `seats` available, then checks that it stays so a while. */
    const settlesAt = (seats: number, cabin: Cabin = "economy") =>
      Effect.gen(function* () {
        yield* available(cabin).pipe(
          Effect.filterOrFail((now) => now === seats, (now) => new Error(`${cabin}: ${now} available, expected ${seats}`)),
          Effect.retry(Schedule.spaced("25 millis").pipe(Schedule.upTo("10 seconds"))),
        )
        yield* Effect.sleep("300 millis")
        expect(yield* available(cabin)).toBe(seats)
      })
    return { flightId, available, publish, republish, settlesAt, context, request }
  })

const suite = (environment: Environment) =>
  describe(`flight keeps availability from booking events: ${environment.name}`, () => {
    const it = (name: string, body: () => Effect.Effect<void, unknown, Scope.Scope>) =>
      EffectTest.effect(name, body, { layer: quiet, timeout: 30_000 })

    it("the same booking.created delivered twice lowers availability once", () =>
      Effect.gen(function* () {
        const { flightId, publish, republish, settlesAt } = yield* running(environment)
        const first = booking(flightId, ["10A", "10B"])
        const message = yield* publish(bookingCreated(first))
        yield* settlesAt(58)
        yield* republish(message)
        yield* publish(bookingCreated(booking(flightId, ["11A"])))
        yield* settlesAt(57)
      }))

    it("confirmed takes no more seats; cancelled gives them back once, even redelivered", () =>
      Effect.gen(function* () {
        const { flightId, publish, republish, settlesAt } = yield* running(environment)
        const b = booking(flightId, ["10A", "10B", "10C"])
        yield* publish(bookingCreated(b))
        yield* settlesAt(57)
        yield* publish(bookingConfirmed(b))
        yield* settlesAt(57)
        const cancel = yield* publish(bookingCancelled(b))
        yield* settlesAt(60)
        yield* republish(cancel)
        yield* publish(bookingCreated(booking(flightId, ["12A"])))
        yield* settlesAt(59)
      }))

    it("a booking.cancelled that overtakes its booking.created leaves the seats free when created arrives", () =>
      Effect.gen(function* () {
        const { flightId, publish, settlesAt } = yield* running(environment)
        const b = booking(flightId, ["10A", "10B"])
        const late = yield* bookingCreated(b)
        yield* publish(bookingCancelled(b))
        yield* publish(Effect.succeed(late))
        yield* publish(bookingCreated(booking(flightId, ["11A"])))
        yield* settlesAt(59)
      }))

    it("a booking.confirmed that overtakes its booking.created takes the seats once", () =>
      Effect.gen(function* () {
        const { flightId, publish, settlesAt } = yield* running(environment)
        const b = booking(flightId, ["1A", "1C"], "business")
        const late = yield* bookingCreated(b)
        yield* publish(bookingConfirmed(b))
        yield* settlesAt(2, "business")
        yield* publish(Effect.succeed(late))
        yield* publish(bookingCreated(booking(flightId, ["2A"], "business")))
        yield* settlesAt(1, "business")
        yield* settlesAt(60, "economy")
      }))

    it("forty bookings of one flight at once are each counted", () =>
      Effect.gen(function* () {
        const { flightId, publish, settlesAt } = yield* running(environment)
        const seats = Array.from({ length: 40 }, (_, index) => `${10 + Math.floor(index / 6)}${"ABCDEF"[index % 6]}`)
        yield* Effect.forEach(seats, (seat) => publish(bookingCreated(booking(flightId, [seat]))), { concurrency: 10 })
        yield* settlesAt(20)
      }))

    it("what the service publishes through its outbox reaches the consumers once: flight.scheduled, flight.status-changed", () =>
      Effect.gen(function* () {
        const { context, flightId, request } = yield* running(environment)
        const received = yield* Ref.make<ReadonlyArray<AnyMessage>>([])
        const record = (message: AnyMessage) => Ref.update(received, (all) => [...all, message])
        yield* Effect.flatMap(MessageBus, (bus) =>
          bus.consume({
            service: "booking",
            handlers: { "flight.scheduled": record, "flight.status-changed": record },
            policy: HandlerPolicy.make({ isTransient: () => false, idempotency: null }),
          })).pipe(Effect.provide(context))
        const changed = yield* request(`/api/flights/${flightId}/status`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ status: "cancelled", reason: "strike" }),
        })
        expect(changed.status).toBe(200)
        yield* Ref.get(received).pipe(
          Effect.filterOrFail((all) => all.length >= 2, () => new Error("not yet received")),
          Effect.retry(Schedule.spaced("25 millis").pipe(Schedule.upTo("10 seconds"))),
        )
        yield* Effect.sleep("300 millis")
        const all = yield* Ref.get(received)
        expect(all.map((message) => message.type)).toEqual(["flight.scheduled", "flight.status-changed"])
        const [scheduled, cancelled] = all as [MessageOf<"flight.scheduled">, MessageOf<"flight.status-changed">]
        expect(scheduled.data.flightId).toBe(flightId)
        expect(cancelled.data).toMatchObject({ flightId, previousStatus: "scheduled", status: "cancelled", reason: "strike" })
      }))

    it("an event for a flight the catalogue does not have is dead-lettered with its reason, and the queue goes on", () =>
      Effect.gen(function* () {
        const { context, flightId, publish, settlesAt } = yield* running(environment)
        const unknown = yield* publish(bookingCreated(booking(Bun.randomUUIDv7() as FlightId, ["10A"])))
        yield* publish(bookingCreated(booking(flightId, ["10A"])))
        yield* settlesAt(59)
        const letters = yield* Effect.flatMap(DeadLetters.DeadLetters, (deadLetters) => deadLetters.list("flight")).pipe(
          Effect.provide(context),
          Effect.filterOrFail((letters) => letters.length > 0, () => new Error("nothing dead-lettered yet")),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("5 seconds"))),
        )
        expect(letters.map((letter) => letter.id)).toEqual([unknown.id])
        expect(letters[0]!.detail).toContain("No flight")
      }))
  })

suite(inMemory)

RealServer.describeWith("MONGODB_URL", "flight on real servers", (mongoUrl) => {
  RealServer.describeWith("RABBITMQ_URL", "with RabbitMQ", (rabbitUrl) => {
    suite(onServers(mongoUrl, rabbitUrl))
  })
})
