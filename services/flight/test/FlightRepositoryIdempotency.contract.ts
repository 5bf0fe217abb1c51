/** FlightRepository contract: the Idempotency-Key of a flight's creation, recorded with it. */
import { expect } from "bun:test"
import { Effect, Either, Option } from "effect"
import * as Flight from "../src/domain/Flight.ts"
import { FlightRepository } from "../src/domain/FlightRepository.ts"
import { type ContractTest, flightOf, now } from "./support/RepositoryContract.ts"

export const idempotencyContract = (it: ContractTest) => {
  it("an Idempotency-Key is recorded with the flight; a second insert under the key is refused as taken", () =>
    Effect.gen(function* () {
      const repository = yield* FlightRepository
      const flight = flightOf()
      yield* repository.insert(flight, [], Option.some({ key: "key-1", fingerprint: "f1" }))
      const recorded = Option.getOrThrow(yield* repository.creationByKey("key-1"))
      expect(recorded.fingerprint).toBe("f1")
      expect(recorded.flight.id).toBe(flight.id)
      const other = yield* Effect.either(
        repository.insert(flightOf({ flightNumber: "BA999" }), [], Option.some({ key: "key-1", fingerprint: "f2" })),
      )
      expect(Either.isLeft(other) && other.left._tag).toBe("IdempotencyKeyTaken")
      expect(Option.isNone(yield* repository.creationByKey("key-2"))).toBe(true)
      // The key names the flight as first created, whatever happens to it afterwards.
      yield* repository.save(Flight.updated(flight, { status: "cancelled" }, now), [], [])
      expect(Option.getOrThrow(yield* repository.creationByKey("key-1")).flight.status).toBe("scheduled")
    }))
}
