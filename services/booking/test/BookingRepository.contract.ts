/**
 * The contract every adapter of BookingRepository (with its outbox) passes: the in-memory one always,
 * the Redis one against a real server.
 */
import { Outbox } from "@flight/bus"
import type { MessageOf } from "@flight/contracts"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { DateTime, Duration, Effect, Either, type Layer, Option } from "effect"
import { type Booking, Owner } from "../src/domain/Booking.ts"
import { BookingRepository } from "../src/domain/BookingRepository.ts"
import { cancelledEvent, confirmedEvent, holdRequest, paymentId, seating } from "./support/Fixtures.ts"

export type RepositoryLayer = Layer.Layer<BookingRepository | Outbox.Store, unknown>

const lease = Duration.seconds(30)

/** Everything in the outbox now, claimed and completed, of one flight. */
export const drain = (flightId: string) =>
  Effect.gen(function* () {
    const outbox = yield* Outbox.Store
    const all: Array<Outbox.OutboxEntry> = []
    for (let pass = 0; pass < 20; pass++) {
      const entries = yield* outbox.claim({ owner: "test", limit: 500, lease })
      yield* outbox.complete("test", entries.map((entry) => entry.id))
      all.push(...entries)
      if (entries.length === 0) break
    }
    return all.filter((entry) => "flightId" in entry.message.data && entry.message.data.flightId === flightId)
  })

