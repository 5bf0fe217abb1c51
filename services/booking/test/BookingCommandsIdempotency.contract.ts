/**
 * Creating a booking under an Idempotency-Key (decision 24), on every adapter of the store: the
 * in-memory one always, the Redis one against a real server. One booking per key and request,
 * whatever crashed or ran at the same time: the key's claim names the booking id, and a booking id
 * is held once.
 */
import type { Outbox } from "@flight/bus"
import type { Idempotent } from "@flight/runtime"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Duration, Effect, Either, Fiber, Layer, Option } from "effect"
import { BookingCommands, type CreateBooking, HoldTtl, MaxHeldSeats } from "../src/application/BookingCommands.ts"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import { holdRequest, seating } from "./support/Fixtures.ts"
import type { RepositoryLayer } from "./support/RepositoryContract.ts"

/** How long a claim waits for its request here: short, so a crashed claim runs out within a test. */
const claimFor = Duration.millis(300)

/** Past a claim's window. */
const crashedLongAgo = Effect.sleep(Duration.sum(claimFor, Duration.millis(100)))

type Services = BookingCommands | BookingRepository | Outbox.Store

/**
 * A flight (on sale unless `onSale` is false: then `seed` puts it on sale), a creation of two
 * passengers on it by a client of its own, and a key for it.
 */
const prepared = (onSale = true) =>
  Effect.gen(function* () {
    const repository = yield* BookingRepository
    const commands = yield* BookingCommands
    const flight = seating()
    const seed = repository.seed(flight)
    if (onSale) yield* seed
    const passengers = 2
    const creation: CreateBooking = {
      flightId: flight.flightId,
      cabin: "economy",
      passengers: Array.from({ length: passengers }, (_, index) => ({ firstName: `Passenger${index}`, lastName: "Lovelace" })),
      // Of its own: on a shared Redis, no other test's holds count against it.
      contact: { email: `ada.${Bun.randomUUIDv7()}@example.com` },
    }
    const request: Idempotent.Request = { key: `key-${Bun.randomUUIDv7()}`, fingerprint: `create-${Bun.randomUUIDv7()}` }
    const create = (under: Idempotent.Request = request) => commands.create(creation, Option.some(under))
    /** The bookings on the flight, and its seats held. */
    const onFlight = Effect.all({
      bookings: Effect.map(repository.activeOnFlight(flight.flightId), (bookings) => bookings.map((booking) => booking.id)),
      held: Effect.map(repository.seatMap(flight.flightId, "economy"), (map) => map.filter((seat) => seat.state === "held").length),
    })
    /** What a process that claimed the key and then died leaves: the claim, and the hold when `held`. */
    const crashed = (held: boolean) =>
      Effect.gen(function* () {
        const claim = yield* repository.idempotency.claim(request)
        if (claim._tag !== "Fresh") return yield* Effect.dieMessage(`expected a fresh claim, got ${claim._tag}`)
        if (held) yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: passengers }, () => undefined), { id: claim.claimed }))
        return claim.claimed
      })
    return { repository, flight, request, create, onFlight, crashed, seed }
  })

export const commandsIdempotencyContract = (name: string, store: (options: { readonly claimFor: Duration.Duration }) => RepositoryLayer) =>
  describe(`BookingCommands.create under an Idempotency-Key: ${name}`, () => {
    const layer = () =>
      Layer.provideMerge(
        BookingCommands.Default,
        Layer.mergeAll(store({ claimFor }), Layer.succeed(HoldTtl, Duration.minutes(15)), Layer.succeed(MaxHeldSeats, 9)),
      )
    const it = (title: string, body: () => Effect.Effect<void, unknown, Services>) =>
      EffectTest.effect(title, body, { layer: layer(), timeout: 30_000 })

    it("the same request twice holds one booking; the second answers it, replayed", () =>
      Effect.gen(function* () {
        const { create, onFlight } = yield* prepared()
        const first = yield* create()
        const again = yield* create()
        expect(first.replayed).toBe(false)
        expect([again.replayed, again.booking.id]).toEqual([true, first.booking.id])
        expect(yield* onFlight).toEqual({ bookings: [first.booking.id], held: 2 })
      }))

    it("another request under the key is refused with IdempotencyKeyReused, and holds nothing", () =>
      Effect.gen(function* () {
        const { create, onFlight, request } = yield* prepared()
        const first = yield* create()
        const other = yield* Effect.either(create({ ...request, fingerprint: "another request" }))
        expect(Either.isLeft(other) && other.left._tag === "IdempotencyKeyReused" && other.left.key).toBe(request.key)
        expect(yield* onFlight).toEqual({ bookings: [first.booking.id], held: 2 })
      }))

    it("a claim left by a crash after its hold: once it runs out, the request sent again answers the booking held, holding its seats once", () =>
      Effect.gen(function* () {
        const { crashed, create, onFlight } = yield* prepared()
        const id = yield* crashed(true)
        yield* crashedLongAgo
        const retry = yield* create()
        expect([retry.booking.id, retry.replayed]).toEqual([id, true])
        expect(yield* onFlight).toEqual({ bookings: [id], held: 2 })
        // Recorded now: answered from the key.
        expect((yield* create()).booking.id).toBe(id)
      }))

    it("a claim left by a crash before its hold: once it runs out, the request sent again holds, once, under the id claimed", () =>
      Effect.gen(function* () {
        const { crashed, create, onFlight } = yield* prepared()
        const id = yield* crashed(false)
        yield* crashedLongAgo
        const retry = yield* create()
        expect([retry.booking.id, retry.replayed]).toEqual([id, false])
        expect(yield* onFlight).toEqual({ bookings: [id], held: 2 })
        const again = yield* create()
        expect([again.booking.id, again.replayed]).toEqual([id, true])
      }))

    it("the same request while the first runs waits for it and answers its booking, holding nothing itself", () =>
      Effect.gen(function* () {
        const { crashed, create, flight, onFlight, repository, request } = yield* prepared()
        // The first request: claimed, not done yet.
        const id = yield* crashed(false)
        const second = yield* Effect.fork(create())
        yield* Effect.sleep("100 millis")
        expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
        // The first holds and records its booking.
        const held = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined, undefined], { id }))
        yield* repository.idempotency.record(request, held.booking)
        const answer = yield* Fiber.join(second)
        expect([answer.booking.id, answer.replayed]).toEqual([id, true])
        expect(yield* onFlight).toEqual({ bookings: [id], held: 2 })
      }))

    it("a request that fails frees its key: sent again once it can succeed, it holds", () =>
      Effect.gen(function* () {
        const { create, onFlight, seed } = yield* prepared(false)
        const failed = yield* Effect.either(create())
        expect(Either.isLeft(failed) && failed.left._tag).toBe("FlightNotFound")
        yield* seed
        const retry = yield* create()
        expect(retry.replayed).toBe(false)
        expect(yield* onFlight).toEqual({ bookings: [retry.booking.id], held: 2 })
      }))

    it("a request that failed after its hold (its answer lost) leaves the key to its retry, which answers the booking held at once", () =>
      Effect.gen(function* () {
        const { crashed, create, onFlight, repository, request } = yield* prepared()
        const id = yield* crashed(true)
        // What the combinator does when the request fails.
        yield* repository.idempotency.release(request)
        const retry = yield* create()
        expect([retry.booking.id, retry.replayed]).toEqual([id, true])
        expect(yield* onFlight).toEqual({ bookings: [id], held: 2 })
      }))
  })
