/** BookingRepository contract: a booking's owner, the bookings listed by owner and by flight, references, and appended events. */
import { BookingId } from "@flight/contracts"
import { expect } from "bun:test"
import { DateTime, Effect, Option } from "effect"
import { type Booking, Owner } from "../src/domain/Booking.ts"
import { cancelledEvent, confirmedEvent, holdRequest, paymentId, seating } from "./support/Fixtures.ts"
import { type ContractTest, drain, seeded } from "./support/RepositoryContract.ts"

export const listingsContract = (it: ContractTest) => {
  it("a booking keeps its owner through confirm and cancel; a guest's booking has none", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const owned = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined], { owner: "customer-a" }))).booking
      const guest = (yield* repository.hold(yield* holdRequest(flight.flightId, [undefined]))).booking
      expect([owned.owner, guest.owner] as Array<string | null>).toEqual(["customer-a", null])
      const payment = paymentId()
      yield* repository.confirm(owned, payment, yield* DateTime.now, yield* confirmedEvent(owned, payment))
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
      yield* repository.confirm(held[1]!, payment, yield* DateTime.now, yield* confirmedEvent(held[1]!, payment))
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

  it("references reserved are unique and name no booking until one is held under them, then that booking", () =>
    Effect.gen(function* () {
      const { flight, repository } = yield* seeded()
      const ids = Array.from({ length: 300 }, () => BookingId.make(Bun.randomUUIDv7()))
      const references = yield* Effect.forEach(ids, repository.reserveReference)
      expect(new Set(references).size).toBe(references.length)
      expect(Option.isNone(yield* repository.findByReference(references[0]!))).toBe(true)
      const request = yield* holdRequest(flight.flightId, [undefined], { id: ids[0]!, reference: references[0]! })
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
}
