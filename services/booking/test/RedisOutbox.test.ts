/**
 * Booking's outbox relay on a real Redis (decision 10): the flights' dirty marks, drained flights
 * left until their mark moves, entries given back, a dead relay's entries, many flights in one
 * claim, and takes that fail.
 */
import { StoredMessage } from "@flight/contracts"
import { Outbox } from "@flight/bus"
import { RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Duration, Effect, Either } from "effect"
import type { Redis } from "ioredis"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import * as RedisOutbox from "../src/infrastructure/RedisOutbox.ts"
import * as RedisOutboxScripts from "../src/infrastructure/RedisOutboxScripts.ts"
import { RedisClient } from "../src/infrastructure/RedisStore.ts"
import { cancelledEvent, holdRequest, seating } from "./support/Fixtures.ts"
import * as RedisStoreTests from "./support/RedisStoreTests.ts"

RealServer.describeWith("REDIS_URL", "booking's outbox on Redis", (url) => {
  const { drainFlight, it, keys, lease } = RedisStoreTests.make(url)

  /** A flight seeded once earlier tests' entries are drained: a claim's limit counts every flight's entries. */
  const flightOnEmptyOutbox = Effect.gen(function* () {
    const repository = yield* BookingRepository
    const outbox = yield* Outbox.Store
    yield* drainFlight("")
    const flight = seating()
    yield* repository.seed(flight)
    return { flight, outbox, repository }
  })

  it("a flight's outbox mark goes once a pass over every flight finds its stream empty, and comes back with its next write", () =>
    Effect.gen(function* () {
      const { flight, outbox, repository } = yield* flightOnEmptyOutbox
      const redis = yield* RedisClient
      yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      const marked = () => Effect.promise(() => redis.zscore(keys.dirty, flight.flightId))
      expect(yield* marked()).not.toBeNull()
      expect(yield* drainFlight(flight.flightId)).toHaveLength(1)
      // Every third of a lease (here 10 ms) a pass reads every marked flight: this one is empty now.
      yield* Effect.sleep("20 millis")
      expect(yield* outbox.claim({ owner: "test", limit: 1000, lease: Duration.millis(30) })).toHaveLength(0)
      expect(yield* marked()).toBeNull()
      yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      expect(yield* marked()).not.toBeNull()
      expect(yield* drainFlight(flight.flightId)).toHaveLength(1)
    }))

  it("a drained flight is not read again until its mark moves: an entry whose mark was lost waits for the pass over every flight", () =>
    Effect.gen(function* () {
      const { flight, outbox, repository } = yield* flightOnEmptyOutbox
      const redis = yield* RedisClient
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      expect(yield* drainFlight(flight.flightId)).toHaveLength(1)
      // Written as a writer whose marks after the write failed leaves it: the mark as the relay last read it.
      const score = yield* Effect.promise(() => redis.zscore(keys.dirty, flight.flightId))
      const event = yield* cancelledEvent(booking, "flight-cancelled")
      yield* repository.append(flight.flightId, [event])
      yield* Effect.promise(() => redis.zadd(keys.dirty, Number(score), flight.flightId))
      expect(yield* drainFlight(flight.flightId)).toHaveLength(0)
      yield* Effect.sleep("20 millis")
      const taken = yield* outbox.claim({ owner: "test", limit: 1000, lease: Duration.millis(30) })
      expect(taken.map((entry) => entry.id)).toEqual([event.message.id])
      yield* outbox.complete("test", [event.message.id])
    }))

  it("entries a relay gives back are read again at its next pass, though the flight's mark has not moved", () =>
    Effect.gen(function* () {
      const { flight, outbox, repository } = yield* flightOnEmptyOutbox
      for (let i = 0; i < 2; i++) yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      const taken = yield* outbox.claim({ owner: "test", limit: 1000, lease })
      expect(taken).toHaveLength(2)
      yield* outbox.complete("test", [taken[0]!.id])
      yield* outbox.release("test", [taken[1]!.id])
      const again = yield* outbox.claim({ owner: "test", limit: 1000, lease })
      expect(again.map((entry) => entry.id)).toEqual([taken[1]!.id])
      yield* outbox.complete("test", [taken[1]!.id])
    }))

  it("a relay takes what another left past its lease before new entries, never more than its limit in all", () =>
    Effect.gen(function* () {
      const { flight, outbox, repository } = yield* flightOnEmptyOutbox
      for (let i = 0; i < 3; i++) yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      // A relay takes the three and dies; three more are written after it.
      const left = yield* outbox.claim({ owner: "dead", limit: 1000, lease: Duration.millis(200) })
      expect(left).toHaveLength(3)
      for (let i = 0; i < 3; i++) yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      yield* Effect.sleep("300 millis")
      const first = yield* outbox.claim({ owner: "next", limit: 4, lease: Duration.millis(200) })
      expect(first.map((entry) => entry.id)).toEqual([...left.map((entry) => entry.id), first[3]!.id])
      const rest = yield* outbox.claim({ owner: "next", limit: 4, lease: Duration.millis(200) })
      expect(rest).toHaveLength(2)
      yield* outbox.complete("next", [...first, ...rest].map((entry) => entry.id))
    }))

  it("claims read many flights at once and never take more than their limit, in a backlog too; each flight's entries come in order, once", () =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const outbox = yield* Outbox.Store
      yield* drainFlight("")
      const flights = [seating(), seating(), seating()]
      const written = new Map<string, Array<string>>()
      for (const [index, flight] of flights.entries()) {
        yield* repository.seed(flight)
        for (let i = 0; i < [11, 13, 17][index]!; i++) {
          const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
          written.set(flight.flightId, [...(written.get(flight.flightId) ?? []), booking.id])
        }
      }
      const taken = new Map<string, Array<string>>()
      for (let pass = 0; pass < 10; pass++) {
        // The first claim fills its limit from every flight; the next ones are a backlog's.
        const entries = yield* outbox.claim({ owner: "next", limit: 8, lease })
        expect(entries.length).toBeLessThanOrEqual(8)
        for (const entry of entries) {
          const data = StoredMessage.decodeSync(entry.message).data as { readonly flightId: string; readonly bookingId: string }
          taken.set(data.flightId, [...(taken.get(data.flightId) ?? []), data.bookingId])
        }
        yield* outbox.complete("next", entries.map((entry) => entry.id))
      }
      expect(Object.fromEntries(taken)).toEqual(Object.fromEntries(written))
    }))

  it("entries given back go out before their flight's newer ones, however many flights a claim reads", () =>
    Effect.gen(function* () {
      const { flight, outbox, repository } = yield* flightOnEmptyOutbox
      const order: Array<string> = []
      for (let i = 0; i < 20; i++) order.push((yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking.id)
      const first = yield* outbox.claim({ owner: "relay", limit: 100, lease })
      expect(first).toHaveLength(20)
      // Five published, then the broker failed: the rest given back. Writes go on meanwhile.
      yield* outbox.complete("relay", first.slice(0, 5).map((entry) => entry.id))
      yield* outbox.release("relay", first.slice(5).map((entry) => entry.id))
      order.push((yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking.id)
      for (let other = 0; other < 8; other++) {
        const elsewhere = seating()
        yield* repository.seed(elsewhere)
        for (let i = 0; i < 11; i++) yield* repository.hold(yield* holdRequest(elsewhere.flightId, [undefined]))
      }
      const published: Array<number> = []
      for (let pass = 0; pass < 5; pass++) {
        const entries = yield* outbox.claim({ owner: "relay", limit: 100, lease })
        for (const entry of entries) {
          const data = StoredMessage.decodeSync(entry.message).data as { readonly flightId: string; readonly bookingId: string }
          if (data.flightId === flight.flightId) published.push(order.indexOf(data.bookingId))
        }
        yield* outbox.complete("relay", entries.map((entry) => entry.id))
      }
      expect(published).toEqual(Array.from({ length: 16 }, (_, index) => index + 5))
    }))

  /**
   * The store's client, with the outbox's takes failing as `fail` says: before Redis runs one, or
   * after (its answer lost); `first` runs before each take is sent.
   */
  const failingTakes = (client: Redis, fail: (take: number) => "before" | "after" | null, first: () => Promise<unknown> = () => Promise.resolve()) => {
    let takes = 0
    return new Proxy(client, {
      get: (target, property, receiver) => {
        if (property !== "evalsha") {
          const value = Reflect.get(target, property, receiver)
          return typeof value === "function" ? value.bind(target) : value
        }
        return async (sha: string, ...rest: Array<string | number>) => {
          const take = sha === RedisOutboxScripts.takeEntries.sha
          if (take) await first()
          const when = take ? fail(++takes) : null
          if (when === "before") throw new Error("ECONNRESET")
          const reply = await (target as unknown as { evalsha: (...args: Array<string | number>) => Promise<unknown> }).evalsha(sha, ...rest)
          if (when === "after") throw new Error("ECONNRESET")
          return reply
        }
      },
    })
  }

  it("a write's mark between the relay's read of the marks and its take keeps an empty flight marked", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* flightOnEmptyOutbox
      const redis = yield* RedisClient
      yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      expect(yield* drainFlight(flight.flightId)).toHaveLength(1)
      // A writer marks the flight just as the take is sent (its entry not yet written).
      const outbox = RedisOutbox.make(failingTakes(redis, () => null, () => redis.zincrby(keys.dirty, 1, flight.flightId)), keys, Effect.never)
      const before = Number(yield* Effect.promise(() => redis.zscore(keys.dirty, flight.flightId)))
      expect(yield* outbox.claim({ owner: "relay", limit: 1000, lease })).toHaveLength(0)
      expect(Number(yield* Effect.promise(() => redis.zscore(keys.dirty, flight.flightId)))).toBe(before + 1)
    }))

  const bookingIdsOf = (entries: ReadonlyArray<Outbox.OutboxEntry>, flightId: string) =>
    entries.flatMap((entry) => {
      const data = StoredMessage.decodeSync(entry.message).data as { readonly flightId: string; readonly bookingId: string }
      return data.flightId === flightId ? [data.bookingId] : []
    })

  it("a claim whose later round fails publishes what its earlier rounds took", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* flightOnEmptyOutbox
      const other = seating()
      yield* repository.seed(other)
      const written: Array<string> = []
      for (let i = 0; i < 5; i++) written.push((yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking.id)
      yield* repository.hold(yield* holdRequest(other.flightId, [undefined]))
      const outbox = RedisOutbox.make(failingTakes(yield* RedisClient, (take) => (take === 2 ? "before" : null)), keys, Effect.never)
      // Two flights share a limit of 4: two entries each, then a second round for the flight with more.
      const first = yield* outbox.claim({ owner: "relay", limit: 4, lease })
      expect(bookingIdsOf(first, flight.flightId)).toEqual(written.slice(0, 2))
      expect(first).toHaveLength(3)
      yield* outbox.complete("relay", first.map((entry) => entry.id))
    }))

  it("after a take whose answer was lost, its flight waits a lease, then goes out in order, what that take took first", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* flightOnEmptyOutbox
      const written: Array<string> = []
      const write = Effect.gen(function* () {
        written.push((yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking.id)
      })
      for (let i = 0; i < 3; i++) yield* write
      const outbox = RedisOutbox.make(failingTakes(yield* RedisClient, (take) => (take === 1 ? "after" : null)), keys, Effect.never)
      const short = Duration.millis(300)
      expect(Either.isLeft(yield* Effect.either(outbox.claim({ owner: "relay", limit: 10, lease: short })))).toBe(true)
      for (let i = 0; i < 2; i++) yield* write
      const published: Array<string> = []
      for (let pass = 0; pass < 8; pass++) {
        const entries = yield* outbox.claim({ owner: "relay", limit: 10, lease: short })
        published.push(...bookingIdsOf(entries, flight.flightId))
        yield* outbox.complete("relay", entries.map((entry) => entry.id))
        yield* Effect.sleep("100 millis")
      }
      expect(published).toEqual(written)
    }))
})
