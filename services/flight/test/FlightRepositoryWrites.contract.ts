/** FlightRepository contract: flights written and read back, one per number and day, and versions that let one concurrent write win. */
import { expect } from "bun:test"
import { Effect, Either, Option, Schema } from "effect"
import * as Flight from "../src/domain/Flight.ts"
import { FlightRepository } from "../src/domain/FlightRepository.ts"
import { type ContractTest, criteria, flightOf, newId, now } from "./support/RepositoryContract.ts"

export const writesContract = (it: ContractTest) => {
  it("a flight inserted is read back as it was written", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const flight = flightOf()
      yield* repository.insert(flight, [], Option.none())
      const read = Option.getOrThrow(yield* repository.get(flight.id))
      expect(Schema.encodeSync(Flight.Flight)(read)).toEqual(Schema.encodeSync(Flight.Flight)(flight))
      expect(Option.isNone(yield* repository.get(newId()))).toBe(true)
    }))

  it("one flight per number and scheduled UTC day: the second is refused, another day is accepted", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      yield* repository.insert(flightOf(), [], Option.none())
      const again = yield* Effect.either(repository.insert(flightOf({ departureAt: "2026-12-01T20:00:00Z", arrivalAt: "2026-12-02T04:00:00Z" }), [], Option.none()))
      expect(Either.isLeft(again) && again.left._tag).toBe("FlightAlreadyScheduled")
      yield* repository.insert(flightOf({ departureAt: "2026-12-02T10:00:00Z", arrivalAt: "2026-12-02T18:00:00Z" }), [], Option.none())
      yield* repository.insert(flightOf({ flightNumber: "BA118" }), [], Option.none())
    }))

  it("a write names the version it read: a stale one fails with VersionConflict and changes nothing", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const flight = flightOf()
      yield* repository.insert(flight, [], Option.none())
      const delayed = Flight.updated(flight, { status: "delayed" }, now)
      yield* repository.save(delayed, [], [])
      const stale = yield* Effect.either(repository.save(Flight.updated(flight, { status: "cancelled" }, now), [], []))
      expect(Either.isLeft(stale) && stale.left._tag).toBe("VersionConflict")
      const read = Option.getOrThrow(yield* repository.get(flight.id))
      expect(read.status).toBe("delayed")
      expect(read.version).toBe(2)
    }))

  it("of concurrent writes from the same version exactly one succeeds", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const flight = flightOf()
      yield* repository.insert(flight, [], Option.none())
      const results = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, index) => Flight.updated(flight, { statusReason: `writer ${index}` }, now)),
        (next) => Effect.either(repository.save(next, [], [])),
        { concurrency: "unbounded" },
      )
      expect(results.filter(Either.isRight)).toHaveLength(1)
      expect(Option.getOrThrow(yield* repository.get(flight.id)).version).toBe(2)
    }))

  it("of concurrent inserts of one flight number and day exactly one is stored", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const results = yield* Effect.forEach(
        Array.from({ length: 10 }, () => flightOf()),
        (flight) => Effect.either(repository.insert(flight, [], Option.none())),
        { concurrency: "unbounded" },
      )
      expect(results.filter(Either.isRight)).toHaveLength(1)
      expect((yield* repository.search(criteria())).items).toHaveLength(1)
    }))
}
