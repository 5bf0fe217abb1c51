/** A flight's seat map over HTTP: every seat of a cabin, free, held or sold, and what it refuses. */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { bookingBody, bookingOf, economySeats, seated, seatMapOf, unknownId } from "./support/BookingRequests.ts"
import { apiTest } from "./support/BookingRoutesApp.ts"

const { expectProblem, expectValidation } = HttpAssertions

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
