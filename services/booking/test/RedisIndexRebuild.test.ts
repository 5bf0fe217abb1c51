import { EffectTest, RealServer } from "@flight/runtime/testing"
import { BookingId } from "@flight/contracts"
import { expect } from "bun:test"
import { DateTime, Effect, Layer, Redacted } from "effect"
import { type Booking, Owner } from "../src/domain/Booking.ts"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import * as RedisBookingRepository from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisIndexRebuild from "../src/infrastructure/RedisIndexRebuild.ts"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import { RedisClient } from "../src/infrastructure/RedisStore.ts"
import { cancelledEvent, deletePrefix, holdRequest, seating, testPrefix } from "./support/Fixtures.ts"

RealServer.describeWith("REDIS_URL", "Redis index rebuild", (url) => {
  const store = () => RedisStore.layer(Redacted.make(new URL(url)))
  const page = { offset: 0, limit: 20 }
  const owner = Owner.make("customer-1")

  /** A test on keys of its own (the rebuild scans the whole prefix), deleted afterwards. */
  const it = (
    name: string,
    body: (prefix: string) => Effect.Effect<void, unknown, BookingRepository | RedisClient>,
  ) => {
    const prefix = testPrefix()
    EffectTest.effect(
      name,
      () => Effect.ensuring(body(prefix), Effect.promise(() => deletePrefix(url, prefix))),
      { layer: RedisBookingRepository.layerWith({ prefix }).pipe(Layer.provideMerge(store())), timeout: 30_000 },
    )
  }

  /**
   * Three bookings on one flight (the second cancelled, the first and last the owner's), held a few
   * ms apart; then the indexes deleted, as a store written before they were kept would have them.
   */
  const olderStore = (prefix: string) =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const redis = yield* RedisClient
      const keys = RedisBookingRepository.keysFor(prefix)
      const flight = seating()
      yield* repository.seed(flight)
      const held: Array<Booking> = []
      for (const index of [0, 1, 2]) {
        const request = yield* holdRequest(flight.flightId, [undefined], index === 1 ? {} : { owner })
        held.push((yield* repository.hold(request)).booking)
        yield* Effect.sleep("3 millis")
      }
      yield* repository.cancel(held[1]!.id, "customer", yield* DateTime.now, yield* cancelledEvent(held[1]!, "customer"))
      const ids = held.map((booking) => booking.id)
      yield* Effect.promise(() => redis.del(keys.bookings(flight.flightId), keys.owner(owner)))
      return { flight, ids, keys, redis, repository }
    })

  const rebuild = (prefix: string) => Effect.flatMap(RedisClient, (redis) => RedisIndexRebuild.run(redis, { prefix, batch: 2 }))

  it("bookings stored before the indexes appear in their flight's listing and their owner's trips, newest first", (prefix) =>
    Effect.gen(function* () {
      const { flight, ids, repository } = yield* olderStore(prefix)
      expect((yield* repository.ofFlight(flight.flightId, page)).items).toEqual([])
      const outcome = yield* rebuild(prefix)
      expect(outcome).toEqual({ skipped: false, documents: 3, flightEntries: 3, ownerEntries: 2, unreadable: 0 })
      const listed = yield* repository.ofFlight(flight.flightId, page)
      expect(listed.items.map((booking) => booking.id)).toEqual([...ids].reverse())
      expect(listed.items.map((booking) => booking.status)).toEqual(["pending", "cancelled", "pending"])
      expect((yield* repository.ownedBy(owner, page)).items.map((booking) => booking.id)).toEqual([ids[2]!, ids[0]!])
    }))

  it("a second run adds nothing and leaves the entries a running system wrote as they are", (prefix) =>
    Effect.gen(function* () {
      const { flight, ids, keys, redis } = yield* olderStore(prefix)
      // An entry the hold script would have written, with its own score: NX leaves it.
      yield* Effect.promise(() => redis.zadd(keys.bookings(flight.flightId), 42, ids[0]!))
      expect(yield* rebuild(prefix)).toMatchObject({ flightEntries: 2, ownerEntries: 2 })
      expect(yield* Effect.promise(() => redis.zscore(keys.bookings(flight.flightId), ids[0]!))).toBe("42")
      // Without the marker, as when two instances start together: the same writes again, nothing added.
      yield* Effect.promise(() => redis.del(keys.indexes))
      expect(yield* rebuild(prefix)).toEqual({ skipped: false, documents: 3, flightEntries: 0, ownerEntries: 0, unreadable: 0 })
      expect(yield* Effect.promise(() => redis.zcard(keys.bookings(flight.flightId)))).toBe(3)
    }))

  it("a booking document that does not decode is skipped, and the others are indexed", (prefix) =>
    Effect.gen(function* () {
      const { flight, ids, keys, redis, repository } = yield* olderStore(prefix)
      yield* Effect.promise(() => redis.set(keys.booking(flight.flightId, BookingId.make(Bun.randomUUIDv7())), "{not json"))
      yield* Effect.promise(() => redis.set(keys.booking(flight.flightId, BookingId.make(Bun.randomUUIDv7())), JSON.stringify({ id: "x" })))
      expect(yield* rebuild(prefix)).toMatchObject({ skipped: false, documents: 3, flightEntries: 3, unreadable: 2 })
      expect((yield* repository.ofFlight(flight.flightId, page)).items.map((booking) => booking.id)).toEqual([...ids].reverse())
      expect(yield* Effect.promise(() => redis.get(keys.indexes))).toBe(String(RedisIndexRebuild.version))
    }))

  it("once the marker holds the version, a later start scans nothing", (prefix) =>
    Effect.gen(function* () {
      yield* rebuild(prefix)
      const { flight, repository } = yield* olderStore(prefix)
      expect(yield* rebuild(prefix)).toMatchObject({ skipped: true, documents: 0 })
      expect((yield* repository.ofFlight(flight.flightId, page)).items).toEqual([])
    }))

  it("the service's store layer runs it at start", (prefix) =>
    Effect.gen(function* () {
      const { flight, ids, keys, redis, repository } = yield* olderStore(prefix)
      yield* Effect.scoped(Effect.gen(function* () {
        yield* Layer.build(RedisIndexRebuild.layerWith({ prefix }).pipe(Layer.provide(store())))
        for (let attempt = 0; attempt < 100 && (yield* Effect.promise(() => redis.get(keys.indexes))) === null; attempt++) {
          yield* Effect.sleep("50 millis")
        }
      }))
      expect(yield* Effect.promise(() => redis.get(keys.indexes))).toBe(String(RedisIndexRebuild.version))
      expect((yield* repository.ofFlight(flight.flightId, page)).items.map((booking) => booking.id)).toEqual([...ids].reverse())
    }))
})
