/**
 * Every route of the booking service over HTTP, on the in-memory store and an in-process bus: what
 * each answers, each validation failure (with the offending field), the Idempotency-Key of the
 * POSTs, the seat map through a booking's life, and expiry. Flights come on sale the way they do in
 * production, from `flight.scheduled`; payments confirm bookings from `payment.processed`.
 */
import { Claims, TokenVerifier } from "@flight/auth"
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from "jose"
import { BookingId, Envelope, FlightId, Messages } from "@flight/contracts"
import { EffectTest, HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Duration, Effect, Layer, Logger, Option, Schema, TestContext } from "effect"
import * as BookingApi from "../src/api/BookingApi.ts"
import { BookingCommands } from "../src/application/BookingCommands.ts"
import { BookingQueries } from "../src/application/BookingQueries.ts"
import { GuestTokens } from "../src/infrastructure/GuestTokens.ts"
import { defaultHoldTtl, inMemoryLayer } from "../src/main.ts"
import { testSecurity } from "./support/Fixtures.ts"

/** A booking as GET answers it: as created, without the token the 201 adds. */
const withoutToken = (created: object) => {
  const { accessToken: _, ...view } = created as Record<string, unknown>
  return view
}

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

// -------------------------------------------------------------------------------------------------
// Wire shapes

interface PassengerJson {
  readonly firstName: string
  readonly lastName: string
  readonly seat: string
}

interface BookingJson {
  readonly id: string
  readonly reference: string
  readonly status: string
  readonly flightId: string
  readonly cabin: string
  readonly passengers: ReadonlyArray<PassengerJson>
  readonly contact: { readonly email: string; readonly phone?: string }
  readonly total: { readonly amount: number; readonly currency: string }
  readonly holdExpiresAt: string
  readonly paymentId: string | null
  readonly cancellationReason: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

interface SeatMapJson {
  readonly flightId: string
  readonly cabin: string
  readonly seats: ReadonlyArray<{ readonly seat: string; readonly state: string }>
}

type Answer = HttpAssertions.Answer

const bookingOf = (answer: Answer) => answer.body as BookingJson
const seatMapOf = (answer: Answer) => answer.body as SeatMapJson
const problemOf = HttpAssertions.problemOf

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const referencePattern = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

const unknownId = "01930b2c-7d3e-7a4b-8c5d-6e7f8a9b0c1d"

// -------------------------------------------------------------------------------------------------
// The flight on sale and request bodies

type Json = Record<string, unknown>

const economyFare = { amount: 45_000, currency: "GBP" }
const businessFare = { amount: 250_000, currency: "GBP" }

/** Economy rows 10-19 ABCDEF (60 seats), business rows 1-2 AC (4 seats); no premium, no first. */
const cabins = [
  { cabin: "economy", rows: { from: 10, to: 19 }, seatLetters: "ABCDEF", fare: economyFare },
  { cabin: "business", rows: { from: 1, to: 2 }, seatLetters: "AC", fare: businessFare },
]

/** Every economy seat, row by row, in letter order. */
const economySeats = Array.from({ length: 10 }, (_, row) => Array.from("ABCDEF", (letter) => `${row + 10}${letter}`)).flat()

const names = [
  ["Ada", "Lovelace"],
  ["Charles", "Babbage"],
  ["Mary", "Somerville"],
  ["Alan", "Turing"],
  ["Grace", "Hopper"],
  ["Edsger", "Dijkstra"],
  ["Barbara", "Liskov"],
  ["Donald", "Knuth"],
  ["Margaret", "Hamilton"],
  ["John", "McCarthy"],
] as const

/** The first `count` passengers of the cast, without seats. */
const passengers = (count: number): Array<Json> =>
  Array.from({ length: count }, (_, index) => {
    const [firstName, lastName] = names[index % names.length]!
    return { firstName, lastName }
  })

/** Passengers who name these seats. */
const seated = (...seats: ReadonlyArray<string>): Array<Json> =>
  passengers(seats.length).map((passenger, index) => ({ ...passenger, seat: seats[index] }))

/** A valid booking request: one economy passenger, Ada Lovelace, with email and phone; fields overridable. */
const bookingBody = (flightId: string, overrides: Json = {}): Json => ({
  flightId,
  cabin: "economy",
  passengers: passengers(1),
  contact: { email: "ada@example.com", phone: "+447700900123" },
  ...overrides,
})

/** The row number and the letter of a seat. */
const rowAndLetter = (seat: string) => ({ row: Number(seat.slice(0, -1)), letter: seat.slice(-1) })

/** The same object with its keys in reverse order, deeply. */
const reversedKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reversedKeys)
    : value !== null && typeof value === "object"
    ? Object.fromEntries(Object.entries(value).reverse().map(([key, inner]) => [key, reversedKeys(inner)]))
    : value

// -------------------------------------------------------------------------------------------------
// The app

interface Send {
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
      const flightId = FlightId.make(Bun.randomUUIDv7())
      const data = Schema.decodeUnknownSync(Messages.FlightScheduled.data)({
        flightId,
        flightNumber: "BA117",
        origin: "LHR",
        destination: "JFK",
        departureAt: "2026-12-01T10:00:00Z",
        arrivalAt: "2026-12-01T18:00:00Z",
        aircraft: "Boeing 777",
        cabins,
      })
      const message = yield* Envelope.make(Messages.FlightScheduled, data, { source: "flight" })
      expect(yield* withCommands((commands) => commands.seed(message))).toBe(true)
      return flightId as string
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
        const data = Schema.decodeUnknownSync(Messages.PaymentProcessed.data)({
          paymentId: Bun.randomUUIDv7(),
          bookingId: booking.id,
          status: "succeeded",
          amount: booking.total,
          transactionId: "tx_1",
          failureReason: null,
        })
        const message = yield* Envelope.make(Messages.PaymentProcessed, data, { source: "payment" })
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

type Api = Effect.Effect.Success<ReturnType<typeof makeApi>>

/** A test of the API, on a fresh store, with the logs silenced. */
const apiTest = <A, E>(name: string, body: (api: Api) => Effect.Effect<A, E>, holdTtl?: Duration.Duration) =>
  EffectTest.effect(name, () => Effect.flatMap(makeApi(holdTtl), body), { layer: quiet })

const { expectProblem, expectValidation } = HttpAssertions

/** A short hold, for the expiry tests, and how long to wait for it to run out. */
const shortHold = Duration.millis(50)
const afterShortHold = Duration.millis(120)

// -------------------------------------------------------------------------------------------------
// POST /api/bookings

describe("POST /api/bookings", () => {
  apiTest("answers 201 with the pending booking: UUID v7 id, a 6-character reference, each passenger seated, total = fare × passengers, hold until now + TTL", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const before = Date.now()
      const answer = yield* api.post(bookingBody(flightId, { passengers: passengers(3) }))
      const after = Date.now()
      expect(answer.status).toBe(201)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      const booking = bookingOf(answer)
      expect(booking.id).toMatch(uuidV7)
      expect(booking.reference).toMatch(referencePattern)
      expect(booking).toMatchObject({
        status: "pending",
        flightId,
        cabin: "economy",
        contact: { email: "ada@example.com", phone: "+447700900123" },
        total: { amount: economyFare.amount * 3, currency: "GBP" },
        paymentId: null,
        cancellationReason: null,
      })
      expect(booking.passengers.map(({ firstName, lastName }) => ({ firstName, lastName }))).toEqual(passengers(3) as never)
      for (const passenger of booking.passengers) expect(economySeats).toContain(passenger.seat)
      expect(new Set(booking.passengers.map((passenger) => passenger.seat)).size).toBe(3)
      for (const time of [booking.holdExpiresAt, booking.createdAt, booking.updatedAt]) expect(time).toMatch(isoUtc)
      const createdAt = Date.parse(booking.createdAt)
      expect(createdAt).toBeGreaterThanOrEqual(before)
      expect(createdAt).toBeLessThanOrEqual(after)
      const ttl = Duration.toMillis(defaultHoldTtl)
      expect(Date.parse(booking.holdExpiresAt)).toBeGreaterThanOrEqual(before + ttl)
      expect(Date.parse(booking.holdExpiresAt)).toBeLessThanOrEqual(after + ttl)
      expect(Date.parse(booking.holdExpiresAt) - createdAt).toBe(ttl)
    }))

