import { Outbox } from "@flight/bus"
import { BookingId, StoredMessage } from "@flight/contracts"
import { OutboxLeases } from "@flight/bus/testing"
import { RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Context, DateTime, Effect, Either, Layer, Option, Redacted } from "effect"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import * as RedisBookingRepository from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisScripts from "../src/infrastructure/RedisScripts.ts"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import { RedisClient } from "../src/infrastructure/RedisStore.ts"
import { contract } from "./BookingRepository.contract.ts"
import { commandsIdempotencyContract } from "./BookingCommandsIdempotency.contract.ts"
import { holdLimitContract } from "./HoldLimit.contract.ts"
import { cancelledEvent, confirmedEvent, deletePrefix, holdRequest, paymentId, seating, testPrefix } from "./support/Fixtures.ts"
import * as RedisCommands from "./support/RedisCommands.ts"
import * as RedisStoreTests from "./support/RedisStoreTests.ts"

RealServer.describeWith("REDIS_URL", "Redis booking repository", (url) => {
  const { drainFlight, it, keys, layer, prefix } = RedisStoreTests.make(url)
  contract("Redis", layer)
  holdLimitContract("Redis", layer)
  commandsIdempotencyContract("Redis", (options) =>
    RedisBookingRepository.layerWith({ prefix, ...options }).pipe(Layer.provideMerge(RedisStore.layer(Redacted.make(new URL(url))))))

  // A prefix of its own per test, since the relays there take whatever the outbox holds.
  OutboxLeases.leases("Redis booking streams", () =>
    Effect.gen(function* () {
      const prefix = testPrefix()
      yield* Effect.addFinalizer(() => Effect.promise(() => deletePrefix(url, prefix)))
      const built = yield* Layer.build(RedisBookingRepository.layerWith({ prefix }).pipe(
        Layer.provideMerge(RedisStore.layer(Redacted.make(new URL(url)))),
      ))
      const repository = Context.get(built, BookingRepository)
      return {
        store: Context.get(built, Outbox.Store),
        write: (count: number) =>
          Effect.gen(function* () {
            const flight = seating()
            yield* repository.seed(flight)
            for (let index = 0; index < count; index++) yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
          }),
      }
    }))

  it("a hold that fails leaves no name behind: no booking -> flight entry, no reference, no expiry entry", () =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const redis = yield* RedisClient
      const flight = seating()
      yield* repository.seed(flight)
      yield* repository.hold(yield* holdRequest(flight.flightId, ["10A"]))
      const id = BookingId.make(Bun.randomUUIDv7())
      const request = yield* holdRequest(flight.flightId, ["10A"], { id, reference: yield* repository.reserveReference(id) })
      expect(Either.isLeft(yield* Effect.either(repository.hold(request)))).toBe(true)
      expect(yield* Effect.promise(() => redis.exists(keys.where(request.id), keys.reference(request.reference)))).toBe(0)
      expect(yield* Effect.promise(() => redis.zscore(keys.expiring, `${flight.flightId}/${request.id}`))).toBeNull()
    }))

  /** The store on a client that sends every script as if Redis had lost it (restarted, flushed). */
  const forgetfulRepository = Effect.gen(function* () {
    const client = yield* RedisClient
    const built = yield* Layer.build(RedisBookingRepository.layerWith({ prefix }).pipe(
      Layer.provide(Layer.succeed(RedisClient, RedisCommands.forgetful(client))),
    ))
    return Context.get(built, BookingRepository)
  })

  /** A seeded flight, and what Redis applies from now on (`RedisCommands.recorder`). */
  const seededAndRecorded = Effect.gen(function* () {
    const commands = yield* RedisCommands.recorder(url, prefix)
    const flight = seating()
    yield* (yield* BookingRepository).seed(flight)
    /** The flight's marks and the scripts among the commands Redis applied while `effect` ran, in their order. */
    const marksAndScripts = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        const before = (yield* commands.applied).length
        const result = yield* effect
        const names = (yield* commands.applied).slice(before).flatMap(([name, ...args]) =>
          (name === "zincrby" && args[0] === keys.dirty && args[2] === flight.flightId) || name === "evalsha" || name === "eval" ? [name!] : []
        )
        return [result, names] as const
      })
    return { flight, marksAndScripts }
  })

  it("a hold marks its flight before and after its script; on a Redis that lost the script, once more after it was sent in full", () =>
    Effect.scoped(Effect.gen(function* () {
      const repository = yield* BookingRepository
      const redis = yield* RedisClient
      const { flight, marksAndScripts } = yield* seededAndRecorded
      // Redis has the hold script: a hold now is the one that counts.
      yield* repository.hold(yield* holdRequest(flight.flightId, ["12A"]))
      const [, held] = yield* marksAndScripts(Effect.flatMap(holdRequest(flight.flightId, ["12B"]), repository.hold))
      expect(held).toEqual(["zincrby", "evalsha", "zincrby"])

      const forgetful = yield* forgetfulRepository
      const request = yield* holdRequest(flight.flightId, ["10A"])
      const [{ booking }, lost] = yield* marksAndScripts(forgetful.hold(request))
      // The mark sent behind the first try came before the script sent in full: the flight is
      // marked again, so the relay is sure to read it after its entry was written.
      expect(lost).toEqual(["zincrby", "evalsha", "zincrby", "eval", "zincrby"])
      expect(booking.passengers.map((passenger) => String(passenger.seat))).toEqual(["10A"])
      expect(Option.map(yield* repository.get(request.id), (held) => held.status)).toEqual(Option.some("pending"))
      expect(yield* Effect.promise(() => redis.get(keys.where(request.id)))).toBe(flight.flightId)
      expect(yield* Effect.promise(() => redis.get(keys.reference(request.reference)))).toBe(request.id)
      expect(yield* Effect.promise(() => redis.xlen(keys.outbox(flight.flightId)))).toBe(3)
    })))

  it("holds asked at once are each answered their own, on a Redis that has the script or has lost it", () =>
    Effect.scoped(Effect.gen(function* () {
      const redis = yield* RedisClient
      for (const repository of [yield* forgetfulRepository, yield* BookingRepository]) {
        const flight = seating()
        yield* repository.seed(flight)
        const seats = ["10A", "10B", "10C", "11A", "11B", "11C"] as const
        // Each seat asked for twice in the same turn: one of the two holds it, the other is refused.
        const requests = yield* Effect.forEach([...seats, ...seats], (seat) => holdRequest(flight.flightId, [seat]))
        const outcomes = yield* Effect.forEach(requests, (request) => Effect.either(repository.hold(request)), { concurrency: "unbounded" })
        const held = outcomes.flatMap((outcome, index) => Either.isRight(outcome) ? [[requests[index]!.id, outcome.right.booking]] as const : [])
        expect(held.map(([id, booking]) => booking.id === id)).toEqual(seats.map(() => true))
        expect(held.map(([, booking]) => String(booking.passengers[0]!.seat)).toSorted()).toEqual([...seats])
        const refused = outcomes.flatMap((outcome) => Either.isLeft(outcome) ? [outcome.left] : [])
        expect(refused.map((error) => error._tag)).toEqual(seats.map(() => "SeatsUnavailable"))
        expect(yield* Effect.promise(() => redis.xlen(keys.outbox(flight.flightId)))).toBe(seats.length)
      }
    })))

  it("a confirm and a cancel mark their flight before and after their script; on a Redis that lost it, once more after it was sent in full", () =>
    Effect.scoped(Effect.gen(function* () {
      const repository = yield* BookingRepository
      const redis = yield* RedisClient
      const { flight, marksAndScripts } = yield* seededAndRecorded
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, ["10A"]))
      const { booking: other } = yield* repository.hold(yield* holdRequest(flight.flightId, ["10B"]))
      const payment = paymentId()
      // Redis has the confirm script: the confirm now is the one that counts.
      yield* Effect.promise(() => redis.script("LOAD", RedisScripts.confirm.lua))
      const confirmed = yield* confirmedEvent(booking, payment)
      const [, confirming] = yield* marksAndScripts(repository.confirm(booking, payment, yield* DateTime.now, confirmed))
      expect(confirming).toEqual(["zincrby", "evalsha", "zincrby"])
      const forgetful = yield* forgetfulRepository
      const cancelled = yield* cancelledEvent(other, "customer")
      const [, lost] = yield* marksAndScripts(forgetful.cancel(other.id, "customer", yield* DateTime.now, cancelled))
      expect(lost).toEqual(["zincrby", "evalsha", "zincrby", "eval", "zincrby"])
      expect(yield* Effect.promise(() => redis.xlen(keys.outbox(flight.flightId)))).toBe(4)
    })))

  it("an outbox entry no build can read is moved aside with its reason, and the flight's later events go out", () =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const redis = yield* RedisClient
      const flight = seating()
      yield* repository.seed(flight)
      yield* Effect.promise(() => redis.xadd(keys.outbox(flight.flightId), "*", "id", "x", "body", "{not json", "traceparent", ""))
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      const published = yield* drainFlight(flight.flightId)
      expect(published.map((entry) => entry.message.type)).toEqual(["booking.created"])
      expect(StoredMessage.decodeSync(published[0]!.message).data).toMatchObject({ bookingId: booking.id })
      const dead = yield* Effect.promise(() => redis.xrange(keys.deadOutbox(flight.flightId), "-", "+"))
      expect(dead).toHaveLength(1)
      expect(yield* Effect.promise(() => redis.xlen(keys.outbox(flight.flightId)))).toBe(0)
    }))

  it("a flight whose stream lost its consumer group gets it back, and holds no other flight's events", () =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const redis = yield* RedisClient
      const [a, b] = [seating(), seating()]
      yield* repository.seed(a)
      yield* repository.seed(b)
      yield* repository.hold(yield* holdRequest(a.flightId, [undefined]))
      yield* drainFlight(a.flightId)
      yield* Effect.promise(() => redis.del(keys.outbox(a.flightId)))
      const holdA = yield* repository.hold(yield* holdRequest(a.flightId, [undefined]))
      const holdB = yield* repository.hold(yield* holdRequest(b.flightId, [undefined]))
      const ofB = (yield* drainFlight(b.flightId)).map((entry) => (StoredMessage.decodeSync(entry.message).data as { bookingId: string }).bookingId)
      expect(ofB).toEqual([holdB.booking.id])
      let recovered: ReadonlyArray<string> = []
      for (let pass = 0; pass < 5 && recovered.length === 0; pass++) {
        recovered = (yield* drainFlight(a.flightId)).map((entry) => (StoredMessage.decodeSync(entry.message).data as { bookingId: string }).bookingId)
      }
      expect(recovered).toEqual([holdA.booking.id])
    }))

  it("an event appended twice under one id (a redelivered cause) is completed in both places", () =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const redis = yield* RedisClient
      const flight = seating()
      yield* repository.seed(flight)
      const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      yield* drainFlight(flight.flightId)
      const event = yield* cancelledEvent(booking, "flight-cancelled")
      yield* repository.append(flight.flightId, [event])
      yield* repository.append(flight.flightId, [event])
      const entries = yield* drainFlight(flight.flightId)
      expect(entries.map((entry) => entry.id)).toEqual([event.message.id, event.message.id])
      expect(yield* Effect.promise(() => redis.xlen(keys.outbox(flight.flightId)))).toBe(0)
    }))
})
