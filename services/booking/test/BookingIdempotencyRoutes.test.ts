/**
 * The Idempotency-Key of the booking POSTs: a replay answers the first response and holds or cancels
 * nothing more; another request, or another caller, under the key is refused; a bad key is a 400.
 */
import { HttpAssertions, JsonSpelling } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { bookingBody, bookingOf, passengers, seated } from "./support/BookingRequests.ts"
import { apiTest } from "./support/BookingRoutesApp.ts"
import { bearer, signed } from "./support/Callers.ts"

const { expectProblem, expectValidation } = HttpAssertions
const { reversedKeys } = JsonSpelling

describe("POST /api/bookings", () => {
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
  })
})

describe("POST /api/bookings/{id}/cancel", () => {
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