  apiTest("the total of a business booking is the business fare times the passengers", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { cabin: "business", passengers: passengers(2) }))
      expect(booking.total).toEqual({ amount: businessFare.amount * 2, currency: "GBP" })
      for (const passenger of booking.passengers) expect(["1A", "1C", "2A", "2C"]).toContain(passenger.seat)
    }))

  apiTest("the seats chosen for a party are adjacent in one row, and free before", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.book(bookingBody(flightId, { passengers: seated("10B") }))
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(3) }))
      const seats = booking.passengers.map((passenger) => rowAndLetter(passenger.seat))
      expect(new Set(seats.map((seat) => seat.row)).size).toBe(1)
      const positions = seats.map((seat) => "ABCDEF".indexOf(seat.letter)).toSorted((a, b) => a - b)
      expect(positions[2]! - positions[0]!).toBe(2)
      expect(booking.passengers.map((passenger) => passenger.seat)).not.toContain("10B")
      expect(booking.passengers.map((passenger) => passenger.seat)).toEqual(["10C", "10D", "10E"])
    }))

  apiTest("named seats are given to the passengers who named them", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("14C", "17F") }))
      expect(booking.passengers).toEqual([
        { firstName: "Ada", lastName: "Lovelace", seat: "14C" },
        { firstName: "Charles", lastName: "Babbage", seat: "17F" },
      ])
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["14C", "17F"])
    }))

  apiTest("passengers without a seat are not given a seat another passenger of the party named", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, {
        passengers: [{ firstName: "Ada", lastName: "Lovelace" }, { firstName: "Charles", lastName: "Babbage", seat: "10A" }],
      }))
      const [first, second] = booking.passengers
      expect(second?.seat).toBe("10A")
      expect(first?.seat).not.toBe("10A")
      expect(economySeats).toContain(first?.seat ?? "none")
    }))

  apiTest("two concurrent requests for the same named seat: one 201, one 409 seats-unavailable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const body = bookingBody(flightId, { passengers: seated("15A") })
      const answers = yield* Effect.all([api.post(body), api.post(body)], { concurrency: "unbounded" })
      expect(answers.map((answer) => answer.status).toSorted()).toEqual([201, 409])
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["15A"])
    }))

  apiTest("a named seat already held is a 409 seats-unavailable naming that seat, and holds nothing more", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
      const answer = yield* api.post(bookingBody(flightId, { passengers: seated("12B", "12A") }))
      expectProblem(answer, 409, "seats-unavailable")
      expect(problemOf(answer).detail).toContain("12A")
      expect(problemOf(answer).detail).not.toContain("12B")
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["12A"])
    }))

  apiTest("more passengers than free seats in the cabin is a 409 seats-unavailable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.book(bookingBody(flightId, { cabin: "business", passengers: passengers(3) }))
      const answer = yield* api.post(bookingBody(flightId, { cabin: "business", passengers: passengers(2) }))
      expectProblem(answer, 409, "seats-unavailable")
      expect(yield* api.seatsIn(flightId, "free", "business")).toHaveLength(1)
    }))

  apiTest("10 passengers is a 400 at body.passengers", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { passengers: passengers(10) })), ["body.passengers"])
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("9 passengers, the most in one booking, is a 201", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(9) }))
      expect(booking.passengers).toHaveLength(9)
      expect(booking.total.amount).toBe(economyFare.amount * 9)
    }))

  apiTest("no passengers is a 400 at body.passengers", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { passengers: [] })), ["body.passengers"])
    }))

  apiTest("a flight that is not on sale is a 404 flight-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.post(bookingBody(unknownId)), 404, "flight-not-found")
    }))

  apiTest("a cabin the flight does not have is a 400 at body.cabin", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { cabin: "first" })), ["body.cabin"])
    }))

  apiTest("a cabin value that is not a cabin is a 400 at body.cabin", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { cabin: "galley" })), ["body.cabin"])
    }))

  apiTest("a named seat the cabin does not have is a 400 at body.passengers.N.seat of that passenger", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId, { passengers: seated("12A", "1A") }))
      expectValidation(answer, ["body.passengers.1.seat"])
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("the same seat named for two passengers is a 400 at the second passenger's seat", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId, { passengers: seated("12A", "12A") }))
      expectValidation(answer, ["body.passengers.1.seat"])
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("a malformed seat number is a 400 at body.passengers.N.seat", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.post(bookingBody(flightId, { passengers: seated("a12") })), ["body.passengers.0.seat"])
    }))

  describe("validation", () => {
    apiTest("a bad email is a 400 at body.contact.email", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, { contact: { email: "ada-at-example.com" } }))
        expectValidation(answer, ["body.contact.email"])
      }))

    apiTest("a phone number that is not E.164 is a 400 at body.contact.phone", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, { contact: { email: "ada@example.com", phone: "07700 900123" } }))
        expectValidation(answer, ["body.contact.phone"])
      }))

    apiTest("a contact without a phone is accepted, and answered without one", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const booking = yield* api.book(bookingBody(flightId, { contact: { email: "ada@example.com" } }))
        expect(booking.contact).toEqual({ email: "ada@example.com" })
      }))

    apiTest("an empty last name is a 400 at body.passengers.N.lastName", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, {
          passengers: [{ firstName: "Ada", lastName: "Lovelace" }, { firstName: "Charles", lastName: "" }],
        }))
        expectValidation(answer, ["body.passengers.1.lastName"])
      }))

    apiTest("a name or an email with a control character, an ANSI escape, a bidi override or a lone surrogate is a 400 naming the field, and holds no seat", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const ada = { firstName: "Ada", lastName: "Lovelace" }
        for (const [overrides, path] of [
          [{ passengers: [{ ...ada, firstName: "\u0000" }] }, "body.passengers.0.firstName"],
          [{ passengers: [{ ...ada, lastName: "Smi\u0000th" }] }, "body.passengers.0.lastName"],
          [{ passengers: [ada, { firstName: "X\u0007\u001b[31mY", lastName: "Babbage" }] }, "body.passengers.1.firstName"],
          [{ passengers: [{ ...ada, lastName: "\u202eevil" }] }, "body.passengers.0.lastName"],
          [{ passengers: [{ ...ada, lastName: "Love\nlace" }] }, "body.passengers.0.lastName"],
          [{ passengers: [{ ...ada, firstName: "A\udfff" }] }, "body.passengers.0.firstName"],
          [{ contact: { email: "x\u0000y@example.com" } }, "body.contact.email"],
        ] as const) {
          const answer = yield* api.post(bookingBody(flightId, overrides))
          expectValidation(answer, [path])
          expect(problemOf(answer).errors?.[0]?.message).toMatch(/^must .* \(U\+[0-9A-F]{4} at \d+\)$/)
        }
        expect(yield* api.seatsIn(flightId, "held")).toEqual([])
      }))

    apiTest("names in any script, with accents, emoji and right-to-left marks, are booked and answered as given", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const passengers = [
          { firstName: "Zoë", lastName: "Nguyễn" },
          { firstName: "小龍", lastName: "李" },
          { firstName: "\u200Fمحمد", lastName: "عبد الله" },
          { firstName: "Ada 🙂", lastName: "O'Brien-Łukasz" },
        ]
        const booking = yield* api.book(bookingBody(flightId, { passengers }))
        expect(booking.passengers.map(({ firstName, lastName }) => ({ firstName, lastName }))).toEqual(passengers)
      }))

    apiTest("an unknown body field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        expectValidation(yield* api.post(bookingBody(flightId, { promoCode: "FREE" })), ["body.promoCode"])
      }))

    apiTest("an unknown passenger field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const answer = yield* api.post(bookingBody(flightId, { passengers: [{ firstName: "Ada", lastName: "Lovelace", age: 36 }] }))
        expectValidation(answer, ["body.passengers.0.age"])
      }))

    apiTest("a malformed flightId is a 400 at body.flightId", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(bookingBody("BA117")), ["body.flightId"])
      }))

    apiTest("a missing field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const { contact: _, ...body } = bookingBody(flightId)
        expectValidation(yield* api.post(body), ["body.contact"])
      }))

    apiTest("several bad fields are reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(bookingBody("not-a-flight", {
          passengers: [{ firstName: "Ada", lastName: "Lovelace" }, { firstName: "Charles", lastName: "" }],
          contact: { email: "ada", phone: "12345" },
          promoCode: "FREE",
        }))
        expectValidation(answer, [
          "body.flightId",
          "body.passengers.1.lastName",
          "body.contact.email",
          "body.contact.phone",
          "body.promoCode",
        ])
      }))

    apiTest("no body at all is a 400 at body", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.send("POST", "/api/bookings"), ["body"])
      }))
  })

  apiTest("a cancelled flight is a 409 flight-not-bookable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.cancelFlight(flightId)
      expectProblem(yield* api.post(bookingBody(flightId)), 409, "flight-not-bookable")
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  apiTest("a cancelled flight cancels its bookings (reason flight-cancelled) and frees their seats", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
      yield* api.cancelFlight(flightId)
      expect(bookingOf(yield* api.get(booking.id))).toMatchObject({ status: "cancelled", cancellationReason: "flight-cancelled" })
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
    }))

  describe("Idempotency-Key", () => {
    apiTest("the same key with the same request answers 201 with the identical body, marked idempotent-replayed, and holds seats once", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const headers = { "idempotency-key": "book-ada-ba117" }
        const body = bookingBody(flightId, { passengers: passengers(2) })
        const first = yield* api.post(body, headers)
        expect(first.status).toBe(201)
        expect(first.headers.get("idempotent-replayed")).toBeNull()
        // Over a second later, so that a token dated now would differ: the replay's is the first's.
        yield* Effect.sleep("1100 millis")
        const replay = yield* api.post(body, headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(replay.body).toEqual(first.body)
        expect(yield* api.seatsIn(flightId, "held")).toEqual(bookingOf(first).passengers.map((passenger) => passenger.seat).toSorted())
      }))

    apiTest("the same request spelled differently (key order) is still a replay", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const headers = { "idempotency-key": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" }
        const body = bookingBody(flightId, { passengers: seated("12A", "12B") })
        const first = yield* api.post(body, headers)
        expect(first.status).toBe(201)
        const replay = yield* api.post(reversedKeys(body), headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(replay.body).toEqual(first.body)
      }))

    apiTest("a replay answers the first response even after the booking was cancelled, and books nothing", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const headers = { "idempotency-key": "book-then-cancel" }
        const body = bookingBody(flightId, { passengers: seated("12A") })
        const first = yield* api.post(body, headers)
        expect((yield* api.cancel(bookingOf(first).id)).status).toBe(200)
        const replay = yield* api.post(body, headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(replay.body).toEqual(first.body)
        expect(yield* api.seatsIn(flightId, "held")).toEqual([])
      }))

    apiTest("two concurrent requests with the same key and body hold seats once; both answer 201 with the same booking", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const headers = { "idempotency-key": "concurrent-key" }
        const body = bookingBody(flightId, { passengers: passengers(2) })
        const answers = yield* Effect.all([api.post(body, headers), api.post(body, headers)], { concurrency: "unbounded" })
        expect(answers.map((answer) => answer.status)).toEqual([201, 201])
        expect(answers[0]?.body).toEqual(answers[1]?.body)
        expect(yield* api.seatsIn(flightId, "held")).toHaveLength(2)
      }))

    apiTest("the same key with a different request is a 422 idempotency-key-reused, and holds nothing more", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const headers = { "idempotency-key": "reused-key" }
        expect((yield* api.post(bookingBody(flightId, { passengers: seated("12A") }), headers)).status).toBe(201)
        const answer = yield* api.post(bookingBody(flightId, { passengers: seated("12B") }), headers)
        expectProblem(answer, 422, "idempotency-key-reused")
        expect(yield* api.seatsIn(flightId, "held")).toEqual(["12A"])
      }))

    apiTest("a request that failed under a key can be sent again under that key, and succeeds once the seats are free", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        const holder = yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
        const headers = { "idempotency-key": "retry-after-conflict" }
        const body = bookingBody(flightId, { passengers: [{ firstName: "Charles", lastName: "Babbage", seat: "12A" }] })
        expectProblem(yield* api.post(body, headers), 409, "seats-unavailable")
        expect((yield* api.cancel(holder.id)).status).toBe(200)
        const retry = yield* api.post(body, headers)
        expect(retry.status).toBe(201)
        expect(retry.headers.get("idempotent-replayed")).toBeNull()
        expect(bookingOf(retry).passengers).toEqual([{ firstName: "Charles", lastName: "Babbage", seat: "12A" }])
        expect(yield* api.seatStates(flightId)).toMatchObject({ "12A": "held" })
      }))

    apiTest("a key of 256 characters is a 400 at header.idempotency-key, and holds nothing", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        expectValidation(yield* api.post(bookingBody(flightId), { "idempotency-key": "k".repeat(256) }), ["header.idempotency-key"])
        expect(yield* api.seatsIn(flightId, "held")).toEqual([])
      }))

    apiTest("a key with a non-ASCII character is a 400 at header.idempotency-key", (api) =>
      Effect.gen(function* () {
        const flightId = yield* api.scheduleFlight
        expectValidation(yield* api.post(bookingBody(flightId), { "idempotency-key": "clé" }), ["header.idempotency-key"])
      }))
  })
})

