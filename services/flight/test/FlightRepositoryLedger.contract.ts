/** FlightRepository contract: the ledger of the bookings applied to a flight, written and read with it. */
import { BookingId } from "@flight/contracts"
import { expect } from "bun:test"
import { Effect, Option } from "effect"
import * as Flight from "../src/domain/Flight.ts"
import { FlightRepository } from "../src/domain/FlightRepository.ts"
import { type ContractTest, flightOf, newId, now } from "./support/RepositoryContract.ts"

export const ledgerContract = (it: ContractTest) => {
  it("the ledger entry of a booking is written with the flight and read back beside it", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const flight = flightOf()
      const bookingId = BookingId.make(Bun.randomUUIDv7())
      yield* repository.insert(flight, [], Option.none())
      expect(Option.getOrThrow(yield* repository.getWithBookings(flight.id, [bookingId])).entries.size).toBe(0)
      const next = Flight.updated(flight, {
        availability: [{ ...flight.availability[0]!, available: 7 }, flight.availability[1]!],
      }, now)
      yield* repository.save(next, [{ id: bookingId, entry: { state: "held", cabin: "economy", seats: 2 } }], [])
      const found = Option.getOrThrow(yield* repository.getWithBookings(flight.id, [bookingId]))
      expect(found.entries.get(bookingId)).toEqual({ state: "held", cabin: "economy", seats: 2 })
      expect(found.flight.availability[0]!.available).toBe(7)
      expect(Option.isNone(yield* repository.getWithBookings(newId(), [bookingId]))).toBe(true)
    }))

  it("a batch's ledger entries are written in one save and read back together; bookings never seen are absent", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const flight = flightOf()
      yield* repository.insert(flight, [], Option.none())
      const ids = Array.from({ length: 5 }, () => BookingId.make(Bun.randomUUIDv7()))
      const unseen = BookingId.make(Bun.randomUUIDv7())
      const next = Flight.updated(flight, {
        availability: [{ ...flight.availability[0]!, available: flight.availability[0]!.capacity - 5 }, flight.availability[1]!],
      }, now)
      yield* repository.save(next, ids.map((id) => ({ id, entry: { state: "held" as const, cabin: "economy" as const, seats: 1 } })), [])
      const found = Option.getOrThrow(yield* repository.getWithBookings(flight.id, [...ids, unseen]))
      expect([...found.entries.keys()].toSorted()).toEqual(ids.toSorted())
      expect(found.entries.has(unseen)).toBe(false)
      expect(found.flight.version).toBe(next.version)
    }))
}