export const contract = (name: string, layer: () => RepositoryLayer) => {
  const it = (title: string, body: () => Effect.Effect<void, unknown, BookingRepository | Outbox.Store>) =>
    EffectTest.effect(title, () => body(), { layer: layer(), timeout: 30_000 })

  const seeded = (overrides?: Parameters<typeof seating>[0]) =>
    Effect.gen(function* () {
      const repository = yield* BookingRepository
      const flight = seating(overrides)
      expect(yield* repository.seed(flight)).toBe(true)
      return { repository, flight }
    })

  const states = (flightId: Parameters<BookingRepository["Type"]["seatMap"]>[0]) =>
    Effect.gen(function* () {
      const map = yield* (yield* BookingRepository).seatMap(flightId, "economy")
      const count = (state: string) => map.filter((seat) => seat.state === state).length
      return { map, free: count("free"), held: count("held"), sold: count("sold") }
    })

  describe(`BookingRepository contract: ${name}`, () => {
    it("a flight is seeded once: a redelivered flight.scheduled changes nothing", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        expect(yield* repository.seed(flight)).toBe(false)
        const read = Option.getOrThrow(yield* repository.seating(flight.flightId))
        expect(read.flightNumber).toBe(flight.flightNumber)
        expect((yield* states(flight.flightId)).free).toBe(24)
      }))

    it("a hold takes adjacent seats in one row, writes the booking with its total, and its filled-in booking.created", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const request = yield* holdRequest(flight.flightId, [undefined, undefined, undefined])
        const { booking, replayed } = yield* repository.hold(request)
        expect(replayed).toBe(false)
        expect(booking.passengers.map((passenger) => String(passenger.seat))).toEqual(["10A", "10B", "10C"])
        expect(booking.total).toEqual({ amount: 135000, currency: "GBP" })
        expect(booking.status).toBe("pending")
        expect(Option.getOrThrow(yield* repository.get(booking.id)).reference).toBe(request.reference)
        const { free, held } = yield* states(flight.flightId)
        expect([free, held]).toEqual([21, 3])
        const [entry] = yield* drain(flight.flightId)
        const created = entry!.message as MessageOf<"booking.created">
        expect(created.type).toBe("booking.created")
        expect(created.id).toBe(request.event.message.id)
        expect(created.data.seats.map(String)).toEqual(["10A", "10B", "10C"])
        expect(created.data.passengers.map((passenger) => String(passenger.seat))).toEqual(["10A", "10B", "10C"])
        expect(created.data.total).toEqual({ amount: 135000, currency: "GBP" })
        expect(entry!.traceparent).toBe(request.event.traceparent)
      }))

    it("a booking keeps its owner through confirm and cancel; a guest's booking has none", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const owned = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { owner: "customer-a" }))).booking
        const guest = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
        expect([owned.owner, guest.owner] as Array<string | null>).toEqual(["customer-a", null])
        const payment = paymentId()
        yield* repository.confirm(owned.id, payment, yield* DateTime.now, yield* confirmedEvent(owned, payment))
        expect(Option.getOrThrow(yield* repository.get(owned.id)).owner as string | null).toBe("customer-a")
        yield* repository.cancel(owned.id, "customer", yield* DateTime.now, yield* cancelledEvent(owned, "customer"))
        yield* repository.cancel(guest.id, "customer", yield* DateTime.now, yield* cancelledEvent(guest, "customer"))
        expect(Option.getOrThrow(yield* repository.get(owned.id)).owner as string | null).toBe("customer-a")
        expect(Option.getOrThrow(yield* repository.get(guest.id)).owner as string | null).toBe(null)
      }))

    it("an owner's bookings are listed newest first, a page at a time; another owner's and guests' are not among them", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const owner = `customer-${Bun.randomUUIDv7()}`
        const other = `customer-${Bun.randomUUIDv7()}`
        const mine: Array<string> = []
        for (let index = 0; index < 3; index++) {
          mine.push((yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { owner }))).booking.id)
          yield* Effect.sleep("3 millis")
        }
        const theirs = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { owner: other }))).booking.id
        yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
        const first = yield* repository.ownedBy(Owner.make(owner), { offset: 0, limit: 2 })
        const second = yield* repository.ownedBy(Owner.make(owner), { offset: 2, limit: 2 })
        expect([first.items.map((booking) => booking.id as string), first.more]).toEqual([[mine[2]!, mine[1]!], true])
        expect([second.items.map((booking) => booking.id as string), second.more]).toEqual([[mine[0]!], false])
        const others = yield* repository.ownedBy(Owner.make(other), { offset: 0, limit: 10 })
        expect([others.items.map((booking) => booking.id as string), others.more]).toEqual([[theirs as string], false])
        const nobody = yield* repository.ownedBy(Owner.make(`customer-${Bun.randomUUIDv7()}`), { offset: 0, limit: 10 })
        expect([nobody.items, nobody.more]).toEqual([[], false])
      }))

    it("a flight's bookings are listed newest first whatever their status, a page at a time; another flight's are not among them", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const other = yield* seeded()
        const held: Array<Booking> = []
        for (let index = 0; index < 3; index++) {
          held.push((yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { owner: `customer-${index}` }))).booking)
          yield* Effect.sleep("3 millis")
        }
        const ids = held.map((booking) => booking.id as string)
        const theirs = (yield* repository.hold(yield* holdRequest(other.flight.flightId, [undefined]))).booking.id
        const newest = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking.id
        // Every status: a cancelled booking and a confirmed one stay on the list.
        yield* repository.cancel(held[0]!.id, "customer", yield* DateTime.now, yield* cancelledEvent(held[0]!, "customer"))
        const payment = paymentId()
        yield* repository.confirm(held[1]!.id, payment, yield* DateTime.now, yield* confirmedEvent(held[1]!, payment))
        const first = yield* repository.ofFlight(flight.flightId, { offset: 0, limit: 3 })
        const second = yield* repository.ofFlight(flight.flightId, { offset: 3, limit: 3 })
        expect([first.items.map((booking) => booking.id as string), first.more]).toEqual([[newest, ids[2]!, ids[1]!], true])
        expect([second.items.map((booking) => booking.id as string), second.more]).toEqual([[ids[0]!], false])
        expect([...first.items, ...second.items].map((booking) => booking.status)).toEqual(["pending", "pending", "confirmed", "cancelled"])
        const others = yield* repository.ofFlight(other.flight.flightId, { offset: 0, limit: 10 })
        expect([others.items.map((booking) => booking.id as string), others.more]).toEqual([[theirs as string], false])
        const none = yield* repository.ofFlight(seating().flightId, { offset: 0, limit: 10 })
        expect([none.items, none.more]).toEqual([[], false])
      }))

    it("a named seat is held as named; a seat already held is refused with its name, and nothing changes", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const first = yield* repository.hold(yield* holdRequest(flight.flightId, ["12F"]))
        expect(String(first.booking.passengers[0]!.seat)).toBe("12F")
        const refused = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, [undefined, "12F"])))
        expect(Either.isLeft(refused) && refused.left._tag === "SeatsUnavailable" && refused.left.seats.map(String)).toEqual(["12F"])
        expect((yield* states(flight.flightId)).held).toBe(1)
      }))

    it("more passengers than free seats are refused; the last free seats can be taken", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
        yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
        const refused = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 7 }, () => undefined))))
        expect(Either.isLeft(refused) && refused.left._tag).toBe("SeatsUnavailable")
        const last = yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 6 }, () => undefined)))
        expect(last.booking.passengers).toHaveLength(6)
        expect((yield* states(flight.flightId)).free).toBe(0)
      }))

    it("a hold on an unknown flight, a cancelled flight or a cabin the flight lacks is refused", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const unknown = yield* Effect.either(repository.hold(yield* holdRequest(seating().flightId, [undefined])))
        expect(Either.isLeft(unknown) && unknown.left._tag).toBe("FlightNotFound")
        const noFirst = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, [undefined], { cabin: "first" })))
        expect(Either.isLeft(noFirst) && noFirst.left._tag).toBe("CabinNotOnFlight")
        expect(yield* repository.setFlightStatus(flight.flightId, "cancelled", flight.departureAt)).toBe(true)
        const cancelled = yield* Effect.either(repository.hold(yield* holdRequest(flight.flightId, [undefined])))
        expect(Either.isLeft(cancelled) && cancelled.left._tag).toBe("FlightNotBookable")
      }))

    it("a late status change never puts a cancelled, boarding or departed flight back on sale", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        for (const [first, late] of [["cancelled", "delayed"], ["boarding", "delayed"], ["departed", "scheduled"]] as const) {
          const other = seating()
          yield* repository.seed(other)
          yield* repository.setFlightStatus(other.flightId, first, other.departureAt)
          yield* repository.setFlightStatus(other.flightId, late, other.departureAt)
          expect(Option.getOrThrow(yield* repository.seating(other.flightId)).status).toBe(first)
          const refused = yield* Effect.either(repository.hold(yield* holdRequest(other.flightId, [undefined])))
          expect(Either.isLeft(refused) && refused.left._tag).toBe("FlightNotBookable")
        }
        yield* repository.setFlightStatus(flight.flightId, "delayed", flight.departureAt)
        yield* repository.setFlightStatus(flight.flightId, "delayed", flight.departureAt)
        expect(Option.getOrThrow(yield* repository.seating(flight.flightId)).status).toBe("delayed")
        yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
      }))

    it("totals beyond 14 digits are kept exact, in the booking and in its event", () =>
      Effect.gen(function* () {
        const flight = seating({
          cabins: [{ cabin: "economy", rows: { from: 1, to: 2 }, seatLetters: "ABCDEF", fare: { amount: 12345678901234, currency: "GBP" } }],
        })
        const repository = yield* BookingRepository
        yield* repository.seed(flight)
        const request = yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined))
        const exact = { amount: 12345678901234 * 9, currency: "GBP" }
        const { booking } = yield* repository.hold({ ...request, total: exact })
        expect(booking.total).toEqual(exact)
        const payment = paymentId()
        const confirmed = yield* repository.confirm(booking.id, payment, yield* DateTime.now, yield* confirmedEvent(booking, payment))
        expect(confirmed.booking.total).toEqual(exact)
        const [created] = yield* drain(flight.flightId)
        expect((created!.message as MessageOf<"booking.created">).data.total).toEqual(exact)
      }))

    it("of 40 concurrent holds for the last 5 seats, exactly 5 succeed and no seat is held twice", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
        yield* repository.hold(yield* holdRequest(flight.flightId, Array.from({ length: 9 }, () => undefined)))
        yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))
        const requests = yield* Effect.forEach(Array.from({ length: 40 }), () => holdRequest(flight.flightId, [undefined]))
        const results = yield* Effect.forEach(requests, (request) => Effect.either(repository.hold(request)), { concurrency: "unbounded" })
        const won = results.filter(Either.isRight).map((result) => result.right.booking.passengers[0]!.seat)
        expect(won).toHaveLength(5)
        expect(new Set(won).size).toBe(5)
        expect((yield* states(flight.flightId)).free).toBe(0)
      }))

    it("confirm sells the seats; the same payment again changes nothing; another payment is refused", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined, undefined]))
        const payment = paymentId()
        const now = yield* DateTime.now
        const first = yield* repository.confirm(booking.id, payment, now, yield* confirmedEvent(booking, payment))
        expect(first._tag).toBe("Confirmed")
        expect(first.booking.paymentId).toBe(payment)
        const again = yield* repository.confirm(booking.id, payment, now, yield* confirmedEvent(booking, payment))
        expect(again._tag).toBe("AlreadyConfirmed")
        const other = yield* Effect.either(repository.confirm(booking.id, paymentId(), now, yield* confirmedEvent(booking, payment)))
        expect(Either.isLeft(other) && other.left._tag).toBe("InvalidTransition")
        expect((yield* states(flight.flightId)).sold).toBe(2)
        const types = (yield* drain(flight.flightId)).map((entry) => entry.message.type)
        expect(types).toEqual(["booking.created", "booking.confirmed"])
      }))

    it("a hold that ran out cannot be confirmed", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { ttl: "1 millis" }))
        yield* Effect.sleep("10 millis")
        const payment = paymentId()
        const late = yield* Effect.either(repository.confirm(booking.id, payment, yield* DateTime.now, yield* confirmedEvent(booking, payment)))
        expect(Either.isLeft(late) && late.left._tag).toBe("HoldExpired")
      }))

    it("cancel frees the seats and says whether the booking was paid; a second cancel is refused", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const pending = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
        const paid = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
        const payment = paymentId()
        const now = yield* DateTime.now
        yield* repository.confirm(paid.id, payment, now, yield* confirmedEvent(paid, payment))
        yield* drain(flight.flightId)
        expect((yield* repository.cancel(pending.id, "customer", now, yield* cancelledEvent(pending, "customer"))).status).toBe("cancelled")
        const cancelledPaid = yield* repository.cancel(paid.id, "customer", now, yield* cancelledEvent(paid, "customer"))
        expect(cancelledPaid.cancellationReason).toBe("customer")
        expect((yield* states(flight.flightId)).free).toBe(24)
        const events = (yield* drain(flight.flightId)).map((entry) => entry.message as MessageOf<"booking.cancelled">)
        expect(events.map((event) => [event.data.bookingId, event.data.paid])).toEqual([[pending.id, false], [paid.id, true]])
        const twice = yield* Effect.either(repository.cancel(pending.id, "customer", now, yield* cancelledEvent(pending, "customer")))
        expect(Either.isLeft(twice) && twice.left._tag).toBe("InvalidTransition")
        expect(yield* repository.activeOnFlight(flight.flightId)).toEqual([])
      }))

    it("expiry: not before the hold runs out; then once, freeing the seats; the sweeper's index lists it until then", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined, undefined], { ttl: "200 millis" }))
        const early = yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired"))
        expect(Option.isNone(early)).toBe(true)
        expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).not.toContain(booking.id)
        yield* Effect.sleep("250 millis")
        expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).toContain(booking.id)
        const expired = yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired"))
        expect(Option.map(expired, (b) => [b.status, b.cancellationReason])).toEqual(Option.some(["expired", "expired"]))
        expect((yield* states(flight.flightId)).free).toBe(24)
        expect(Option.isNone(yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired")))).toBe(true)
        expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).not.toContain(booking.id)
      }))

    it("a confirmed booking never expires, and leaves the sweeper's index when its time comes", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const { booking } = yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { ttl: "100 millis" }))
        const payment = paymentId()
        yield* repository.confirm(booking.id, payment, yield* DateTime.now, yield* confirmedEvent(booking, payment))
        yield* Effect.sleep("150 millis")
        expect(Option.isNone(yield* repository.expire(booking.id, yield* DateTime.now, yield* cancelledEvent(booking, "expired")))).toBe(true)
        expect(Option.getOrThrow(yield* repository.get(booking.id)).status).toBe("confirmed")
        expect(yield* repository.dueForExpiry(yield* DateTime.now, 100_000)).not.toContain(booking.id)
      }))

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

    it("references are unique; a booking is found by its reference", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const request = yield* holdRequest(flight.flightId, [undefined])
        expect(yield* repository.claimReference(request.reference, request.id)).toBe(true)
        expect(yield* repository.claimReference(request.reference, request.id)).toBe(false)
        yield* repository.hold(request)
        expect(Option.map(yield* repository.findByReference(request.reference), (b) => b.id)).toEqual(Option.some(request.id))
      }))

    it("the bookings that take seats on a flight are listed; appended events reach the outbox", () =>
      Effect.gen(function* () {
        const { flight, repository } = yield* seeded()
        const a = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
        const b = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
        yield* repository.cancel(b.id, "customer", yield* DateTime.now, yield* cancelledEvent(b, "customer"))
        expect((yield* repository.activeOnFlight(flight.flightId)).map((booking) => booking.id)).toEqual([a.id])
        yield* drain(flight.flightId)
        const extra = yield* cancelledEvent(a, "flight-cancelled")
        yield* repository.append(flight.flightId, [extra])
        expect((yield* drain(flight.flightId)).map((entry) => entry.id)).toEqual([extra.message.id])
      }))
  })
}