// -------------------------------------------------------------------------------------------------
// GET /api/bookings/{id}

describe("GET /api/bookings/{id}", () => {
  apiTest("answers 200 with the booking as created", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(2) }))
      const answer = yield* api.get(booking.id)
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.body).toEqual(withoutToken(booking))
    }))

  apiTest("an unknown id is a 404 booking-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.get(unknownId), 404, "booking-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("X7K2QP"), ["path.id"])
    }))
})

// -------------------------------------------------------------------------------------------------
// GET /api/bookings?reference=&lastName=

describe("GET /api/bookings?reference=&lastName=", () => {
  /** A reference of the alphabet that is not this one. */
  const otherReference = (reference: string) => (reference === "X7K2QP" ? "X7K2QR" : "X7K2QP")

  apiTest("answers 200 with the booking when the last name of its passenger matches", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      const answer = yield* api.find({ reference: booking.reference, lastName: "Lovelace" })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual(withoutToken(booking))
    }))

  apiTest("the last name matches whatever its case", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      for (const lastName of ["lovelace", "LOVELACE", "lOvElAcE"]) {
        const answer = yield* api.find({ reference: booking.reference, lastName })
        expect(answer.status).toBe(200)
        expect(bookingOf(answer).id).toBe(booking.id)
      }
    }))

  apiTest("the last name of any passenger of the party matches", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(3) }))
      for (const lastName of ["Babbage", "somerville"]) {
        const answer = yield* api.find({ reference: booking.reference, lastName })
        expect(answer.status).toBe(200)
        expect(bookingOf(answer).id).toBe(booking.id)
      }
    }))

  apiTest("a wrong last name is a 404 with the same body as an unknown reference (it reveals nothing)", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      const wrongName = yield* api.find({ reference: booking.reference, lastName: "Babbage" })
      const unknownReference = yield* api.find({ reference: otherReference(booking.reference), lastName: "Lovelace" })
      expectProblem(wrongName, 404, "booking-not-found")
      expectProblem(unknownReference, 404, "booking-not-found")
      expect(wrongName.body).toEqual(unknownReference.body)
      expect(JSON.stringify(wrongName.body)).not.toContain(booking.reference)
      expect(JSON.stringify(wrongName.body)).not.toContain(booking.id)
    }))

  apiTest("a missing lastName is a 400 at query.lastName", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      expectValidation(yield* api.find({ reference: booking.reference }), ["query.lastName"])
    }))

  apiTest("a last name with a control character or a bidi override is a 400 at query.lastName", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      for (const lastName of ["Love\u0000lace", "\u202eLovelace"]) {
        expectValidation(yield* api.find({ reference: booking.reference, lastName }), ["query.lastName"])
      }
    }))

  apiTest("a malformed reference is a 400 at query.reference", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.find({ reference: "X7K2Q0", lastName: "Lovelace" }), ["query.reference"])
    }))

  apiTest("an unknown query parameter is a 400 at its path", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      expectValidation(yield* api.find({ reference: booking.reference, lastName: "Lovelace", email: "ada@example.com" }), [
        "query.email",
      ])
    }))
})

