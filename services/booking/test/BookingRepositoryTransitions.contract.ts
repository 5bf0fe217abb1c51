/** BookingRepository contract: confirming, cancelling and expiring a booking, the seats each sells or frees, and the sweeper's index. */
import { type MessageOf, StoredMessage } from "@flight/contracts"
import { expect } from "bun:test"
import { DateTime, Effect, Either, Option } from "effect"
import { cancelledEvent, confirmedEvent, holdRequest, paymentId } from "./support/Fixtures.ts"
import { type ContractTest, drain, seeded, states } from "./support/RepositoryContract.ts"

export const transitionsContract = (it: ContractTest) => {
  it("confirm sells the seats; the same payment again changes nothing; another payment is refused", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined, undefined]))
      const payment = paymentId()
      const now = yield* DateTime.now
      const first = yield* repository.confirm(booking, payment, now, yield* confirmedEvent(booking, payment))
      expect(first._tag).toBe("Confirmed")
      expect(first.booking.paymentId).toBe(payment)
      const again = yield* repository.confirm(booking, payment, now, yield* confirmedEvent(booking, payment))
      expect(again._tag).toBe("AlreadyConfirmed")
      const other = yield* Effect.either(repository.confirm(booking, paymentId(), now, yield* confirmedEvent(booking, payment)))
      expect(Either.isLeft(other) && other.left._tag).toBe("InvalidTransition")
      expect((yield* states(flight.flightId)).sold).toBe(2)
      const types = (yield* drain(flight.flightId)).map((entry) => entry.message.type)
      expect(types).toEqual(["booking.created", "booking.confirmed"])
    }))

  it("a booking named with another flight or cabin is not found by confirm, and stays as it was", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      const payment = paymentId()
      const now = yield* DateTime.now
      const event = yield* confirmedEvent(booking, payment)
      for (const named of [{ ...booking, cabin: "business" as const }, { ...booking, flightId: (yield* seeded()).flight.flightId }]) {
        const refused = yield* Effect.either(repository.confirm(named, payment, now, event))
        expect(Either.isLeft(refused) && refused.left._tag).toBe("BookingNotFound")
      }
      expect(yield* states(flight.flightId)).toMatchObject({ sold: 0 })
      expect((yield* repository.confirm(booking, payment, now, event))._tag).toBe("Confirmed")
      expect((yield* states(flight.flightId)).sold).toBe(1)
    }))

  it("a hold that ran out cannot be confirmed", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { ttl: "1 millis" }))
      yield* Effect.sleep("10 millis")
      const payment = paymentId()
      const late = yield* Effect.either(repository.confirm(booking, payment, yield* DateTime.now, yield* confirmedEvent(booking, payment)))
      expect(Either.isLeft(late) && late.left._tag).toBe("HoldExpired")
    }))

  it("cancel frees the seats and says whether the booking was paid; a second cancel is refused", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const pending = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
      const paid = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
      const payment = paymentId()
      const now = yield* DateTime.now
      yield* repository.confirm(paid, payment, now, yield* confirmedEvent(paid, payment))
      yield* drain(flight.flightId)
      expect((yield* repository.cancel(pending.id, "customer", now, yield* cancelledEvent(pending, "customer"))).status).toBe("cancelled")
      const cancelledPaid = yield* repository.cancel(paid.id, "customer", now, yield* cancelledEvent(paid, "customer"))
      expect(cancelledPaid.cancellationReason).toBe("customer")
      expect((yield* states(flight.flightId)).free).toBe(24)
      const events = (yield* drain(flight.flightId)).map((entry) => StoredMessage.decodeSync(entry.message) as MessageOf<"booking.cancelled">)
      expect(events.map((event) => [event.data.bookingId, event.data.paid])).toEqual([[pending.id, false], [paid.id, true]])
      const twice = yield* Effect.either(repository.cancel(pending.id, "customer", now, yield* cancelledEvent(pending, "customer")))
      expect(Either.isLeft(twice) && twice.left._tag).toBe("InvalidTransition")
      expect(yield* repository.activeOnFlight(flight.flightId)).toEqual([])
    }))

  it("expiry: not before the hold runs out; then once, freeing the seats; the sweeper's index lists it until then", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined, undefined], { ttl: "200 millis" }))
      const early = yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired"))
      expect(Option.isNone(early)).toBe(true)
      expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).not.toContain(booking.id)
      yield* Effect.sleep("250 millis")
      expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).toContain(booking.id)
      const expired = yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired"))
      expect(Option.map(expired, (b) => [b.status, b.cancellationReason])).toEqual(Option.some(["expired", "expired"]))
      expect((yield* states(flight.flightId)).free).toBe(24)
      expect(Option.isNone(yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired")))).toBe(true)
      expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).not.toContain(booking.id)
    }))

  it("a confirmed booking never expires, and leaves the sweeper's index when its time comes", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { ttl: "100 millis" }))
      const payment = paymentId()
      yield* repository.confirm(booking, payment, yield* DateTime.now, yield* confirmedEvent(booking, payment))
      yield* Effect.sleep("150 millis")
      expect(Option.isNone(yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired")))).toBe(true)
      expect(Option.getOrThrow(yield* repository.get(booking.id)).status).toBe("confirmed")
      expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).not.toContain(booking.id)
    }))
}
