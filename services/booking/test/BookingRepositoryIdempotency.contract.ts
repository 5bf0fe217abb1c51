/**
 * BookingRepository contract: a booking id is held once, and the Idempotency-Keys whose claims name
 * it (decision 24): claimed once, refused to another request, recorded once, released when nothing
 * was held, left to lapse when something was.
 */
import { BookingId } from "@flight/contracts"
import { Idempotent } from "@flight/runtime"
import { expect } from "bun:test"
import { DateTime, Effect, Option, Schema } from "effect"
import { Booking } from "../src/domain/Booking.ts"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import { holdRequest } from "./support/Fixtures.ts"
import { type ContractTest, drain, seeded, states } from "./support/RepositoryContract.ts"

const encoded = Schema.encodeSync(Booking)

/** A request under a key of its own. */
const keyed = (fingerprint = "f1"): Idempotent.Request => ({ key: `key-${Bun.randomUUIDv7()}`, fingerprint })

/** The booking id a fresh claim named. */
const claimedId = <A, C>(lookup: Idempotent.Lookup<A, C>) =>
  lookup._tag === "Fresh" ? Effect.succeed(lookup.claimed) : Effect.dieMessage(`expected a fresh claim, got ${lookup._tag}`)

export const idempotencyContract = (it: ContractTest) => {
  it("a hold of a booking id held before answers that booking as stored, holding and publishing nothing more", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const id = BookingId.make(Bun.randomUUIDv7())
      const request = yield* holdRequest(flight.flightId, [undefined], { ttl: "1 millis", id, reference: yield* repository.reserveReference(id) })
      const first = yield* repository.hold(request)
      // The same creation sent again after a crash: its own reference and hold expiry, the same id.
      const retry = yield* holdRequest(flight.flightId, [undefined, undefined], { id, reference: yield* repository.reserveReference(id) })
      const again = yield* repository.hold(retry)
      expect([again.replayed, encoded(again.booking)]).toEqual([true, encoded(first.booking)])
      expect((yield* states(flight.flightId)).held).toBe(1)
      expect((yield* drain(flight.flightId)).map((entry) => entry.message.type)).toEqual(["booking.created"])
      // The booking keeps its own names: its reference, and its place among the holds due to expire.
      expect(Option.isNone(yield* repository.findByReference(retry.reference))).toBe(true)
      expect(Option.getOrNull(Option.map(yield* repository.findByReference(first.booking.reference), (booking) => booking.id))).toBe(first.booking.id)
      expect(yield* repository.dueForExpiry(DateTime.addDuration(first.booking.holdExpiresAt, "1 second"), 1000)).toContain(first.booking.id)
    }))

  it("a key is claimed once, naming a booking id; until it records a response it is running, to the same request and to another", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const keys = repository.idempotency
      const request = keyed("f1")
      const id = yield* claimedId(yield* keys.claim(request))
      expect(yield* keys.claim(request)).toEqual(Idempotent.running("f1"))
      expect(yield* keys.claim({ ...request, fingerprint: "f2" })).toEqual(Idempotent.running("f1"))
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { id }))
      yield* keys.record(request, booking)
      for (const fingerprint of ["f1", "f2"]) {
        const done = yield* keys.claim({ ...request, fingerprint })
        expect(done._tag === "Done" && [done.fingerprint, booking.id, encoded(done.response)]).toEqual(["f1", id, encoded(booking)])
      }
    }))

  it("every new claim names a booking id of its own", () =>
    Effect.gen(function* () {
      const keys = (yield* BookingRepository).idempotency
      const ids = yield* Effect.forEach([keyed(), keyed(), keyed()], (request) => Effect.flatMap(keys.claim(request), claimedId))
      expect(new Set(ids).size).toBe(3)
    }))

  it("a released claim that held nothing frees the key, for any request; a recorded response is never released", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const keys = repository.idempotency
      const request = keyed("f1")
      yield* keys.claim(request)
      yield* keys.release(request)
      const id = yield* claimedId(yield* keys.claim({ ...request, fingerprint: "f2" }))
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { id }))
      yield* keys.record({ ...request, fingerprint: "f2" }, booking)
      yield* keys.release({ ...request, fingerprint: "f2" })
      const done = yield* keys.claim({ ...request, fingerprint: "f2" })
      expect(done._tag === "Done" && done.response.id).toBe(booking.id)
    }))

  it("a released claim whose booking was held lapses instead: the same request takes it over at once with that id, another is refused", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const keys = repository.idempotency
      const request = keyed("f1")
      const id = yield* claimedId(yield* keys.claim(request))
      yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { id }))
      // The request failed after its hold (its answer lost): the combinator releases its key.
      yield* keys.release(request)
      expect(yield* keys.claim({ ...request, fingerprint: "f2" })).toEqual(Idempotent.running("f1"))
      expect(yield* keys.claim(request)).toEqual(Idempotent.fresh(id))
    }))
}