// -------------------------------------------------------------------------------------------------
// POST /api/bookings/{id}/cancel

describe("POST /api/bookings/{id}/cancel", () => {
  apiTest("cancels a pending booking: 200 status cancelled, reason customer, its seats free again", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A", "12B") }))
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["12A", "12B"])
      const answer = yield* api.cancel(booking.id)
      expect(answer.status).toBe(200)
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      expect(bookingOf(answer)).toMatchObject({ id: booking.id, status: "cancelled", cancellationReason: "customer", paymentId: null })
      expect(yield* api.seatsIn(flightId, "held")).toEqual([])
      expect(bookingOf(yield* api.get(booking.id))).toEqual(bookingOf(answer))
    }))

  apiTest("cancels a confirmed booking: 200 status cancelled, its sold seats free again", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A", "12B") }))
      const outcome = yield* api.confirm(booking)
      expect(outcome._tag).toBe("Confirmed")
      expect(yield* api.seatsIn(flightId, "sold")).toEqual(["12A", "12B"])
      const answer = yield* api.cancel(booking.id)
      expect(answer.status).toBe(200)
      expect(bookingOf(answer)).toMatchObject({ status: "cancelled", cancellationReason: "customer" })
      expect(bookingOf(answer).paymentId).toMatch(uuidV7)
      const states = yield* api.seatStates(flightId)
      expect(Object.values(states).every((state) => state === "free")).toBe(true)
    }))

  apiTest("cancelling a cancelled booking is a 409 booking-not-cancellable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      expect((yield* api.cancel(booking.id)).status).toBe(200)
      expectProblem(yield* api.cancel(booking.id), 409, "booking-not-cancellable")
    }))

  apiTest("cancelling an expired booking is a 409 booking-not-cancellable", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      yield* Effect.sleep(afterShortHold)
      expect(Option.isSome(yield* api.expire(booking.id))).toBe(true)
      expectProblem(yield* api.cancel(booking.id), 409, "booking-not-cancellable")
      expect(bookingOf(yield* api.get(booking.id)).status).toBe("expired")
    }), shortHold)

  apiTest("an unknown booking is a 404 booking-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.cancel(unknownId), 404, "booking-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.cancel("X7K2QP"), ["path.id"])
    }))

  apiTest("the same Idempotency-Key again answers 200 with the same body, marked idempotent-replayed", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      const headers = { "idempotency-key": "cancel-once" }
      const first = yield* api.cancel(booking.id, headers)
      expect(first.status).toBe(200)
      expect(first.headers.get("idempotent-replayed")).toBeNull()
      const replay = yield* api.cancel(booking.id, headers)
      expect(replay.status).toBe(200)
      expect(replay.headers.get("idempotent-replayed")).toBe("true")
      expect(replay.body).toEqual(first.body)
    }))

  apiTest("an Idempotency-Key used to cancel another booking is a 422 idempotency-key-reused", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const one = yield* api.book(bookingBody(flightId))
      const two = yield* api.book(bookingBody(flightId))
      const headers = { "idempotency-key": "cancel-key" }
      expect((yield* api.cancel(one.id, headers)).status).toBe(200)
      expectProblem(yield* api.cancel(two.id, headers), 422, "idempotency-key-reused")
      expect(bookingOf(yield* api.get(two.id)).status).toBe("pending")
    }))

  apiTest("an invalid Idempotency-Key is a 400 at header.idempotency-key, and cancels nothing", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      expectValidation(yield* api.cancel(booking.id, { "idempotency-key": "k".repeat(256) }), ["header.idempotency-key"])
      expect(bookingOf(yield* api.get(booking.id)).status).toBe("pending")
    }))
})

