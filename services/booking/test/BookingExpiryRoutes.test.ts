/** A booking whose hold runs out, as the sweeper expires it and the routes then answer it. */
import { describe, expect } from "bun:test"
import { Duration, Effect, Option } from "effect"
import { bookingBody, bookingOf, seated } from "./support/BookingRequests.ts"
import { afterShortHold, apiTest, shortHold } from "./support/BookingRoutesApp.ts"

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
