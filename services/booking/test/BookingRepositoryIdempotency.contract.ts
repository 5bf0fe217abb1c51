/** BookingRepository contract: a hold under an Idempotency-Key, replayed or refused, and the claims on a key. */
import { expect } from "bun:test"
import { DateTime, Duration, Effect, Either, Option } from "effect"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import { holdRequest } from "./support/Fixtures.ts"
import { type ContractTest, seeded, states } from "./support/RepositoryContract.ts"

export const idempotencyContract = (it: ContractTest) => {
  it("a hold under an Idempotency-Key recorded on the flight answers the first booking again, holding nothing more", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const key = `key-${Bun.randomUUIDv7()}`
      const first = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { key }))
      const again = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { key }))
      expect(again.replayed).toBe(true)
      expect(again.booking.id).toBe(first.booking.id)
      expect((yield* states(flight.flightId)).held).toBe(1)
    }))

  it("another request under an Idempotency-Key recorded on the flight is refused, and the first booking stays its answer", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const key = `key-${Bun.randomUUIDv7()}`
      const first = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { key, fingerprint: "first" }))
      const other = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, [undefined, undefined], { key, fingerprint: "other" })))
      expect(Either.isLeft(other) && other.left._tag).toBe("IdempotencyKeyReused")
      const again = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { key, fingerprint: "first" }))
      expect([again.replayed, again.booking.id]).toEqual([true, first.booking.id])
      expect((yield* states(flight.flightId)).held).toBe(1)
    }))

  it("Idempotency-Key claims: claimed once, then recorded with its fingerprint and response; released ones can be claimed again", () =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const key = `key-${Bun.randomUUIDv7()}`
      const until = DateTime.addDuration(yield* DateTime.now, Duration.seconds(30))
      expect((yield* repository.claimKey(key, "f1", until))._tag).toBe("Claimed")
      expect(yield* repository.claimKey(key, "f2", until)).toEqual({ _tag: "Recorded", fingerprint: "f1", response: Option.none() })
      yield* repository.recordKey(key, "f1", "{\"ok\":true}")
      expect(yield* repository.claimKey(key, "f1", until)).toEqual({ _tag: "Recorded", fingerprint: "f1", response: Option.some("{\"ok\":true}") })
      // A request under the key that failed meanwhile does not erase the recorded response.
      yield* repository.releaseKey(key)
      expect(yield* repository.claimKey(key, "f1", until)).toEqual({ _tag: "Recorded", fingerprint: "f1", response: Option.some("{\"ok\":true}") })
      const other = `key-${Bun.randomUUIDv7()}`
      yield* repository.claimKey(other, "f1", until)
      yield* repository.releaseKey(other)
      expect((yield* repository.claimKey(other, "f3", until))._tag).toBe("Claimed")
    }))
}