// -------------------------------------------------------------------------------------------------
// GET /api/seatmaps/{flightId}

describe("GET /api/seatmaps/{flightId}", () => {
  apiTest("answers every seat of the cabin row by row, free, held by a pending booking, sold after a payment", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const held = yield* api.book(bookingBody(flightId, { passengers: seated("12A", "12B") }))
      const sold = yield* api.book(bookingBody(flightId, { passengers: seated("15F") }))
      yield* api.confirm(sold)
      const answer = yield* api.seatMapAnswer(flightId, "economy")
      expect(answer.status).toBe(200)
      const map = seatMapOf(answer)
      expect(map.flightId).toBe(flightId)
      expect(map.cabin).toBe("economy")
      expect(map.seats).toEqual(economySeats.map((seat) => ({
        seat,
        state: seat === "15F" ? "sold" : seat === "12A" || seat === "12B" ? "held" : "free",
      })))
      expect(bookingOf(yield* api.get(held.id)).status).toBe("pending")
      expect(bookingOf(yield* api.get(sold.id)).status).toBe("confirmed")
    }))

  apiTest("answers the business cabin when asked for it", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      yield* api.book(bookingBody(flightId, { cabin: "business", passengers: seated("2C") }))
      const answer = yield* api.seatMapAnswer(flightId, "business")
      expect(answer.status).toBe(200)
      expect(seatMapOf(answer)).toEqual({
        flightId,
        cabin: "business",
        seats: [
          { seat: "1A", state: "free" },
          { seat: "1C", state: "free" },
          { seat: "2A", state: "free" },
          { seat: "2C", state: "held" },
        ],
      })
    }))

  apiTest("the cabin is economy when not given", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.seatMapAnswer(flightId)
      expect(answer.status).toBe(200)
      expect(seatMapOf(answer).cabin).toBe("economy")
      expect(seatMapOf(answer).seats.map((seat) => seat.seat)).toEqual(economySeats)
      expect(seatMapOf(answer).seats.every((seat) => seat.state === "free")).toBe(true)
    }))

  apiTest("a flight that is not on sale is a 404 flight-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.seatMapAnswer(unknownId), 404, "flight-not-found")
    }))

  apiTest("a cabin the flight does not have is a 404 cabin-not-on-flight", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectProblem(yield* api.seatMapAnswer(flightId, "first"), 404, "cabin-not-on-flight")
    }))

  apiTest("a cabin value that is not a cabin is a 400 at query.cabin", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      expectValidation(yield* api.seatMapAnswer(flightId, "galley"), ["query.cabin"])
    }))

  apiTest("a malformed flight id is a 400 at path.flightId", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.seatMapAnswer("BA117"), ["path.flightId"])
    }))
})

// -------------------------------------------------------------------------------------------------
// Expiry

describe("expiry", () => {
  apiTest("a booking whose hold ran out is expired: GET answers status expired, reason expired, and its seats are free", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A", "12B") }))
      expect(Date.parse(booking.holdExpiresAt) - Date.parse(booking.createdAt)).toBe(Duration.toMillis(shortHold))
      yield* Effect.sleep(afterShortHold)
      const expired = yield* api.expire(booking.id)
      expect(Option.map(expired, (b) => b.status)).toEqual(Option.some("expired"))
      const answer = yield* api.get(booking.id)
      expect(answer.status).toBe(200)
      expect(bookingOf(answer)).toMatchObject({ id: booking.id, status: "expired", cancellationReason: "expired" })
      const states = yield* api.seatStates(flightId)
      expect(states["12A"]).toBe("free")
      expect(states["12B"]).toBe("free")
    }), shortHold)

  apiTest("a booking whose hold has not run out is not expired", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
      expect(Option.isNone(yield* api.expire(booking.id))).toBe(true)
      expect(bookingOf(yield* api.get(booking.id)).status).toBe("pending")
      expect(yield* api.seatsIn(flightId, "held")).toEqual(["12A"])
    }))

  apiTest("the seats of an expired booking can be booked again", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
      yield* Effect.sleep(afterShortHold)
      yield* api.expire(booking.id)
      const again = yield* api.book(bookingBody(flightId, { passengers: seated("12A") }))
      expect(again.passengers[0]?.seat).toBe("12A")
    }), shortHold)
})

// -------------------------------------------------------------------------------------------------
// GET /openapi.json

