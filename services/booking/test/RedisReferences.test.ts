/**
 * References claimed ahead (`RedisReferences`) on a real Redis: a booking takes one its process
 * claimed as `reserved` with an expiry; the hold names the booking under it for good; one
 * claimed too long ago is not used; none claimed ahead, a booking claims its own.
 */
import { BookingId, type BookingReference } from "@flight/contracts"
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { afterAll, describe, expect, test } from "bun:test"
import { Effect, Option } from "effect"
import { Redis } from "ioredis"
import * as RedisBookingRepository from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisReferences from "../src/infrastructure/RedisReferences.ts"
import { randomReference } from "../src/domain/Booking.ts"
import { deletePrefix, holdRequest, seating, testPrefix } from "./support/Fixtures.ts"

RealServer.describeWith("REDIS_URL", "references claimed ahead", (url) => {
  const client = new Redis(url)
  const prefixes: Array<string> = []
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(url, prefix)
    client.disconnect()
  })

  /** A store under a prefix of its own, its references claimed ahead as `options` say. */
  const store = (options: RedisReferences.Options) =>
    Effect.gen(function* () {
      const prefix = testPrefix()
      prefixes.push(prefix)
      const { repository } = yield* RedisBookingRepository.make(client, { prefix, references: options })
      return { repository, keys: RedisBookingRepository.keysFor(prefix), prefix }
    })

  const newId = () => BookingId.make(Bun.randomUUIDv7())

  /** The references under the prefix still `reserved` (claimed ahead, unused). */
  const reservedCount = (prefix: string) =>
    Effect.promise(async () => {
      const names = await client.keys(`${prefix}:ref:*`)
      const values = names.length === 0 ? [] : await client.mget(names)
      return values.filter((value) => value === RedisReferences.reservedValue).length
    })

  const waitFor = (check: Effect.Effect<boolean>) =>
    Effect.gen(function* () {
      for (let attempt = 0; attempt < 100; attempt++) {
        if (yield* check) return
        yield* Effect.sleep("20 millis")
      }
      return yield* Effect.dieMessage("waited 2 s in vain")
    })

  EffectTest.effect("a booking takes a reference claimed ahead, which names no booking until the hold names its own for good", () =>
    Effect.gen(function* () {
      const { keys, prefix, repository } = yield* store({ batch: 8, lowWater: 2 })
      const flight = seating()
      yield* repository.seed(flight)
      // None claimed yet: the first booking claims its own, naming it at once, and a batch is claimed.
      const firstId = newId()
      const first = yield* repository.reserveReference(firstId)
      expect(yield* Effect.promise(() => client.get(keys.reference(first)))).toBe(firstId)
      yield* waitFor(Effect.map(reservedCount(prefix), (count) => count === 8))

      const id = newId()
      const reference: BookingReference = yield* repository.reserveReference(id)
      expect(yield* Effect.promise(() => client.get(keys.reference(reference)))).toBe(RedisReferences.reservedValue)
      const ttl = yield* Effect.promise(() => client.ttl(keys.reference(reference)))
      expect(ttl > 3000 && ttl <= 3600).toBe(true)
      expect(Option.isNone(yield* repository.findByReference(reference))).toBe(true)

      yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { id, reference }))
      expect(yield* Effect.promise(() => client.get(keys.reference(reference)))).toBe(id)
      expect(yield* Effect.promise(() => client.ttl(keys.reference(reference)))).toBe(-1)
      expect(Option.map(yield* repository.findByReference(reference), (booking) => booking.id)).toEqual(Option.some(id))
    }))

  EffectTest.effect("a hold that holds nothing frees the reference it took, claimed ahead or not", () =>
    Effect.gen(function* () {
      const { keys, prefix, repository } = yield* store({ batch: 4, lowWater: 1 })
      const flight = seating()
      yield* repository.seed(flight)
      yield* repository.hold(yield* holdRequest(flight.flightId, ["10A"]))
      const refusedWith = (id: BookingId, reference: BookingReference) =>
        Effect.gen(function* () {
          const refused = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, ["10A"], { id, reference })))
          expect(refused._tag).toBe("Left")
          expect(yield* Effect.promise(() => client.exists(keys.reference(reference)))).toBe(0)
        })
      // The first reservation claims its own (none claimed ahead yet), naming the booking at once.
      const firstId = newId()
      const own = yield* repository.reserveReference(firstId)
      expect(yield* Effect.promise(() => client.get(keys.reference(own)))).toBe(firstId)
      yield* refusedWith(firstId, own)
      yield* waitFor(Effect.map(reservedCount(prefix), (count) => count === 4))
      const id = newId()
      const ahead = yield* repository.reserveReference(id)
      expect(yield* Effect.promise(() => client.get(keys.reference(ahead)))).toBe(RedisReferences.reservedValue)
      yield* refusedWith(id, ahead)
    }))

  EffectTest.effect("a reference claimed longer ago than it is usable is passed over: the booking claims its own", () =>
    Effect.gen(function* () {
      const { keys, prefix, repository } = yield* store({ batch: 4, lowWater: 1, usableFor: "50 millis" })
      yield* repository.reserveReference(newId())
      yield* waitFor(Effect.map(reservedCount(prefix), (count) => count === 4))
      yield* Effect.sleep("80 millis")
      const id = newId()
      const reference = yield* repository.reserveReference(id)
      expect(yield* Effect.promise(() => client.get(keys.reference(reference)))).toBe(id)
    }))

  /** A draw from `few` references only, so that they run out and collide. */
  const drawingFrom = (few: ReadonlyArray<BookingReference>) => () => few[Math.floor(Math.random() * few.length)]!

  EffectTest.effect("a reference another booking has is never handed out, claimed ahead or not; once none is free, a reservation fails", () =>
    Effect.gen(function* () {
      const prefix = testPrefix()
      prefixes.push(prefix)
      const keys = RedisBookingRepository.keysFor(prefix)
      const few = Array.from({ length: 6 }, randomReference)
      const taken = few.slice(0, 4)
      for (const reference of taken) yield* Effect.promise(() => client.set(keys.reference(reference), `someone-${reference}`))
      const { repository } = yield* RedisBookingRepository.make(client, { prefix, references: { batch: 16, lowWater: 4, draw: drawingFrom(few) } })
      // A reservation may find both free ones claimed ahead by then, not yet in hand: it fails, and a later one takes them.
      const got: Array<BookingReference> = []
      for (let attempt = 0; attempt < 10; attempt++) {
        got.push(...Option.toArray(yield* Effect.option(repository.reserveReference(newId()))))
        yield* Effect.sleep("20 millis")
      }
      expect(got.toSorted()).toEqual(few.slice(4).toSorted())
      for (const reference of taken) expect(yield* Effect.promise(() => client.get(keys.reference(reference)))).toBe(`someone-${reference}`)
      const refused = yield* Effect.flip(repository.reserveReference(newId()))
      expect(refused.reason).toContain("no free reference")
    }))

  EffectTest.effect("processes claiming ahead on one store from a few references never hand out the same one", () =>
    Effect.gen(function* () {
      const prefix = testPrefix()
      prefixes.push(prefix)
      const few = Array.from({ length: 12 }, randomReference)
      const processes = yield* Effect.forEach([1, 2, 3], () =>
        Effect.map(RedisBookingRepository.make(client, { prefix, references: { batch: 4, lowWater: 2, draw: drawingFrom(few) } }), ({ repository }) => repository))
      const reserved = yield* Effect.forEach(
        Array.from({ length: 30 }, (_, index) => processes[index % 3]!),
        (repository) => Effect.option(repository.reserveReference(newId())).pipe(Effect.zipLeft(Effect.sleep("5 millis"))),
        { concurrency: 3 },
      )
      const handedOut = reserved.flatMap((reference) => Option.toArray(reference))
      expect(handedOut.length).toBeGreaterThan(0)
      expect(new Set(handedOut).size).toBe(handedOut.length)
    }))
})

describe("reference options", () => {
  test("a reference usable for half its expiry or more is refused at start", () => {
    expect(() => RedisReferences.make(new Redis({ lazyConnect: true }), RedisBookingRepository.keysFor("x"), { reservedFor: "1 minute", usableFor: "30 seconds" }))
      .toThrow("less than half its expiry")
  })
})
