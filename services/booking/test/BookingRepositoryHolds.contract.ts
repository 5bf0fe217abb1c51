/** BookingRepository contract: holds, the seats they take (chosen or named), their totals and their event, under contention. */
import { type MessageOf, StoredMessage } from "@flight/contracts"
import { expect } from "bun:test"
import { DateTime, Effect, Either, Option } from "effect"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import { cancelledEvent, confirmedEvent, holdRequest, paymentId, seating } from "./support/Fixtures.ts"
import { type ContractTest, drain, seeded, states } from "./support/RepositoryContract.ts"

export const holdsContract = (it: ContractTest) => {
  it("a hold takes adjacent seats in one row, writes the booking with its total, and its filled-in booking.created", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const request = yield* holdRequest(flight.flightId, [undefined, undefined, undefined])
      const { booking, replayed } = yield* repository.hold(request)
      expect(replayed).toBe(false)
      expect(booking.passengers.map((passenger) => String(passenger.seat))).toEqual(["10A", "10B", "10C"])
      expect(booking.total).toEqual({ amount: 135000, currency: "GBP" })
      expect(booking.status).toBe("pending")
      expect(Option.getOrThrow(yield* repository.get(booking.id)).reference).toBe(request.reference)
      const { free, held } = yield* states(flight.flightId)
      expect([free, held]).toEqual([21, 3])
      const [entry] = yield* drain(flight.flightId)
      const created = StoredMessage.decodeSync(entry!.message) as MessageOf<"booking.created">
      expect(created.type).toBe("booking.created")
      expect(created.id).toBe(request.event.message.id)
      expect(created.data.seats.map(String)).toEqual(["10A", "10B", "10C"])
      expect(created.data.passengers.map((passenger) => String(passenger.seat))).toEqual(["10A", "10B", "10C"])
      expect(created.data.total).toEqual({ amount: 135000, currency: "GBP" })
      expect(entry!.traceparent).toBe(request.event.traceparent)
    }))

  it("a named seat is held as named; a seat already held is refused with its name, and nothing changes", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const first = yield* repository.hold(yield* holdRequest(flight.flightId, ["12F"]))
      expect(String(first.booking.passengers[0]!.seat)).toBe("12F")
      const refused = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, [undefined, "12F"])))
      expect(Either.isLeft(refused) && refused.left._tag === "SeatsUnavailable" && refused.left.seats.map(String)).toEqual(["12F"])
      expect((yield* states(flight.flightId)).held).toBe(1)
    }))

  it("more passengers than free seats are refused; the last free seats can be taken", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
      yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
      const refused = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 7 }, () => undefined))))
      expect(Either.isLeft(refused) && refused.left._tag).toBe("SeatsUnavailable")
      const last = yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 6 }, () => undefined)))
      expect(last.booking.passengers).toHaveLength(6)
      expect((yield* states(flight.flightId)).free).toBe(0)
    }))

  it("totals beyond 14 digits are kept exact, in the booking and in its event", () =>
    Effect.gen(function* () {
      const flight = seating({
        cabins: [{ cabin: "economy", rows: { from: 1, to: 2 }, seatLetters: "ABCDEF", fare: { amount: 12345678901234, currency: "GBP" } }],
      })
      const repository = yield* BookingRepository
      yield* repository.seed(flight)
      const request = yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined))
      const exact = { amount: 12345678901234 * 9, currency: "GBP" }
      const { booking } = yield* repository.hold({ ...request, total: exact })
      expect(booking.total).toEqual(exact)
      const payment = paymentId()
      const confirmed = yield* repository.confirm(booking, payment, yield* DateTime.now, yield* confirmedEvent(booking, payment))
      expect(confirmed.booking.total).toEqual(exact)
      const [created] = yield* drain(flight.flightId)
      expect((StoredMessage.decodeSync(created!.message) as MessageOf<"booking.created">).data.total).toEqual(exact)
    }))

  it("a passenger named like the store's marker of a total keeps the name, through the hold, its event and a cancel; the total stays exact", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const request = yield* holdRequest(flight.flightId, [undefined, undefined])
      const names = [{ firstName: "__TOTAL__", lastName: "Lovelace" }, { firstName: "Ada", lastName: '"total":"__TOTAL__"' }]
      const passengers = request.passengers.map((passenger, index) => ({ ...passenger, ...names[index]! }))
      const { booking } = yield* repository.hold({ ...request, passengers })
      const namesOf = (people: ReadonlyArray<{ readonly firstName: string; readonly lastName: string }>) =>
        people.map(({ firstName, lastName }) => ({ firstName, lastName }))
      expect(namesOf(booking.passengers)).toEqual(names)
      expect(booking.total).toEqual(request.total)
      const [created] = yield* drain(flight.flightId)
      const event = StoredMessage.decodeSync(created!.message) as MessageOf<"booking.created">
      expect(namesOf(event.data.passengers)).toEqual(names)
      expect(event.data.total).toEqual(request.total)
      const cancelled = yield* repository.cancel(booking.id, "customer", yield* DateTime.now, yield* cancelledEvent(booking, "customer"))
      expect(namesOf(cancelled.passengers)).toEqual(names)
      expect(cancelled.total).toEqual(request.total)
      expect(namesOf(Option.getOrThrow(yield* repository.get(booking.id)).passengers)).toEqual(names)
    }))

  it("of 40 concurrent holds for the last 5 seats, exactly 5 succeed and no seat is held twice", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
      yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
      yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      const requests = yield* Effect.forEach(Array.from({ length: 40 }), () => holdRequest(flight.flightId, [undefined]))
      const results = yield* Effect.forEach(requests, (request) => Effect.either(repository.hold(request)), { concurrency: "unbounded" })
      const won = results.filter(Either.isRight).map((result) => result.right.booking.passengers[0]!.seat)
      expect(won).toHaveLength(5)
      expect(new Set(won).size).toBe(5)
      expect((yield* states(flight.flightId)).free).toBe(0)
    }))
}