describe("GET /openapi.json", () => {
  apiTest("documents /api/bookings (get, post), /api/bookings/{id} (get), /api/bookings/{id}/cancel (post) and /api/seatmaps/{flightId} (get)", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      const paths = (answer.body as { readonly paths: Record<string, Record<string, unknown>> }).paths
      expect(Object.keys(paths["/api/bookings"] ?? {}).toSorted()).toEqual(["get", "post"])
      expect(Object.keys(paths["/api/bookings/{id}"] ?? {})).toEqual(["get"])
      expect(Object.keys(paths["/api/bookings/{id}/cancel"] ?? {})).toEqual(["post"])
      expect(Object.keys(paths["/api/seatmaps/{flightId}"] ?? {})).toEqual(["get"])
    }))
})

// -------------------------------------------------------------------------------------------------
// Guests and owners (decision 17)

describe("guest tokens, owners and manage", () => {
  const claimsOf = (token: string) => decodeJwt(token)
  const verify = (api: Api, token: string) => Effect.flatMap(TokenVerifier.TokenVerifier, (verifier) => verifier.verify(token)).pipe(
    Effect.provide(api.runtime),
  )
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  /** A problem's body but its instance (the request's path): what tells one 404 from another. */
  const withoutInstance = (body: unknown) => {
    const { instance: _, ...rest } = body as Record<string, unknown>
    return rest
  }
  const signed = (api: Api, f: (issuer: TestIssuer.TestIssuer) => Effect.Effect<string>) =>
    Effect.flatMap(TestIssuer.Issuer, f).pipe(Effect.provide(api.runtime))
  const stored = (api: Api, id: string) =>
    Effect.flatMap(BookingQueries, (queries) => queries.get(BookingId.make(id))).pipe(Effect.provide(api.runtime))

  apiTest("an anonymous booking is a guest's: the 201 carries a 2-hour token of the guest issuer, scoped to it, without roles", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId))
      expect(answer.status).toBe(201)
      const { accessToken, id } = answer.body as { accessToken: string; id: string }
      const claims = claimsOf(accessToken)
      expect([claims.iss, claims[Claims.bookingClaim], claims.sub, "roles" in claims, claims.exp! - claims.iat!])
        .toEqual(["http://localhost:3001", id, `guest:${id}`, false, 2 * 60 * 60])
      expect(yield* verify(api, accessToken)).toMatchObject({ kind: "guest-booking", bookingId: id, roles: [] })
      expect((yield* stored(api, id)).owner as string | null).toBe(null)
    }))

  apiTest("a customer's booking records their sub as its owner, and still carries a token scoped to it", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId), bearer(yield* signed(api, (issuer) => issuer.customer("customer-a"))))
      expect(answer.status).toBe(201)
      const { accessToken, id } = answer.body as { accessToken: string; id: string }
      expect("owner" in (answer.body as object)).toBe(false)
      expect((yield* stored(api, id)).owner as string | null).toBe("customer-a")
      expect(yield* verify(api, accessToken)).toMatchObject({ kind: "guest-booking", bookingId: id })
    }))

  apiTest("another caller's request under the same Idempotency-Key is refused, not answered with the first booking and its token", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const key = { "idempotency-key": Bun.randomUUIDv7() }
      const first = yield* api.post(bookingBody(flightId), { ...key, ...bearer(yield* signed(api, (issuer) => issuer.customer("customer-a"))) })
      expect(first.status).toBe(201)
      const other = yield* api.post(bookingBody(flightId), { ...key, ...bearer(yield* signed(api, (issuer) => issuer.customer("customer-b"))) })
      expectProblem(other, 422, "idempotency-key-reused")
      const anonymous = yield* api.post(bookingBody(flightId), key)
      expectProblem(anonymous, 422, "idempotency-key-reused")
    }))

  apiTest("the guest issuer's keys are published, and its tokens verify with them alone", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const { accessToken } = (yield* api.post(bookingBody(flightId))).body as { accessToken: string }
      const answer = yield* api.send("GET", "/api/bookings/.well-known/jwks.json")
      expect(answer.status).toBe(200)
      const jwks = answer.body as JSONWebKeySet
      expect(jwks.keys.map((key) => [key.kty, key.crv, key.alg, "d" in key])).toEqual([["OKP", "Ed25519", "EdDSA", false]])
      const verified = yield* Effect.promise(() =>
        jwtVerify(accessToken, createLocalJWKSet(jwks), { issuer: "http://localhost:3001", audience: "flight-booking" })
      )
      expect(verified.protectedHeader.kid).toBe(jwks.keys[0]!.kid!)
    }))

  apiTest("a guest token of another issuer, or one that ran out, is refused with a 401", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      // The test issuer's guest issuer is not this service: its token naming the booking is not trusted.
      const foreign = yield* signed(api, (issuer) => issuer.guest(booking.id))
      expect((yield* api.post(bookingBody(flightId), bearer(foreign))).status).toBe(401)
      const expired = yield* signed(api, (issuer) => issuer.guests.guest(booking.id, { expiresIn: -120 }))
      expect((yield* api.post(bookingBody(flightId), bearer(expired))).status).toBe(401)
    }))

  apiTest("a booking is read and cancelled by its owner, its guest token, ops and admin; anyone else gets the 404 of an unknown id", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const customerA = bearer(yield* signed(api, (issuer) => issuer.customer("customer-a")))
      const customerB = bearer(yield* signed(api, (issuer) => issuer.customer("customer-b")))
      const ops = bearer(yield* signed(api, (issuer) => issuer.staff("olga", ["ops"])))
      const admin = bearer(yield* signed(api, (issuer) => issuer.staff("ann", ["ops", "admin"])))
      const x = (yield* api.post(bookingBody(flightId), customerA)).body as { id: string; accessToken: string }
      const y = (yield* api.post(bookingBody(flightId))).body as { id: string; accessToken: string }
      const callers: ReadonlyArray<readonly [string, Send]> = [
        ["anonymous", { anonymous: true }],
        ["customer A (owner)", { headers: customerA }],
        ["customer B", { headers: customerB }],
        ["guest token of X", { headers: bearer(x.accessToken) }],
        ["guest token of Y", { headers: bearer(y.accessToken) }],
        ["ops", { headers: ops }],
        ["admin", { headers: admin }],
      ]
      const unknown = yield* api.send("GET", `/api/bookings/${unknownId}`, { headers: admin })
      const statuses: Array<readonly [string, number]> = []
      for (const [name, caller] of callers) {
        const answer = yield* api.send("GET", `/api/bookings/${x.id}`, caller)
        statuses.push([name, answer.status])
        if (answer.status === 404) expect(withoutInstance(answer.body)).toEqual(withoutInstance(unknown.body))
      }
      expect(statuses).toEqual([
        ["anonymous", 404],
        ["customer A (owner)", 200],
        ["customer B", 404],
        ["guest token of X", 200],
        ["guest token of Y", 404],
        ["ops", 200],
        ["admin", 200],
      ])
      // The guest's own booking: no customer reaches it, its token and staff do.
      expect((yield* api.send("GET", `/api/bookings/${y.id}`, { headers: customerA })).status).toBe(404)
      expect((yield* api.send("GET", `/api/bookings/${y.id}`, { headers: bearer(y.accessToken) })).status).toBe(200)
      // Cancel: refused as unknown for strangers (the booking stays pending), done for its guest token.
      for (const caller of [{ anonymous: true }, { headers: customerB }, { headers: bearer(y.accessToken) }] satisfies Array<Send>) {
        const refused = yield* api.send("POST", `/api/bookings/${x.id}/cancel`, caller)
        expectProblem(refused, 404, "booking-not-found")
        expect(withoutInstance(refused.body)).toEqual(withoutInstance(unknown.body))
      }
      expect(((yield* api.send("GET", `/api/bookings/${x.id}`, { headers: ops })).body as { status: string }).status).toBe("pending")
      const cancelled = yield* api.send("POST", `/api/bookings/${x.id}/cancel`, { headers: bearer(x.accessToken) })
      expect([cancelled.status, (cancelled.body as { status: string }).status]).toEqual([200, "cancelled"])
      const byOps = yield* api.send("POST", `/api/bookings/${y.id}/cancel`, { headers: ops })
      expect([byOps.status, (byOps.body as { status: string }).status]).toEqual([200, "cancelled"])
    }))

  apiTest("an expired or altered guest token of this service is a 401 with WWW-Authenticate: Bearer, not a 404", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = (yield* api.post(bookingBody(flightId))).body as { id: string; accessToken: string }
      // Issued at the epoch (the test clock's time): long expired.
      const expired = yield* Effect.flatMap(GuestTokens, (tokens) => tokens.issue(BookingId.make(booking.id))).pipe(
        Effect.provide(api.runtime),
        Effect.provide(TestContext.TestContext),
      )
      const [header, payload, signature] = booking.accessToken.split(".")
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>
      const altered = [header, Buffer.from(JSON.stringify({ ...claims, roles: ["admin"] })).toString("base64url"), signature].join(".")
      for (const token of [expired, altered]) {
        const answer = yield* api.send("GET", `/api/bookings/${booking.id}`, { headers: bearer(token) })
        expect(answer.status).toBe(401)
        expect(answer.headers.get("www-authenticate")).toStartWith("Bearer")
      }
    }))

  apiTest("my trips list a customer's own bookings, newest first, a page at a time; nobody else's", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const customerA = bearer(yield* signed(api, (issuer) => issuer.customer("customer-a")))
      const customerB = bearer(yield* signed(api, (issuer) => issuer.customer("customer-b")))
      const ofA: Array<string> = []
      for (let index = 0; index < 3; index++) {
        ofA.push(((yield* api.post(bookingBody(flightId), customerA)).body as { id: string }).id)
        yield* Effect.sleep("3 millis")
      }
      const ofB = ((yield* api.post(bookingBody(flightId), customerB)).body as { id: string }).id
      const guest = (yield* api.post(bookingBody(flightId))).body as { id: string; accessToken: string }
      type Page = { items: Array<{ id: string }>; nextCursor: string | null }
      const first = yield* api.send("GET", "/api/bookings?mine=true&limit=2", { headers: customerA })
      expect(first.status).toBe(200)
      const firstPage = first.body as Page
      expect(firstPage.items.map((item) => item.id)).toEqual([ofA[2]!, ofA[1]!])
      const second = (yield* api.send("GET", `/api/bookings?mine=true&limit=2&cursor=${firstPage.nextCursor}`, { headers: customerA })).body as Page
      expect([second.items.map((item) => item.id), second.nextCursor]).toEqual([[ofA[0]!], null])
      const theirs = (yield* api.send("GET", "/api/bookings?mine=true", { headers: customerB })).body as Page
      expect(theirs.items.map((item) => item.id)).toEqual([ofB])
      // No token: 401 with the challenge; a guest token has no trips: 403.
      const anonymous = yield* api.send("GET", "/api/bookings?mine=true", { anonymous: true })
      expect([anonymous.status, anonymous.headers.get("www-authenticate")?.startsWith("Bearer")]).toEqual([401, true])
      expectProblem(yield* api.send("GET", "/api/bookings?mine=true", { headers: bearer(guest.accessToken) }), 403, "forbidden")
      // mine=true with a reference, or neither: a 400.
      expect((yield* api.send("GET", "/api/bookings?mine=true&reference=X7K2QP&lastName=Lovelace", { headers: customerA })).status).toBe(400)
      expect((yield* api.send("GET", "/api/bookings", { headers: customerA })).status).toBe(400)
    }))

  apiTest("manage answers the booking and a token scoped to it for a passenger's last name, whatever its case", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(2) }))
      const lastName = (booking.passengers[1] as { lastName: string }).lastName
      for (const typed of [lastName, lastName.toUpperCase(), lastName.toLowerCase()]) {
        const answer = yield* api.send("POST", "/api/bookings/manage", { body: { reference: booking.reference, lastName: typed } })
        expect(answer.status).toBe(200)
        const { accessToken, booking: managed } = answer.body as { accessToken: string; booking: unknown }
        expect(managed).toEqual(withoutToken(booking))
        expect(yield* verify(api, accessToken)).toMatchObject({ kind: "guest-booking", bookingId: booking.id })
      }
    }))

  apiTest("manage answers the same 404 for a wrong last name as for an unknown reference", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      const wrongName = yield* api.send("POST", "/api/bookings/manage", { body: { reference: booking.reference, lastName: "Turing" } })
      const firstName = yield* api.send("POST", "/api/bookings/manage", {
        body: { reference: booking.reference, lastName: (booking.passengers[0] as { firstName: string }).firstName },
      })
      const unknown = yield* api.send("POST", "/api/bookings/manage", { body: { reference: "ZZZZZZ", lastName: "Turing" } })
      for (const answer of [wrongName, firstName, unknown]) expectProblem(answer, 404, "booking-not-found")
      expect(wrongName.body).toEqual(unknown.body)
      expect(firstName.body).toEqual(unknown.body)
    }))
})

