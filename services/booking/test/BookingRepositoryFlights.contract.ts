/** BookingRepository contract: flights on sale, seeded once from flight.scheduled, and when a hold on one is refused. */
import { expect } from "bun:test"
import { Effect, Either, Option } from "effect"
import { holdRequest, seating } from "./support/Fixtures.ts"
import { type ContractTest, seeded, states } from "./support/RepositoryContract.ts"

export const flightsContract = (it: ContractTest) => {
  it("a flight is seeded once: a redelivered flight.scheduled changes nothing", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      expect(yield* repository.seed(flight)).toBe(false)
      const read = Option.getOrThrow(yield* repository.seating(flight.flightId))
      expect(read.flightNumber).toBe(flight.flightNumber)
      expect((yield* states(flight.flightId)).free).toBe(24)
    }))

  it("a hold on an unknown flight, a cancelled flight or a cabin the flight lacks is refused", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const unknown = yield* Effect.either(repository.hold(yield* holdRequest(seating().flightId, [undefined])))
      expect(Either.isLeft(unknown) && unknown.left._tag).toBe("FlightNotFound")
      const noFirst = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, [undefined], { cabin: "first" })))
      expect(Either.isLeft(noFirst) && noFirst.left._tag).toBe("CabinNotOnFlight")
      expect(yield* repository.setFlightStatus(flight.flightId, "cancelled", flight.departureAt)).toBe(true)
      const cancelled = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, [undefined])))
      expect(Either.isLeft(cancelled) && cancelled.left._tag).toBe("FlightNotBookable")
    }))

  it("a late status change never puts a cancelled, boarding or departed flight back on sale", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      for (const [first, late] of [["cancelled", "delayed"], ["boarding", "delayed"], ["departed", "scheduled"]] as const) {
        const other = seating()
        yield* repository.seed(other)
        yield* repository.setFlightStatus(other.flightId, first, other.departureAt)
        yield* repository.setFlightStatus(other.flightId, late, other.departureAt)
        expect(Option.getOrThrow(yield* repository.seating(other.flightId)).status).toBe(first)
        const refused = yield* Effect.either(repository.hold(yield* holdRequest(other.flightId, [undefined])))
        expect(Either.isLeft(refused) && refused.left._tag).toBe("FlightNotBookable")
      }
      yield* repository.setFlightStatus(flight.flightId, "delayed", flight.departureAt)
      yield* repository.setFlightStatus(flight.flightId, "delayed", flight.departureAt)
      expect(Option.getOrThrow(yield* repository.seating(flight.flightId)).status).toBe("delayed")
      yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
    }))
}
