/**
 * The booking service's HTTP app as the route tests drive it: on the in-memory store and an
 * in-process bus, as it is composed. Flights come on sale the way they do in production, from
 * `flight.scheduled`; payments confirm bookings from `payment.processed`.
 */
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { BookingId, Envelope, Messages } from "@flight/contracts"
import { EffectTest, SampleFlight } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Duration, Effect, Layer, Logger, Schema } from "effect"
import * as BookingApi from "../../src/api/BookingApi.ts"
import { BookingCommands } from "../../src/application/BookingCommands.ts"
import { inMemoryLayer } from "../../src/main.ts"
import { type Answer, type BookingJson, bookingOf, cabins, type Json, seatMapOf } from "./BookingRequests.ts"
import { testSecurity } from "./Fixtures.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

/** The `payment.processed` of a successful charge of a booking's total. */
export const paymentSucceeded = (booking: { readonly id: string; readonly total: unknown }) =>
  Envelope.make(Messages.PaymentProcessed, Schema.decodeUnknownSync(Messages.PaymentProcessed.data)({
    paymentId: Bun.randomUUIDv7(),
    bookingId: booking.id,
    status: "succeeded",
    amount: booking.total,
    transactionId: "tx_1",
    failureReason: null,
  }), { source: "payment" })

export interface Send {
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** Without the booking's own token, which is sent to its routes otherwise. */
  readonly anonymous?: boolean
}

/** The booking service's HTTP app on the in-memory store and an in-process bus, as it is composed. */
const makeApi = (holdTtl?: Duration.Duration) =>
  Effect.gen(function* () {
    const { bus, deadLetters } = yield* InProcessBus.make()
    const runtime = yield* Layer.toRuntime(Layer.mergeAll(inMemoryLayer(holdTtl), Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), testSecurity()))
    const app = BookingApi.make(runtime)

    /** Runs an effect of the application on the app's runtime (the same store). */
    const withCommands = <A, E>(f: (commands: BookingCommands) => Effect.Effect<A, E>) =>
      Effect.flatMap(BookingCommands, f).pipe(Effect.provide(runtime))

    // A booking's own token, from its 201, is sent to its routes (as a guest's client does), unless a
    // test asks for an anonymous request or sends an Authorization of its own.
    const tokens = new Map<string, string>()
    const ownToken = (path: string): Record<string, string> => {
      const id = /^\/api\/bookings\/([0-9a-f-]{36})(?:\/cancel)?$/.exec(path)?.[1]
      const token = id === undefined ? undefined : tokens.get(id)
      return token === undefined ? {} : { authorization: `Bearer ${token}` }
    }
    const send = (method: string, path: string, options: Send = {}): Effect.Effect<Answer> =>
      Effect.promise(async () => {
        const hasBody = options.body !== undefined
        const response = await app.fetch(
          new Request(`http://booking.test${path}`, {
            method,
            headers: {
              ...(hasBody ? { "content-type": "application/json" } : {}),
              ...(options.anonymous === true ? {} : ownToken(path)),
              ...options.headers,
            },
            ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
          }),
        )
        const text = await response.text()
        const body = text === "" ? undefined : JSON.parse(text) as unknown
        if (response.status === 201 && typeof body === "object" && body !== null && "accessToken" in body && "id" in body) {
          tokens.set(String(body.id), String(body.accessToken))
        }
        return { status: response.status, headers: response.headers, body }
      })

    /** Puts a flight on sale as `flight.scheduled` does; answers its id. */
    const scheduleFlight = Effect.gen(function* () {
      const message = yield* SampleFlight.scheduled(cabins)
      expect(yield* withCommands((commands) => commands.seed(message))).toBe(true)
      return message.data.flightId as string
    })

    /** Cancels a flight as `flight.status-changed` does. */
    const cancelFlight = (flightId: string) =>
      Effect.gen(function* () {
        const data = Schema.decodeUnknownSync(Messages.FlightStatusChanged.data)({
          flightId,
          flightNumber: "BA117",
          previousStatus: "scheduled",
          status: "cancelled",
          reason: "Crew shortage",
          departureAt: "2026-12-01T10:00:00Z",
        })
        const message = yield* Envelope.make(Messages.FlightStatusChanged, data, { source: "flight" })
        yield* withCommands((commands) => commands.applyFlightStatus(message))
      })

    /** Confirms a booking as a successful `payment.processed` does. */
    const confirm = (booking: BookingJson) =>
      Effect.gen(function* () {
        const message = yield* paymentSucceeded(booking)
        return yield* withCommands((commands) => commands.confirm(message))
      })

    /** Expires a booking as the sweeper does. */
    const expire = (id: string) => withCommands((commands) => commands.expire(BookingId.make(id)))

    const post = (body: unknown, headers: Record<string, string> = {}) => send("POST", "/api/bookings", { body, headers })

    /** Books, which must succeed. */
    const book = (body: Json) =>
      Effect.map(post(body), (answer) => {
        expect(answer.status).toBe(201)
        return bookingOf(answer)
      })

    const get = (id: string) => send("GET", `/api/bookings/${id}`)

    const find = (query: Record<string, string>) => send("GET", `/api/bookings?${new URLSearchParams(query)}`)

    const cancel = (id: string, headers: Record<string, string> = {}) => send("POST", `/api/bookings/${id}/cancel`, { headers })

    const seatMapAnswer = (flightId: string, cabin?: string) =>
      send("GET", `/api/seatmaps/${flightId}${cabin === undefined ? "" : `?${new URLSearchParams({ cabin })}`}`)

    /** The state of each seat of a cabin, which must be answered. */
    const seatStates = (flightId: string, cabin?: string) =>
      Effect.map(seatMapAnswer(flightId, cabin), (answer) => {
        expect(answer.status).toBe(200)
        return Object.fromEntries(seatMapOf(answer).seats.map(({ seat, state }) => [seat, state])) as Record<string, string>
      })

    /** The seats of a cabin in this state. */
    const seatsIn = (flightId: string, state: string, cabin?: string) =>
      Effect.map(seatStates(flightId, cabin), (states) => Object.keys(states).filter((seat) => states[seat] === state))

    return {
      runtime,
      send,
      post,
      book,
      get,
      find,
      cancel,
      seatMapAnswer,
      seatStates,
      seatsIn,
      scheduleFlight,
      cancelFlight,
      confirm,
      expire,
    }
  })

export type Api = Effect.Effect.Success<ReturnType<typeof makeApi>>

/** A test of the API, on a fresh store, with the logs silenced. */
export const apiTest = <A, E>(name: string, body: (api: Api) => Effect.Effect<A, E>, holdTtl?: Duration.Duration) =>
  EffectTest.effect(name, () => Effect.flatMap(makeApi(holdTtl), body), { layer: quiet })

/** A short hold, for the expiry tests, and how long to wait for it to run out. */
export const shortHold = Duration.millis(50)
export const afterShortHold = Duration.millis(120)
