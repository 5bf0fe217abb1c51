/**
 * The holding limit (DESIGN §10) as every adapter of BookingRepository keeps it, checked in the same
 * step as the hold: the in-memory one always, the Redis one against a real server. Each test counts
 * against holders of its own, so a shared Redis holds nothing that counts against them.
 */
import type { Outbox } from "@flight/bus"
import type { BookingId } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { DateTime, Duration, Effect, Either, Option } from "effect"
import { BookingRepository, type HoldRequest } from "../src/domain/BookingRepository.ts"
import { drain, type RepositoryLayer } from "./BookingRepository.contract.ts"
import { cancelledEvent, confirmedEvent, holdRequest, paymentId, seating } from "./support/Fixtures.ts"

/** Holders no other test uses: an email, an address and an account. */
const someone = () => {
  const unique = Bun.randomUUIDv7()
  return { email: `email:${unique}@example.com`, address: `address:${unique}`, owner: `owner:${unique}` }
}

/** `count` passengers choosing no seat. */
const party = (count: number) => Array.from({ length: count }, () => undefined)

export const holdLimitContract = (name: string, layer: () => RepositoryLayer) => {
  const it = (title: string, body: () => Effect.Effect<void, unknown, BookingRepository | Outbox.Store>) =>
    EffectTest.effect(title, () => body(), { layer: layer(), timeout: 30_000 })

  const seeded = Effect.gen(function* () {
    const repository = yield* BookingRepository
    const flight = seating()
    yield* repository.seed(flight)
    /** Holds `seats` seats for `holders`, for `ttl` (15 minutes unless given). */
    const hold = (seats: number, holders: ReadonlyArray<string>, options: { readonly ttl?: Duration.DurationInput; readonly id?: BookingId } = {}) =>
      Effect.flatMap(holdRequest(flight.flightId, party(seats), { holders, ...options }), (request) => repository.hold(request))
    const refusal = (seats: number, holders: ReadonlyArray<string>) =>
      Effect.flatMap(Effect.either(hold(seats, holders)), (result) =>
        Either.isLeft(result) && result.left._tag === "HoldLimitReached"
          ? Effect.succeed(result.left)
          : Effect.dieMessage(`expected HoldLimitReached, got ${Either.isLeft(result) ? result.left._tag : "a hold"}`))
    const held = Effect.map(repository.seatMap(flight.flightId, "economy"), (map) => map.filter((seat) => seat.state === "held").length)
    return { repository, flight, hold, refusal, held }
  })

  describe(`holding limit: ${name}`, () => {
    it("while a holder holds 9 seats, a 10th is refused: nothing held, nothing published, retry when the first hold runs out", () =>
      Effect.gen(function* () {
        const { flight, held, hold, refusal } = yield* seeded
        const { email } = someone()
        const first = yield* hold(4, [email], { ttl: "10 minutes" })
        yield* hold(5, [email], { ttl: "20 minutes" })
        yield* drain(flight.flightId)
        const refused = yield* refusal(1, [email])
        expect([refused.limit, refused.held]).toEqual([9, 9])
        const untilFirst = DateTime.distance(yield* DateTime.now, first.booking.holdExpiresAt)
        expect(refused.retryAfterMillis).toBeLessThanOrEqual(Duration.toMillis("10 minutes"))
        expect(refused.retryAfterMillis).toBeGreaterThanOrEqual(untilFirst - 1_000)
        expect(yield* held).toBe(9)
        expect(yield* drain(flight.flightId)).toEqual([])
      }))

    it("a party that fits only once several holds run out is told to retry when enough have", () =>
      Effect.gen(function* () {
        const { hold, refusal } = yield* seeded
        const { email } = someone()
        yield* hold(4, [email], { ttl: "10 minutes" })
        yield* hold(5, [email], { ttl: "20 minutes" })
        const four = yield* refusal(4, [email])
        const five = yield* refusal(5, [email])
        expect(four.retryAfterMillis).toBeLessThanOrEqual(Duration.toMillis("10 minutes"))
        expect(four.retryAfterMillis).toBeGreaterThan(Duration.toMillis("9 minutes"))
        expect(five.retryAfterMillis).toBeLessThanOrEqual(Duration.toMillis("20 minutes"))
        expect(five.retryAfterMillis).toBeGreaterThan(Duration.toMillis("19 minutes"))
      }))

    it("a hold that runs out frees its seats from the budget, without a sweep", () =>
      Effect.gen(function* () {
        const { hold, refusal } = yield* seeded
        const { email } = someone()
        yield* hold(8, [email])
        yield* hold(1, [email], { ttl: "1 millis" })
        yield* Effect.sleep("10 millis")
        yield* hold(1, [email])
        yield* refusal(1, [email])
      }))

    it("a paid hold and a cancelled one free their seats from the budget at once", () =>
      Effect.gen(function* () {
        const { hold, refusal, repository } = yield* seeded
        const { email } = someone()
        const paid = (yield* hold(3, [email])).booking
        const cancelled = (yield* hold(3, [email])).booking
        yield* hold(3, [email])
        yield* refusal(1, [email])
        const payment = paymentId()
        yield* repository.confirm(paid, payment, yield* DateTime.now, yield* confirmedEvent(paid, payment))
        yield* hold(3, [email])
        yield* refusal(1, [email])
        yield* repository.cancel(cancelled.id, "customer", yield* DateTime.now, yield* cancelledEvent(cancelled, "customer"))
        yield* hold(3, [email])
        yield* refusal(1, [email])
        // A paid booking cancelled later gives nothing back twice.
        yield* repository.cancel(paid.id, "customer", yield* DateTime.now, yield* cancelledEvent(paid, "customer"))
        yield* refusal(1, [email])
      }))

    it("an expired hold frees its seats from the budget", () =>
      Effect.gen(function* () {
        const { hold, refusal, repository } = yield* seeded
        const { email } = someone()
        const short = (yield* hold(2, [email], { ttl: "100 millis" })).booking
        yield* hold(7, [email])
        yield* refusal(1, [email])
        yield* Effect.sleep("150 millis")
        const expired = yield* repository.expire(short.id, yield* DateTime.now, yield* cancelledEvent(short, "expired"))
        expect(Option.isSome(expired)).toBe(true)
        yield* hold(2, [email])
        yield* refusal(1, [email])
      }))

    it("each holder counts on its own: the seats count against every holder of the booking, and nobody else", () =>
      Effect.gen(function* () {
        const { hold, refusal } = yield* seeded
        const [a, b, c] = [someone(), someone(), someone()]
        yield* hold(9, [a.owner, a.email, a.address])
        // Another holder on every count has a budget of its own.
        yield* hold(9, [b.owner, b.email, b.address])
        // Sharing any one holder with a full one is refused: the address, the email, the account.
        for (const shared of [[c.owner, c.email, a.address], [c.owner, a.email, c.address], [a.owner, c.email, c.address]]) {
          yield* refusal(1, shared)
        }
        // On its own, the third has room (the flight has 6 seats left).
        yield* hold(6, [c.owner, c.email, c.address])
      }))

    it("a hold of a booking id held before (a creation retried under its key) answers it even when its holder is full", () =>
      Effect.gen(function* () {
        const { hold } = yield* seeded
        const { email } = someone()
        const first = yield* hold(1, [email])
        yield* hold(8, [email])
        const again = yield* hold(1, [email], { id: first.booking.id })
        expect([again.replayed, again.booking.id]).toEqual([true, first.booking.id])
      }))

    it("a party larger than the limit is refused even when nothing is held, with no time to wait that would help", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded
        const { email } = someone()
        const request = yield* holdRequest(flight.flightId, party(3), { holders: [email], maxHeldSeats: 2 })
        const refused = yield* Effect.either(repository.hold(request))
        expect(Either.isLeft(refused) && [refused.left._tag, refused.left._tag === "HoldLimitReached" && refused.left.held])
          .toEqual(["HoldLimitReached", 0])
      }))

    it("of 20 concurrent one-seat holds by one holder, exactly 9 succeed and 11 are refused", () =>
      Effect.gen(function* () {
        const { flight, held, repository } = yield* seeded
        const { email } = someone()
        const requests: ReadonlyArray<HoldRequest> = yield* Effect.forEach(
          Array.from({ length: 20 }),
          () => holdRequest(flight.flightId, [undefined], { holders: [email, someone().address] }),
        )
        const results = yield* Effect.forEach(requests, (request) => Effect.either(repository.hold(request)), { concurrency: "unbounded" })
        const won: Array<BookingId> = results.flatMap((result) => Either.isRight(result) ? [result.right.booking.id] : [])
        expect(won).toHaveLength(9)
        expect(results.filter((result) => Either.isLeft(result) && result.left._tag === "HoldLimitReached")).toHaveLength(11)
        expect(yield* held).toBe(9)
      }))
  })
}
