/**
 * Every route of the flight service over HTTP, on the in-memory store and an in-process bus:
 * what each answers, each validation failure (with the offending field), the idempotency of POST,
 * search filters and pagination, the staff's departures listing, and the status machine.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { Envelope, Messages } from "@flight/contracts"
import { EffectTest, HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect, Layer, Logger, Schema } from "effect"
import * as FlightApi from "../src/api/FlightApi.ts"
import { FlightCommands } from "../src/application/FlightCommands.ts"
import { inMemoryLayer } from "../src/main.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

// -------------------------------------------------------------------------------------------------
// Wire shapes

interface CabinJson {
  readonly cabin: string
  readonly rows: { readonly from: number; readonly to: number }
  readonly seatLetters: string
  readonly fare: { readonly amount: number; readonly currency: string }
  readonly capacity: number
  readonly availableSeats: number
}

interface FlightJson {
  readonly id: string
  readonly flightNumber: string
  readonly origin: string
  readonly destination: string
  readonly departureAt: string
  readonly arrivalAt: string
  readonly scheduledDepartureAt: string
  readonly aircraft: string
  readonly status: string
  readonly statusReason: string | null
  readonly cabins: ReadonlyArray<CabinJson>
  readonly createdAt: string
  readonly updatedAt: string
}

interface PageJson {
  readonly items: ReadonlyArray<FlightJson>
  readonly nextCursor: string | null
}

type Answer = HttpAssertions.Answer

const flightOf = (answer: Answer) => answer.body as FlightJson
const pageOf = (answer: Answer) => answer.body as PageJson

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

// -------------------------------------------------------------------------------------------------
// Request bodies

type Json = Record<string, unknown>

const economy = (overrides: Json = {}): Json => ({
  cabin: "economy",
  rows: { from: 10, to: 39 },
  seatLetters: "ABCDEF",
  fare: { amount: 45_000, currency: "GBP" },
  ...overrides,
})

const business = (overrides: Json = {}): Json => ({
  cabin: "business",
  rows: { from: 1, to: 5 },
  seatLetters: "ACDF",
  fare: { amount: 250_000, currency: "GBP" },
  ...overrides,
})

const first = (overrides: Json = {}): Json => ({
  cabin: "first",
  rows: { from: 1, to: 1 },
  seatLetters: "AB",
  fare: { amount: 900_000, currency: "GBP" },
  ...overrides,
})

/** A valid schedule request: BA117 LHR→JFK on 2026-12-01, economy and business; fields overridable. */
const scheduleBody = (overrides: Json = {}): Json => ({
  flightNumber: "BA117",
  origin: "LHR",
  destination: "JFK",
  departureAt: "2026-12-01T10:00:00.000Z",
  arrivalAt: "2026-12-01T18:00:00.000Z",
  aircraft: "Boeing 777-300ER",
  cabins: [economy(), business({ rows: { from: 1, to: 5 } })],
  ...overrides,
})

/** The body without some of its fields. */
const without = (body: Json, ...fields: ReadonlyArray<string>): Json =>
  Object.fromEntries(Object.entries(body).filter(([key]) => !fields.includes(key)))

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
const apiTest = <A, E>(name: string, body: (api: Effect.Effect.Success<typeof makeApi>) => Effect.Effect<A, E>) =>
  EffectTest.effect(name, () => Effect.flatMap(makeApi, body), { layer: quiet })

const { expectProblem, expectValidation } = HttpAssertions

const unknownId = "01930b2c-7d3e-7a4b-8c5d-6e7f8a9b0c1d"

const lhrJfk = { origin: "LHR", destination: "JFK" }

// -------------------------------------------------------------------------------------------------
// POST /api/flights