// -------------------------------------------------------------------------------------------------
// The staff's searches: a flight's bookings, a booking by its reference alone

describe("GET /api/bookings for staff: a flight's bookings, a booking by reference alone", () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  type Page = { items: Array<{ id: string; status: string; flightId: string }>; nextCursor: string | null }

  /** A token of each kind of caller, and a guest token of a booking on the flight. */
  const callers = (api: Api, flightId: string) =>
    Effect.gen(function* () {
      const sign = (f: (issuer: TestIssuer.TestIssuer) => Effect.Effect<string>) =>
        Effect.map(Effect.flatMap(TestIssuer.Issuer, f).pipe(Effect.provide(api.runtime)), bearer)
      const guest = (yield* api.post(bookingBody(flightId))).body as { id: string; reference: string; accessToken: string }
      return {
        guest,
        customer: yield* sign((issuer) => issuer.customer("customer-a")),
        guestToken: bearer(guest.accessToken),
        ops: yield* sign((issuer) => issuer.staff("olga", ["ops"])),
        admin: yield* sign((issuer) => issuer.staff("adam", ["admin"])),
      }
    })

  apiTest("a flight's bookings: ops and admin get them; no token is a 401, a customer or a guest token a 403", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const who = yield* callers(api, flightId)
      const path = `/api/bookings?flightId=${flightId}`
      for (const staff of [who.ops, who.admin]) {
        const answer = yield* api.send("GET", path, { headers: staff })
        expect(answer.status).toBe(200)
        expect((answer.body as Page).items.map((item) => item.id)).toEqual([who.guest.id])
      }
      const anonymous = yield* api.send("GET", path, { anonymous: true })
      expectProblem(anonymous, 401, "unauthorized")
      expect(anonymous.headers.get("www-authenticate")).toStartWith("Bearer")
      expectProblem(yield* api.send("GET", path, { headers: who.customer }), 403, "forbidden")
      expectProblem(yield* api.send("GET", path, { headers: who.guestToken }), 403, "forbidden")
    }))

  apiTest("a flight's bookings come newest first, every status, a page at a time; another flight's are not among them", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const otherFlight = yield* api.scheduleFlight
      const who = yield* callers(api, otherFlight)
      const ids: Array<string> = []
      for (let index = 0; index < 3; index++) {
        ids.push((yield* api.book(bookingBody(flightId))).id)
        yield* Effect.sleep("3 millis")
      }
      const cancelled = yield* api.send("POST", `/api/bookings/${ids[0]}/cancel`)
      expect(cancelled.status).toBe(200)
      const first = yield* api.send("GET", `/api/bookings?flightId=${flightId}&limit=2`, { headers: who.ops })
      expect(first.status).toBe(200)
      const firstPage = first.body as Page
      expect(firstPage.items.map((item) => item.id)).toEqual([ids[2]!, ids[1]!])
      expect(firstPage.nextCursor).not.toBeNull()
      const second = (yield* api.send("GET", `/api/bookings?flightId=${flightId}&limit=2&cursor=${firstPage.nextCursor}`, { headers: who.ops })).body as Page
      expect([second.items.map((item) => [item.id, item.status]), second.nextCursor]).toEqual([[[ids[0]!, "cancelled"]], null])
      const empty = (yield* api.send("GET", `/api/bookings?flightId=${Bun.randomUUIDv7()}`, { headers: who.admin })).body as Page
      expect(empty).toEqual({ items: [], nextCursor: null })
    }))

  apiTest("a flight's bookings refuse bad input with the field named: a bad flightId, cursor or limit, flightId with mine or a reference", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const { ops } = yield* callers(api, flightId)
      const ask = (query: string) => api.send("GET", `/api/bookings?${query}`, { headers: ops })
      expectValidation(yield* ask("flightId=not-a-flight"), ["query.flightId"])
      expectValidation(yield* ask(`flightId=${flightId}&cursor=not-a-cursor`), ["query.cursor"])
      for (const limit of ["0", "101", "ten", "-1"]) expectValidation(yield* ask(`flightId=${flightId}&limit=${limit}`), ["query.limit"])
      expectValidation(yield* ask(`flightId=${flightId}&mine=true`), ["query.flightId", "query.mine"])
      expectValidation(yield* ask(`flightId=${flightId}&reference=X7K2QP`), ["query.flightId", "query.reference"])
      expectValidation(yield* ask(`flightId=${flightId}&reference=X7K2QP&lastName=Lovelace`), [
        "query.flightId",
        "query.reference",
        "query.lastName",
      ])
      // Checked before who asks: an anonymous caller is told what is wrong with the query too.
      expect((yield* api.send("GET", `/api/bookings?flightId=${flightId}&mine=true`, { anonymous: true })).status).toBe(400)
    }))

  apiTest("a reference alone finds the booking for ops and admin (404 when unknown); anyone else is asked for a last name", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const who = yield* callers(api, flightId)
      const path = `/api/bookings?reference=${who.guest.reference}`
      for (const staff of [who.ops, who.admin]) {
        const answer = yield* api.send("GET", path, { headers: staff })
        expect(answer.status).toBe(200)
        expect((answer.body as { id: string }).id).toBe(who.guest.id)
        expectProblem(yield* api.send("GET", "/api/bookings?reference=ZZZZZZ", { headers: staff }), 404, "booking-not-found")
      }
      for (const other of [{ anonymous: true }, { headers: who.customer }, { headers: who.guestToken }]) {
        const answer = yield* api.send("GET", path, other)
        expectValidation(answer, ["query.lastName"])
      }
      // The traveller's lookup is unchanged: the same 404 for a wrong name as for an unknown reference.
      const wrongName = yield* api.send("GET", `${path}&lastName=Turing`, { anonymous: true })
      const unknown = yield* api.send("GET", "/api/bookings?reference=ZZZZZZ&lastName=Turing", { anonymous: true })
      expectProblem(wrongName, 404, "booking-not-found")
      expectProblem(unknown, 404, "booking-not-found")
      const { instance: _a, ...wrongBody } = wrongName.body as Record<string, unknown>
      const { instance: _b, ...unknownBody } = unknown.body as Record<string, unknown>
      expect(wrongBody).toEqual(unknownBody)
      expect((yield* api.send("GET", `${path}&lastName=lovelace`, { anonymous: true })).status).toBe(200)
    }))

  apiTest("the OpenAPI document tells both staff searches and their statuses", (api) =>
    Effect.gen(function* () {
      const document = (yield* api.send("GET", "/openapi.json", { anonymous: true })).body as {
        paths: Record<string, { get?: { description?: string; parameters?: Array<{ name: string }>; responses: Record<string, unknown> } }>
      }
      const search = document.paths["/api/bookings"]!.get!
      expect(search.parameters!.map((parameter) => parameter.name)).toEqual(expect.arrayContaining(["flightId", "reference", "lastName", "mine", "limit", "cursor"]))
      expect(Object.keys(search.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404"]))
      expect(search.description).toContain("With flightId (ops and admin")
      expect(search.description).toContain("With reference alone (ops and admin)")
    }))
})
