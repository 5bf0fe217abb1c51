/**
 * The flight service's HTTP app as the route tests drive it: on the in-memory store and an
 * in-process bus, as it is composed, verifying the tokens of a test issuer.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { Envelope, Messages } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Effect, Layer, Logger, Schema } from "effect"
import * as FlightApi from "../../src/api/FlightApi.ts"
import { FlightCommands } from "../../src/application/FlightCommands.ts"
import { inMemoryLayer } from "../../src/main.ts"
import { type Answer, flightOf, type Json, pageOf, scheduleBody } from "./FlightRequests.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

interface Send {
  readonly body?: unknown
  /** Sent as is, instead of `body` as JSON. */
  readonly raw?: string
  readonly headers?: Record<string, string>
}

/**
 * The flight service's HTTP app on the in-memory store and an in-process bus, as it is composed,
 * verifying the tokens of a test issuer. Requests go as ops unless they say otherwise (who may call
 * which route is `FlightAccess.test.ts`'s).
 */
const makeApi = Effect.gen(function* () {
  const { bus, deadLetters } = yield* InProcessBus.make()
  const runtime = yield* Layer.toRuntime(Layer.mergeAll(inMemoryLayer, Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), TestIssuer.layer()))
  const app = FlightApi.make(runtime)
  const ops = yield* Effect.provide(TestIssuer.bearer("olga", ["ops"], { expiresIn: 3600 }), runtime)

  const send = (method: string, path: string, options: Send = {}): Effect.Effect<Answer> =>
    Effect.promise(async () => {
      const hasBody = options.raw !== undefined || options.body !== undefined
      const response = await app.fetch(
        new Request(`http://flight.test${path}`, {
          method,
          headers: { authorization: ops, ...(hasBody ? { "content-type": "application/json" } : {}), ...options.headers },
          ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
        }),
      )
      const text = await response.text()
      return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) as unknown }
    })

  const post = (body: unknown, headers: Record<string, string> = {}) => send("POST", "/api/flights", { body, headers })

  /** Schedules a flight, which must succeed. */
  const schedule = (overrides: Json = {}) =>
    Effect.map(post(scheduleBody(overrides)), (answer) => {
      expect(answer.status).toBe(201)
      return flightOf(answer)
    })

  const get = (id: string) => send("GET", `/api/flights/${id}`)

  const search = (query: Record<string, string>) => send("GET", `/api/flights?${new URLSearchParams(query)}`)

  /** The ids found by a search (first page). */
  const found = (query: Record<string, string>) =>
    Effect.map(search(query), (answer) => {
      expect(answer.status).toBe(200)
      return pageOf(answer).items.map((flight) => flight.id)
    })

  const departures = (query: Record<string, string>) => send("GET", `/api/flights/departures?${new URLSearchParams(query)}`)

  const changeStatus = (id: string, body: unknown) => send("PATCH", `/api/flights/${id}/status`, { body })

  /** Changes a flight's status, which must succeed. */
  const moveTo = (id: string, body: Json) =>
    Effect.map(changeStatus(id, body), (answer) => {
      expect(answer.status).toBe(200)
      return flightOf(answer)
    })

  /** Holds seats of a flight as a `booking.created` event does (the way seats become unavailable). */
  const holdSeats = (flightId: string, cabin: string, seats: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const data = Schema.decodeUnknownSync(Messages.BookingCreated.data)({
        bookingId: Bun.randomUUIDv7(),
        reference: "X7K2QP",
        flightId,
        cabin,
        seats,
        passengers: seats.map((seat) => ({ firstName: "Ada", lastName: "Lovelace", seat })),
        contact: { email: "ada@example.com" },
        total: { amount: 45_000 * seats.length, currency: "GBP" },
        holdExpiresAt: "2026-11-30T12:00:00.000Z",
      })
      const event = yield* Envelope.make(Messages.BookingCreated, data, { source: "booking" })
      yield* Effect.flatMap(FlightCommands, (commands) => commands.applyBooking(event)).pipe(Effect.provide(runtime))
    })

  return { send, post, schedule, get, search, found, departures, changeStatus, moveTo, holdSeats }
})

/** A test of the API, on a fresh store, with the logs silenced. */
export const apiTest = <A, E>(name: string, body: (api: Effect.Effect.Success<typeof makeApi>) => Effect.Effect<A, E>) =>
  EffectTest.effect(name, () => Effect.flatMap(makeApi, body), { layer: quiet })