describe("POST /api/flights", () => {
  apiTest("answers 201 with the flight: a UUID v7 id, status scheduled, every seat of each cabin available, times in ISO UTC", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.post(scheduleBody())
      expect(answer.status).toBe(201)
      expect(answer.headers.get("content-type")).toContain("application/json")
      expect(answer.headers.get("idempotent-replayed")).toBeNull()
      const flight = flightOf(answer)
      expect(flight.id).toMatch(uuidV7)
      expect(flight).toMatchObject({
        flightNumber: "BA117",
        origin: "LHR",
        destination: "JFK",
        departureAt: "2026-12-01T10:00:00.000Z",
        arrivalAt: "2026-12-01T18:00:00.000Z",
        scheduledDepartureAt: "2026-12-01T10:00:00.000Z",
        aircraft: "Boeing 777-300ER",
        status: "scheduled",
        statusReason: null,
      })
      expect(flight.cabins as ReadonlyArray<unknown>).toEqual([
        { ...economy(), capacity: 30 * 6, availableSeats: 30 * 6 },
        { ...business(), capacity: 5 * 4, availableSeats: 5 * 4 },
      ])
      for (const time of [flight.departureAt, flight.arrivalAt, flight.scheduledDepartureAt, flight.createdAt, flight.updatedAt]) {
        expect(time).toMatch(isoUtc)
      }
    }))

  apiTest("answers times given with an offset in UTC", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule({ departureAt: "2026-12-01T10:00:00+01:00", arrivalAt: "2026-12-01T18:30-05:00" })
      expect(flight.departureAt).toBe("2026-12-01T09:00:00.000Z")
      expect(flight.arrivalAt).toBe("2026-12-01T23:30:00.000Z")
    }))

  describe("validation", () => {
    apiTest("origin equal to destination is a 400 at body.destination", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ destination: "LHR" })), ["body.destination"])
      }))

    apiTest("arrival before departure is a 400 at body.arrivalAt", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ arrivalAt: "2026-12-01T09:00:00.000Z" })), ["body.arrivalAt"])
      }))

    apiTest("arrival equal to departure is a 400 at body.arrivalAt", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ arrivalAt: "2026-12-01T10:00:00.000Z" })), ["body.arrivalAt"])
      }))

    apiTest("overlapping cabin rows are a 400 at body.cabins.1.rows", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({ cabins: [business({ rows: { from: 1, to: 10 } }), economy({ rows: { from: 10, to: 30 } })] }))
        expectValidation(answer, ["body.cabins.1.rows"])
      }))

    apiTest("a cabin class given twice is a 400 at body.cabins.1.cabin", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({ cabins: [economy({ rows: { from: 10, to: 20 } }), economy({ rows: { from: 21, to: 30 } })] }))
        expectValidation(answer, ["body.cabins.1.cabin"])
      }))

    apiTest("repeated seat letters are a 400 at body.cabins.0.seatLetters", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ cabins: [economy({ seatLetters: "ABCA" })] })), ["body.cabins.0.seatLetters"])
      }))

    apiTest("rows with from greater than to are a 400 at body.cabins.0.rows", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ cabins: [economy({ rows: { from: 30, to: 10 } })] })), ["body.cabins.0.rows"])
      }))

    apiTest("a fare amount that is not an integer is a 400 at body.cabins.0.fare.amount", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({ cabins: [economy({ fare: { amount: 450.5, currency: "GBP" } })] }))
        expectValidation(answer, ["body.cabins.0.fare.amount"])
      }))

    apiTest("a bad IATA code is a 400 at body.origin", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ origin: "lhr" })), ["body.origin"])
      }))

    apiTest("a bad flight number is a 400 at body.flightNumber", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ flightNumber: "BA-117" })), ["body.flightNumber"])
      }))

    apiTest("an aircraft with a control character, an ANSI escape, a bidi override or a lone surrogate is a 400 at body.aircraft, and schedules nothing", (api) =>
      Effect.gen(function* () {
        for (const aircraft of ["A\udfff", "A\u0000B", "X\u0007\u001b[31mY", "\u202eevil", "Boeing\t777"]) {
          const answer = yield* api.post(scheduleBody({ aircraft }))
          expectValidation(answer, ["body.aircraft"])
          expect(HttpAssertions.problemOf(answer).errors?.[0]?.message).toMatch(/^must .* \(U\+[0-9A-F]{4} at \d+\)$/)
        }
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
      }))

    apiTest("an unknown body field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody({ gate: "B32" })), ["body.gate"])
      }))

    apiTest("a missing field is a 400 at its path", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(without(scheduleBody(), "aircraft")), ["body.aircraft"])
      }))

    apiTest("several bad fields are reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(without(
          scheduleBody({
            flightNumber: "B",
            origin: "London",
            cabins: [economy({ fare: { amount: 1.5, currency: "GBP" } })],
            gate: "B32",
          }),
          "aircraft",
        ))
        expectValidation(answer, ["body.flightNumber", "body.origin", "body.aircraft", "body.cabins.0.fare.amount", "body.gate"])
      }))

    apiTest("several broken rules of the schedule are reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.post(scheduleBody({
          destination: "LHR",
          arrivalAt: "2026-12-01T09:00:00.000Z",
          cabins: [economy({ rows: { from: 30, to: 10 } }), business({ seatLetters: "AA" })],
        }))
        expectValidation(answer, ["body.destination", "body.arrivalAt", "body.cabins.0.rows", "body.cabins.1.seatLetters"])
      }))

    apiTest("malformed JSON is a 400 of type malformed-json", (api) =>
      Effect.gen(function* () {
        expectProblem(yield* api.send("POST", "/api/flights", { raw: `{"flightNumber": "BA117",` }), 400, "malformed-json")
      }))

    apiTest("a body that is not JSON (text/plain) is a 415", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.send("POST", "/api/flights", {
          raw: JSON.stringify(scheduleBody()),
          headers: { "content-type": "text/plain" },
        })
        expectProblem(answer, 415, "unsupported-media-type")
      }))

    apiTest("no body at all is a 400 at body", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.send("POST", "/api/flights"), ["body"])
      }))
  })

  describe("one flight per number and UTC day", () => {
    apiTest("the same flight number on the same UTC day is a 409 flight-already-scheduled", (api) =>
      Effect.gen(function* () {
        yield* api.schedule({ departureAt: "2026-12-01T00:30:00.000Z", arrivalAt: "2026-12-01T08:30:00.000Z" })
        const answer = yield* api.post(scheduleBody({ departureAt: "2026-12-01T23:30:00.000Z", arrivalAt: "2026-12-02T07:30:00.000Z" }))
        expectProblem(answer, 409, "flight-already-scheduled")
      }))

    apiTest("the same flight number on another UTC day is a 201", (api) =>
      Effect.gen(function* () {
        const one = yield* api.schedule({ departureAt: "2026-12-01T23:30:00.000Z", arrivalAt: "2026-12-02T07:30:00.000Z" })
        const answer = yield* api.post(scheduleBody({ departureAt: "2026-12-02T00:30:00.000Z", arrivalAt: "2026-12-02T08:30:00.000Z" }))
        expect(answer.status).toBe(201)
        expect(flightOf(answer).id).not.toBe(one.id)
      }))
  })

  describe("Idempotency-Key", () => {
    apiTest("the same key with the same request answers 201 with the identical body, marked idempotent-replayed, and schedules once", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "schedule-ba117-2026-12-01" }
        const firstAnswer = yield* api.post(scheduleBody(), headers)
        expect(firstAnswer.status).toBe(201)
        expect(firstAnswer.headers.get("idempotent-replayed")).toBeNull()
        const replay = yield* api.post(scheduleBody(), headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(replay.body).toEqual(firstAnswer.body)
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([flightOf(firstAnswer).id])
      }))

    apiTest("the same request spelled differently (key order, 10:00Z for 10:00:00.000Z) is still a replay", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" }
        const firstAnswer = yield* api.post(
          scheduleBody({ departureAt: "2026-12-01T10:00Z", arrivalAt: "2026-12-01T18:00:00Z" }),
          headers,
        )
        expect(firstAnswer.status).toBe(201)
        const replay = yield* api.post(reversedKeys(scheduleBody()), headers)
        expect(replay.status).toBe(201)
        expect(replay.headers.get("idempotent-replayed")).toBe("true")
        expect(replay.body).toEqual(firstAnswer.body)
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toHaveLength(1)
      }))

    apiTest("the same key with a different request is a 422 idempotency-key-reused, and schedules nothing more", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "reused-key" }
        expect((yield* api.post(scheduleBody(), headers)).status).toBe(201)
        const answer = yield* api.post(scheduleBody({ flightNumber: "BA179" }), headers)
        expectProblem(answer, 422, "idempotency-key-reused")
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toHaveLength(1)
      }))

    apiTest("a key of 300 characters is a 400 at header.idempotency-key", (api) =>
      Effect.gen(function* () {
        expectValidation(yield* api.post(scheduleBody(), { "idempotency-key": "k".repeat(300) }), ["header.idempotency-key"])
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
      }))

    apiTest("two concurrent requests with the same key and body schedule one flight; both answer 201 with it", (api) =>
      Effect.gen(function* () {
        const headers = { "idempotency-key": "concurrent-key" }
        const answers = yield* Effect.all([api.post(scheduleBody(), headers), api.post(scheduleBody(), headers)], {
          concurrency: "unbounded",
        })
        expect(answers.map((answer) => answer.status)).toEqual([201, 201])
        expect(answers[1]?.body).toEqual(answers[0]?.body)
        expect(answers.filter((answer) => answer.headers.get("idempotent-replayed") === "true")).toHaveLength(1)
        expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toHaveLength(1)
      }))

    apiTest("two different keys with the same request are two requests (the second a 409 for the same number and day)", (api) =>
      Effect.gen(function* () {
        expect((yield* api.post(scheduleBody(), { "idempotency-key": "key-one" })).status).toBe(201)
        expectProblem(yield* api.post(scheduleBody(), { "idempotency-key": "key-two" }), 409, "flight-already-scheduled")
      }))
  })
})

// -------------------------------------------------------------------------------------------------
// GET /api/flights/{id}

describe("GET /api/flights/{id}", () => {
  apiTest("answers 200 with the flight as scheduled", (api) =>
    Effect.gen(function* () {
      const scheduled = yield* api.schedule()
      const answer = yield* api.get(scheduled.id)
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual(scheduled)
    }))

  apiTest("an unknown well-formed UUID v7 is a 404 flight-not-found", (api) =>
    Effect.gen(function* () {
      yield* api.schedule()
      expectProblem(yield* api.get(unknownId), 404, "flight-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("not-a-uuid"), ["path.id"])
    }))

  apiTest("a UUID of another version than 7 is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.get("6ba7b810-9dad-41d1-80b4-00c04fd430c8"), ["path.id"])
    }))
})

// -------------------------------------------------------------------------------------------------
// GET /api/flights (search)

describe("GET /api/flights (search)", () => {
  apiTest("finds only flights from the given origin", (api) =>
    Effect.gen(function* () {
      const fromLhr = yield* api.schedule({ flightNumber: "BA117" })
      yield* api.schedule({ flightNumber: "BA1511", origin: "LGW" })
      const answer = yield* api.search({ ...lhrJfk, date: "2026-12-01" })
      expect(answer.status).toBe(200)
      expect(pageOf(answer)).toEqual({ items: [fromLhr], nextCursor: null })
    }))

  apiTest("finds only flights to the given destination", (api) =>
    Effect.gen(function* () {
      const toJfk = yield* api.schedule({ flightNumber: "BA117" })
      yield* api.schedule({ flightNumber: "BA175", destination: "EWR" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([toJfk.id])
      expect(yield* api.found({ origin: "LHR", destination: "BOS", date: "2026-12-01" })).toEqual([])
    }))

  apiTest("finds flights by their UTC departure day: 23:30Z on the 1st is on the 1st, not the 2nd", (api) =>
    Effect.gen(function* () {
      const late = yield* api.schedule({ departureAt: "2026-12-01T23:30:00.000Z", arrivalAt: "2026-12-02T07:30:00.000Z" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([late.id])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-02" })).toEqual([])
      expect(yield* api.found({ ...lhrJfk, date: "2026-11-30" })).toEqual([])
    }))

  apiTest("finds only flights with the requested cabin: a flight without first class is not found for cabin=first", (api) =>
    Effect.gen(function* () {
      yield* api.schedule({ flightNumber: "BA117" })
      const withFirst = yield* api.schedule({ flightNumber: "BA175", cabins: [first(), economy()] })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first" })).toEqual([withFirst.id])
    }))

  apiTest("finds only flights with at least `passengers` seats available in the cabin", (api) =>
    Effect.gen(function* () {
      const withFirst = yield* api.schedule({ cabins: [first(), economy()] }) // 2 first-class seats
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "2" })).toEqual([withFirst.id])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "3" })).toEqual([])
      yield* api.holdSeats(withFirst.id, "first", ["1A"])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "2" })).toEqual([])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first", passengers: "1" })).toEqual([withFirst.id])
    }))

  apiTest("the cabin defaults to economy", (api) =>
    Effect.gen(function* () {
      yield* api.schedule({ flightNumber: "BA117", cabins: [business()] })
      const withEconomy = yield* api.schedule({ flightNumber: "BA175" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([withEconomy.id])
    }))

  apiTest("passengers defaults to 1: a cabin with one seat left is found, a sold-out one is not", (api) =>
    Effect.gen(function* () {
      const oneSeat = economy({ rows: { from: 10, to: 10 }, seatLetters: "A" })
      const soldOut = yield* api.schedule({ flightNumber: "BA117", departureAt: "2026-12-01T09:00:00.000Z", cabins: [oneSeat] })
      const oneLeft = yield* api.schedule({ flightNumber: "BA175", cabins: [oneSeat] })
      yield* api.holdSeats(soldOut.id, "economy", ["10A"])
      expect((flightOf(yield* api.get(soldOut.id)).cabins[0])?.availableSeats).toBe(0)
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([oneLeft.id])
    }))

  apiTest("answers flights ordered by departure", (api) =>
    Effect.gen(function* () {
      const noon = yield* api.schedule({ flightNumber: "BA1", departureAt: "2026-12-01T12:00:00.000Z", arrivalAt: "2026-12-01T20:00:00.000Z" })
      const morning = yield* api.schedule({ flightNumber: "BA2", departureAt: "2026-12-01T06:00:00.000Z", arrivalAt: "2026-12-01T14:00:00.000Z" })
      const evening = yield* api.schedule({ flightNumber: "BA3", departureAt: "2026-12-01T21:00:00.000Z", arrivalAt: "2026-12-02T05:00:00.000Z" })
      const midnight = yield* api.schedule({ flightNumber: "BA4", departureAt: "2026-12-01T00:00:00.000Z", arrivalAt: "2026-12-01T08:00:00.000Z" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([midnight.id, morning.id, noon.id, evening.id])
    }))

  apiTest("with limit=2 over 5 flights, following nextCursor yields all 5 once in order; the last page's nextCursor is null", (api) =>
    Effect.gen(function* () {
      const hours = ["14", "08", "20", "11", "17"]
      const flights: Array<FlightJson> = []
      for (const [index, hour] of hours.entries()) {
        flights.push(yield* api.schedule({
          flightNumber: `BA${100 + index}`,
          departureAt: `2026-12-01T${hour}:00:00.000Z`,
          arrivalAt: `2026-12-02T0${index}:00:00.000Z`,
        }))
      }
      const expected = flights.toSorted((a, b) => a.departureAt.localeCompare(b.departureAt)).map((flight) => flight.id)
      const pages: Array<PageJson> = []
      let cursor: string | null | undefined = undefined
      while (cursor !== null && pages.length < 10) {
        const answer: Answer = yield* api.search({ ...lhrJfk, date: "2026-12-01", limit: "2", ...(cursor === undefined ? {} : { cursor }) })
        expect(answer.status).toBe(200)
        const page = pageOf(answer)
        pages.push(page)
        cursor = page.nextCursor
      }
      expect(pages.map((page) => page.items.length)).toEqual([2, 2, 1])
      expect(pages.slice(0, -1).every((page) => typeof page.nextCursor === "string")).toBe(true)
      expect(pages.at(-1)?.nextCursor).toBeNull()
      expect(pages.flatMap((page) => page.items.map((flight) => flight.id))).toEqual(expected)
    }))

  apiTest("pagination over flights departing at the same time yields each once", (api) =>
    Effect.gen(function* () {
      const ids: Array<string> = []
      for (const number of ["BA1", "BA2", "BA3", "BA4", "BA5"]) ids.push((yield* api.schedule({ flightNumber: number })).id)
      const seen: Array<string> = []
      let cursor: string | null | undefined = undefined
      for (let pages = 0; cursor !== null && pages < 10; pages++) {
        const answer: Answer = yield* api.search({ ...lhrJfk, date: "2026-12-01", limit: "2", ...(cursor === undefined ? {} : { cursor }) })
        expect(answer.status).toBe(200)
        seen.push(...pageOf(answer).items.map((flight) => flight.id))
        cursor = pageOf(answer).nextCursor
      }
      expect(seen).toHaveLength(5)
      expect(seen.toSorted()).toEqual(ids.toSorted())
    }))

  apiTest("a page that ends exactly at the last flight has nextCursor null", (api) =>
    Effect.gen(function* () {
      yield* api.schedule({ flightNumber: "BA1" })
      yield* api.schedule({ flightNumber: "BA2" })
      const answer = yield* api.search({ ...lhrJfk, date: "2026-12-01", limit: "2" })
      expect(pageOf(answer).items).toHaveLength(2)
      expect(pageOf(answer).nextCursor).toBeNull()
    }))

  apiTest("cancelled flights are not returned", (api) =>
    Effect.gen(function* () {
      const cancelled = yield* api.schedule({ flightNumber: "BA117" })
      const kept = yield* api.schedule({ flightNumber: "BA175" })
      yield* api.moveTo(cancelled.id, { status: "cancelled", reason: "crew shortage" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([kept.id])
    }))

  apiTest("flights that are boarding are not returned", (api) =>
    Effect.gen(function* () {
      const boarding = yield* api.schedule()
      yield* api.moveTo(boarding.id, { status: "boarding" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
    }))

  describe("validation", () => {
    const valid = { ...lhrJfk, date: "2026-12-01" }
    const cases: ReadonlyArray<readonly [string, Record<string, string>, string]> = [
      ["a missing origin", without(valid, "origin") as Record<string, string>, "query.origin"],
      ["date 2026-02-30", { ...valid, date: "2026-02-30" }, "query.date"],
      ["passengers 0", { ...valid, passengers: "0" }, "query.passengers"],
      ["passengers in exponent notation (1e0)", { ...valid, passengers: "1e0" }, "query.passengers"],
      ["limit in hexadecimal (0x10)", { ...valid, limit: "0x10" }, "query.limit"],
      ["passengers 10", { ...valid, passengers: "10" }, "query.passengers"],
      ["limit 0", { ...valid, limit: "0" }, "query.limit"],
      ["limit 101", { ...valid, limit: "101" }, "query.limit"],
      ["an unknown cabin", { ...valid, cabin: "galley" }, "query.cabin"],
      ["an unknown parameter", { ...valid, sort: "price" }, "query.sort"],
      ["a garbage cursor", { ...valid, cursor: "not-a-cursor" }, "query.cursor"],
    ]
    for (const [what, query, path] of cases) {
      apiTest(`${what} is a 400 at ${path}`, (api) =>
        Effect.gen(function* () {
          expectValidation(yield* api.search(query), [path])
        }))
    }

    apiTest("the bounds passengers 9 and limit 100 are accepted", (api) =>
      Effect.gen(function* () {
        const flight = yield* api.schedule()
        expect(yield* api.found({ ...valid, passengers: "9", limit: "100" })).toEqual([flight.id])
      }))

    apiTest("every bad parameter is reported together in one response", (api) =>
      Effect.gen(function* () {
        const answer = yield* api.search({
          destination: "JFK",
          date: "2026-02-30",
          passengers: "0",
          limit: "101",
          cabin: "galley",
          sort: "price",
          cursor: "not-a-cursor",
        })
        expectValidation(answer, [
          "query.origin",
          "query.date",
          "query.passengers",
          "query.limit",
          "query.cabin",
          "query.sort",
          "query.cursor",
        ])
      }))
  })
})

// -------------------------------------------------------------------------------------------------
// GET /api/flights/departures

describe("GET /api/flights/departures", () => {
  /** The flight numbers and statuses listed (first page). */
  const listed = (answer: Answer) => {
    expect(answer.status).toBe(200)
    return pageOf(answer).items.map((flight) => [flight.flightNumber, flight.status])
  }

  apiTest("lists every flight of the UTC day by departure, cancelled and full ones too, with their status", (api) =>
    Effect.gen(function* () {
      const cancelled = yield* api.schedule({ flightNumber: "BA1", departureAt: "2026-12-01T06:00:00.000Z", arrivalAt: "2026-12-01T14:00:00.000Z" })
      yield* api.moveTo(cancelled.id, { status: "cancelled", reason: "crew shortage" })
      const full = yield* api.schedule({ flightNumber: "BA2", cabins: [first()], departureAt: "2026-12-01T08:00:00.000Z", arrivalAt: "2026-12-01T16:00:00.000Z" })
      yield* api.holdSeats(full.id, "first", ["1A", "1B"])
      yield* api.schedule({ flightNumber: "BA3", destination: "BOS", departureAt: "2026-12-01T12:00:00.000Z", arrivalAt: "2026-12-01T19:00:00.000Z" })
      yield* api.schedule({ flightNumber: "BA4", departureAt: "2026-12-02T12:00:00.000Z", arrivalAt: "2026-12-02T20:00:00.000Z" })
      const all = yield* api.departures({ date: "2026-12-01" })
      expect(listed(all)).toEqual([["BA1", "cancelled"], ["BA2", "scheduled"], ["BA3", "scheduled"]])
      expect(pageOf(all).items[1]!.cabins[0]!.availableSeats).toBe(0)
      expect(pageOf(all).nextCursor).toBeNull()
      // Search, for travellers, has neither the cancelled nor the full one.
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01", cabin: "first" })).toEqual([])
      expect(listed(yield* api.departures({ date: "2026-12-01", ...lhrJfk }))).toEqual([["BA1", "cancelled"], ["BA2", "scheduled"]])
      expect(listed(yield* api.departures({ date: "2026-12-01", destination: "BOS" }))).toEqual([["BA3", "scheduled"]])
      expect(listed(yield* api.departures({ date: "2026-12-01", status: "cancelled" }))).toEqual([["BA1", "cancelled"]])
      expect(listed(yield* api.departures({ date: "2026-12-03" }))).toEqual([])
    }))

  apiTest("with limit=2 over 5 flights, following nextCursor yields all 5 once in order", (api) =>
    Effect.gen(function* () {
      const ids: Array<string> = []
      for (const [index, hour] of ["14", "08", "20", "08", "17"].entries()) {
        ids.push((yield* api.schedule({ flightNumber: `BA${100 + index}`, departureAt: `2026-12-01T${hour}:00:00.000Z`, arrivalAt: `2026-12-02T0${index}:00:00.000Z` })).id)
      }
      const seen: Array<FlightJson> = []
      let cursor: string | null | undefined = undefined
      for (let pages = 0; cursor !== null && pages < 10; pages++) {
        const answer: Answer = yield* api.departures({ date: "2026-12-01", limit: "2", ...(cursor === undefined ? {} : { cursor }) })
        expect(answer.status).toBe(200)
        seen.push(...pageOf(answer).items)
        cursor = pageOf(answer).nextCursor
      }
      expect(seen.map((flight) => flight.id).toSorted()).toEqual(ids.toSorted())
      expect(seen.map((flight) => flight.departureAt)).toEqual(seen.map((flight) => flight.departureAt).toSorted())
    }))

  apiTest("50 a page unless limit says otherwise", (api) =>
    Effect.gen(function* () {
      for (let index = 0; index < 51; index++) {
        yield* api.schedule({ flightNumber: `BA${100 + index}`, departureAt: `2026-12-01T${String(index % 24).padStart(2, "0")}:00:00.000Z`, arrivalAt: "2026-12-02T08:00:00.000Z" })
      }
      const page = pageOf(yield* api.departures({ date: "2026-12-01" }))
      expect(page.items).toHaveLength(50)
      expect(typeof page.nextCursor).toBe("string")
      expect(pageOf(yield* api.departures({ date: "2026-12-01", limit: "100" })).items).toHaveLength(51)
    }))

  describe("validation", () => {
    const cases: ReadonlyArray<readonly [string, Record<string, string>, ReadonlyArray<string>]> = [
      ["a missing date", {}, ["query.date"]],
      ["date 2026-02-30", { date: "2026-02-30" }, ["query.date"]],
      ["an unknown status", { date: "2026-12-01", status: "teleported" }, ["query.status"]],
      ["limit 0", { date: "2026-12-01", limit: "0" }, ["query.limit"]],
      ["limit 101", { date: "2026-12-01", limit: "101" }, ["query.limit"]],
      ["a garbage cursor", { date: "2026-12-01", cursor: "not-a-cursor" }, ["query.cursor"]],
      ["a bad origin", { date: "2026-12-01", origin: "lhr1" }, ["query.origin"]],
      ["an unknown parameter", { date: "2026-12-01", cabin: "economy" }, ["query.cabin"]],
      ["every bad parameter together", { date: "2026-02-30", status: "teleported", limit: "101", cursor: "x" }, ["query.date", "query.status", "query.limit", "query.cursor"]],
    ]
    for (const [what, query, paths] of cases) {
      apiTest(`${what} is a 400 at ${paths.join(", ")}`, (api) =>
        Effect.gen(function* () {
          expectValidation(yield* api.departures(query), paths)
        }))
    }
  })
})

// -------------------------------------------------------------------------------------------------
// PATCH /api/flights/{id}/status

describe("PATCH /api/flights/{id}/status", () => {
  /** The body that moves a flight to a status; a delay to 12:00Z, or 13:00Z when already delayed. */
  const to = (status: string, from?: string): Json =>
    status === "delayed"
      ? { status, departureAt: from === "delayed" ? "2026-12-01T13:00:00.000Z" : "2026-12-01T12:00:00.000Z" }
      : { status }

  /** The path from scheduled to each status. */
  const pathTo: Record<string, ReadonlyArray<string>> = {
    scheduled: [],
    delayed: ["delayed"],
    boarding: ["boarding"],
    departed: ["boarding", "departed"],
    cancelled: ["cancelled"],
  }

  const allowed: ReadonlyArray<readonly [string, string]> = [
    ["scheduled", "delayed"],
    ["scheduled", "boarding"],
    ["scheduled", "cancelled"],
    ["delayed", "boarding"],
    ["delayed", "cancelled"],
    ["delayed", "delayed"],
    ["boarding", "departed"],
    ["departed", "arrived"],
  ]

  for (const [from, target] of allowed) {
    apiTest(`${from} -> ${target} answers 200 with status ${target}`, (api) =>
      Effect.gen(function* () {
        const flight = yield* api.schedule()
        let previous = "scheduled"
        for (const step of pathTo[from] ?? []) {
          yield* api.moveTo(flight.id, to(step, previous))
          previous = step
        }
        const answer = yield* api.changeStatus(flight.id, to(target, from))
        expect(answer.status).toBe(200)
        expect(flightOf(answer)).toMatchObject({ id: flight.id, status: target })
        expect(flightOf(yield* api.get(flight.id)).status).toBe(target)
      }))
  }

  apiTest("the reason is kept as statusReason", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      const cancelled = yield* api.moveTo(flight.id, { status: "cancelled", reason: "crew shortage" })
      expect(cancelled.statusReason).toBe("crew shortage")
    }))

  apiTest("a reason with a control character, a line break, a bidi override or a lone surrogate is a 400 at body.reason, and the flight stays scheduled", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      for (const reason of ["crew\u0000shortage", "crew\r\nshortage", "\u202eevil", "late\ud800"]) {
        expectValidation(yield* api.changeStatus(flight.id, { status: "cancelled", reason }), ["body.reason"])
      }
      expect(flightOf(yield* api.get(flight.id))).toMatchObject({ status: "scheduled", statusReason: null })
    }))

  const illegal: ReadonlyArray<readonly [string, string]> = [
    ["scheduled", "arrived"],
    ["scheduled", "departed"],
    ["scheduled", "scheduled"],
    ["cancelled", "scheduled"],
    ["departed", "cancelled"],
  ]

  for (const [from, target] of illegal) {
    apiTest(`${from} -> ${target} is a 409 invalid-status-transition, and the flight stays ${from}`, (api) =>
      Effect.gen(function* () {
        const flight = yield* api.schedule()
        let previous = "scheduled"
        for (const step of pathTo[from] ?? []) {
          yield* api.moveTo(flight.id, to(step, previous))
          previous = step
        }
        expectProblem(yield* api.changeStatus(flight.id, to(target, from)), 409, "invalid-status-transition")
        expect(flightOf(yield* api.get(flight.id)).status).toBe(from)
      }))
  }

  apiTest("delayed without departureAt is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(yield* api.changeStatus(flight.id, { status: "delayed" }), ["body.departureAt"])
      expect(flightOf(yield* api.get(flight.id)).status).toBe("scheduled")
    }))

  apiTest("delayed with departureAt equal to the scheduled departure is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(
        yield* api.changeStatus(flight.id, { status: "delayed", departureAt: "2026-12-01T10:00:00.000Z" }),
        ["body.departureAt"],
      )
    }))

  apiTest("delayed with departureAt before the scheduled departure is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(
        yield* api.changeStatus(flight.id, { status: "delayed", departureAt: "2026-12-01T09:00:00.000Z" }),
        ["body.departureAt"],
      )
    }))

  apiTest("departureAt with a status other than delayed is a 400 at body.departureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(
        yield* api.changeStatus(flight.id, { status: "boarding", departureAt: "2026-12-01T12:00:00.000Z" }),
        ["body.departureAt"],
      )
      expect(flightOf(yield* api.get(flight.id)).status).toBe("scheduled")
    }))

  apiTest("a delay moves departureAt and arrivalAt by as much, and keeps scheduledDepartureAt", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule({ departureAt: "2026-12-01T22:00:00.000Z", arrivalAt: "2026-12-02T06:00:00.000Z" })
      const delayed = yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-02T01:30:00.000Z", reason: "fog" })
      expect(delayed).toMatchObject({
        status: "delayed",
        statusReason: "fog",
        departureAt: "2026-12-02T01:30:00.000Z",
        arrivalAt: "2026-12-02T09:30:00.000Z",
        scheduledDepartureAt: "2026-12-01T22:00:00.000Z",
      })
      expect(yield* api.get(flight.id)).toMatchObject({ status: 200, body: delayed })
    }))

  apiTest("a second delay moves the arrival from the first delay's times", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-01T12:00:00.000Z" })
      const again = yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-01T11:00:00.000Z" })
      expect(again).toMatchObject({ departureAt: "2026-12-01T11:00:00.000Z", arrivalAt: "2026-12-01T19:00:00.000Z" })
    }))

  apiTest("a delayed flight is found by search on its new day, not its old one", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule({ departureAt: "2026-12-01T22:00:00.000Z", arrivalAt: "2026-12-02T06:00:00.000Z" })
      yield* api.moveTo(flight.id, { status: "delayed", departureAt: "2026-12-02T01:30:00.000Z" })
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-02" })).toEqual([flight.id])
      expect(yield* api.found({ ...lhrJfk, date: "2026-12-01" })).toEqual([])
    }))

  apiTest("an unknown id is a 404 flight-not-found", (api) =>
    Effect.gen(function* () {
      expectProblem(yield* api.changeStatus(unknownId, { status: "cancelled" }), 404, "flight-not-found")
    }))

  apiTest("a malformed id is a 400 at path.id", (api) =>
    Effect.gen(function* () {
      expectValidation(yield* api.changeStatus("12345", { status: "cancelled" }), ["path.id"])
    }))

  apiTest("an unknown status value is a 400 at body.status", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(yield* api.changeStatus(flight.id, { status: "landed" }), ["body.status"])
    }))

  apiTest("an unknown body field is a 400 at its path", (api) =>
    Effect.gen(function* () {
      const flight = yield* api.schedule()
      expectValidation(yield* api.changeStatus(flight.id, { status: "cancelled", gate: "B32" }), ["body.gate"])
    }))
})

// -------------------------------------------------------------------------------------------------
// GET /openapi.json

describe("GET /openapi.json", () => {
  apiTest("documents /api/flights (get, post), /api/flights/departures (get), /api/flights/{id} (get) and /api/flights/{id}/status (patch)", (api) =>
    Effect.gen(function* () {
      const answer = yield* api.send("GET", "/openapi.json")
      expect(answer.status).toBe(200)
      const paths = (answer.body as { readonly paths: Record<string, Record<string, unknown>> }).paths
      expect(Object.keys(paths["/api/flights"] ?? {}).toSorted()).toEqual(["get", "post"])
      expect(Object.keys(paths["/api/flights/departures"] ?? {})).toEqual(["get"])
      expect(Object.keys(paths["/api/flights/{id}"] ?? {})).toEqual(["get"])
      expect(Object.keys(paths["/api/flights/{id}/status"] ?? {})).toEqual(["patch"])
    }))
})
