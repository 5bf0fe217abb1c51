import { describe, expect, test } from "bun:test"
import { BookingId, type Cabin } from "@flight/contracts"
import { Either, FastCheck, Option } from "effect"
import { type Applied, apply, type BookingChange, type BookingEventKind, type LedgerEntry } from "../src/domain/Availability.ts"
import type { Flight } from "../src/domain/Flight.ts"

type Availability = Flight["availability"]

/** A distinct UUID v7 booking id per index. */
const bookingId = (index: number): BookingId =>
  BookingId.make(`01936f0e-8a5c-7b3d-9c2e-${index.toString(16).padStart(12, "0")}`)

const availability: Availability = [
  { cabin: "business", capacity: 20, available: 20 },
  { cabin: "economy", capacity: 150, available: 150 },
]

const availableIn = (of: Availability, cabin: Cabin): number => {
  const entry = of.find((candidate) => candidate.cabin === cabin)
  if (entry === undefined) throw new Error(`no ${cabin} cabin`)
  return entry.available
}

const change = (kind: BookingEventKind, id: BookingId, cabin: Cabin = "economy", seats = 3): BookingChange => ({
  kind,
  bookingId: id,
  cabin,
  seats,
})

/** What the flight service keeps: the availability and the ledger, by booking. */
interface State {
  readonly availability: Availability
  readonly ledger: ReadonlyMap<BookingId, LedgerEntry>
}

const initial: State = { availability, ledger: new Map() }

/** Applies an event that must be accepted; returns what apply said and the state after it. */
const applyTo = (state: State, event: BookingChange): { readonly applied: Option.Option<Applied>; readonly state: State } => {
  const result = apply(state.availability, Option.fromNullable(state.ledger.get(event.bookingId)), event)
  if (Either.isLeft(result)) throw new Error(`expected ${event.kind} to be applied, got ${result.left.message}`)
  const applied = result.right
  if (Option.isNone(applied)) return { applied, state }
  return {
    applied,
    state: {
      availability: applied.value.availability,
      ledger: new Map([...state.ledger, [event.bookingId, applied.value.entry]]),
    },
  }
}

const applyAll = (state: State, events: ReadonlyArray<BookingChange>): State =>
  events.reduce((current, event) => applyTo(current, event).state, state)

const some = (applied: Option.Option<Applied>): Applied => {
  if (Option.isNone(applied)) throw new Error("expected the event to change something")
  return applied.value
}

describe("applying a booking event", () => {
  const alice = bookingId(1)

  test("booking.created holds the booking's seats in its cabin, and no other", () => {
    const { applied, state } = applyTo(initial, change("created", alice, "economy", 3))
    expect(some(applied).seatsChanged).toBe(true)
    expect(some(applied).entry).toEqual({ state: "held", cabin: "economy", seats: 3 })
    expect(availableIn(state.availability, "economy")).toBe(147)
    expect(availableIn(state.availability, "business")).toBe(20)
  })

  test("a redelivered booking.created changes nothing", () => {
    const once = applyAll(initial, [change("created", alice)])
    const { applied, state } = applyTo(once, change("created", alice))
    expect(Option.isNone(applied)).toBe(true)
    expect(state).toBe(once)
  })

  test("booking.confirmed after booking.created sells the held seats without taking more", () => {
    const held = applyAll(initial, [change("created", alice)])
    const { applied, state } = applyTo(held, change("confirmed", alice))
    expect(some(applied).seatsChanged).toBe(false)
    expect(some(applied).entry.state).toBe("sold")
    expect(state.availability).toEqual(held.availability)
    expect(availableIn(state.availability, "economy")).toBe(147)
  })

  test("a redelivered booking.confirmed changes nothing", () => {
    const sold = applyAll(initial, [change("created", alice), change("confirmed", alice)])
    expect(Option.isNone(applyTo(sold, change("confirmed", alice)).applied)).toBe(true)
  })

  test("booking.cancelled after booking.created gives the seats back", () => {
    const held = applyAll(initial, [change("created", alice)])
    const { applied, state } = applyTo(held, change("cancelled", alice))
    expect(some(applied).seatsChanged).toBe(true)
    expect(some(applied).entry.state).toBe("released")
    expect(availableIn(state.availability, "economy")).toBe(150)
  })

  test("booking.cancelled after booking.confirmed gives the seats back", () => {
    const sold = applyAll(initial, [change("created", alice), change("confirmed", alice)])
    const { applied, state } = applyTo(sold, change("cancelled", alice))
    expect(some(applied).seatsChanged).toBe(true)
    expect(availableIn(state.availability, "economy")).toBe(150)
  })

  test("a redelivered booking.cancelled gives nothing back twice", () => {
    const released = applyAll(initial, [change("created", alice), change("cancelled", alice)])
    const { applied, state } = applyTo(released, change("cancelled", alice))
    expect(Option.isNone(applied)).toBe(true)
    expect(availableIn(state.availability, "economy")).toBe(150)
  })

  test("a release gives back the cabin and seats first recorded, whatever the cancellation says", () => {
    const held = applyAll(initial, [change("created", alice, "business", 2)])
    const { state } = applyTo(held, change("cancelled", alice, "economy", 7))
    expect(availableIn(state.availability, "business")).toBe(20)
    expect(availableIn(state.availability, "economy")).toBe(150)
  })

  test("booking.cancelled before booking.created takes nothing, and the late booking.created takes nothing", () => {
    const first = applyTo(initial, change("cancelled", alice))
    expect(some(first.applied).seatsChanged).toBe(false)
    expect(some(first.applied).entry.state).toBe("released")
    expect(first.state.availability).toEqual(availability)
    const late = applyTo(first.state, change("created", alice))
    expect(Option.isNone(late.applied)).toBe(true)
    const confirmed = applyTo(late.state, change("confirmed", alice))
    expect(Option.isNone(confirmed.applied)).toBe(true)
    expect(availableIn(confirmed.state.availability, "economy")).toBe(150)
  })

  test("booking.confirmed before booking.created takes the seats, once", () => {
    const first = applyTo(initial, change("confirmed", alice))
    expect(some(first.applied).seatsChanged).toBe(true)
    expect(some(first.applied).entry.state).toBe("sold")
    expect(availableIn(first.state.availability, "economy")).toBe(147)
    const late = applyTo(first.state, change("created", alice))
    expect(Option.isNone(late.applied)).toBe(true)
    expect(availableIn(late.state.availability, "economy")).toBe(147)
    const cancelled = applyTo(late.state, change("cancelled", alice))
    expect(availableIn(cancelled.state.availability, "economy")).toBe(150)
  })

  test("an event for a cabin the flight does not have fails with UnknownCabin", () => {
    const result = apply(availability, Option.none(), change("created", alice, "first", 1))
    if (Either.isRight(result)) throw new Error("expected UnknownCabin")
    expect(result.left._tag).toBe("UnknownCabin")
    expect(result.left).toMatchObject({ cabin: "first", bookingId: alice })
  })

  test("taking more seats than are available fails with AvailabilityExceeded, changing nothing", () => {
    const nearlyFull = applyAll(initial, [change("created", alice, "business", 18)])
    const bob = bookingId(2)
    const result = apply(nearlyFull.availability, Option.none(), change("created", bob, "business", 3))
    if (Either.isRight(result)) throw new Error("expected AvailabilityExceeded")
    expect(result.left._tag).toBe("AvailabilityExceeded")
    expect(result.left).toMatchObject({ cabin: "business", bookingId: bob, requested: 3, available: 2 })
    expect(availableIn(nearlyFull.availability, "business")).toBe(2)
  })

  test("taking exactly the seats left empties the cabin", () => {
    const full = applyAll(initial, [change("created", alice, "business", 18), change("confirmed", bookingId(2), "business", 2)])
    expect(availableIn(full.availability, "business")).toBe(0)
  })
})

// -------------------------------------------------------------------------------------------------
// Model

type Lifecycle = ReadonlyArray<BookingEventKind>

const lifecycles: ReadonlyArray<Lifecycle> = [
  ["created"],
  ["created", "confirmed"],
  ["created", "cancelled"],
  ["created", "confirmed", "cancelled"],
]

interface Booking {
  readonly id: BookingId
  readonly cabin: Cabin
  readonly seats: number
  readonly lifecycle: Lifecycle
}

/** At most 12 bookings of at most 9 seats: 108 seats, fewer than any cabin has. */
const modelAvailability: Availability = [
  { cabin: "first", capacity: 108, available: 108 },
  { cabin: "business", capacity: 120, available: 120 },
  { cabin: "economy", capacity: 300, available: 300 },
]
const modelCabins = modelAvailability.map((entry) => entry.cabin)

const bookingsArb: FastCheck.Arbitrary<ReadonlyArray<Booking>> = FastCheck.array(
  FastCheck.record({
    cabin: FastCheck.constantFrom(...modelCabins),
    seats: FastCheck.integer({ min: 1, max: 9 }),
    lifecycle: FastCheck.constantFrom(...lifecycles),
  }),
  { minLength: 1, maxLength: 12 },
).map((bookings) => bookings.map((booking, index) => ({ ...booking, id: bookingId(index) })))

/** The bookings and every event of theirs, some redelivered, all in a random order. */
const scenarioArb = bookingsArb.chain((bookings) => {
  const events: ReadonlyArray<BookingChange> = bookings.flatMap((booking) =>
    booking.lifecycle.map((kind) => ({ kind, bookingId: booking.id, cabin: booking.cabin, seats: booking.seats }))
  )
  return FastCheck.array(FastCheck.constantFrom(...events), { maxLength: 2 * events.length })
    .chain((duplicates) => {
      const all = [...events, ...duplicates]
      return FastCheck.shuffledSubarray(all, { minLength: all.length, maxLength: all.length })
    })
    .map((sequence) => ({ bookings, sequence }))
})

const expectedLedgerState = (lifecycle: Lifecycle): LedgerEntry["state"] =>
  lifecycle.includes("cancelled") ? "released" : lifecycle.includes("confirmed") ? "sold" : "held"

describe("the availability read model", () => {
  test("applies each booking's events once, in any order and with any redeliveries", () => {
    FastCheck.assert(
      FastCheck.property(scenarioArb, ({ bookings, sequence }) => {
        let state: State = { availability: modelAvailability, ledger: new Map() }
        for (const event of sequence) {
          const { applied, state: next } = applyTo(state, event)
          if (Option.isSome(applied)) {
            expect(applied.value.seatsChanged).toBe(
              modelCabins.some((cabin) => availableIn(next.availability, cabin) !== availableIn(state.availability, cabin)),
            )
          }
          state = next
          for (const entry of state.availability) {
            const capacity = modelAvailability.find((model) => model.cabin === entry.cabin)?.capacity
            expect(entry.capacity).toBe(capacity!)
            expect(entry.available).toBeGreaterThanOrEqual(0)
            expect(entry.available).toBeLessThanOrEqual(entry.capacity)
            // Side by side with the ledger: the seats missing are those of the bookings held or sold.
            const taken = [...state.ledger.values()]
              .filter((ledger) => ledger.cabin === entry.cabin && ledger.state !== "released")
              .reduce((sum, ledger) => sum + ledger.seats, 0)
            expect(entry.available).toBe(entry.capacity - taken)
          }
        }

        for (const entry of modelAvailability) {
          const kept = bookings
            .filter((booking) => booking.cabin === entry.cabin && !booking.lifecycle.includes("cancelled"))
            .reduce((sum, booking) => sum + booking.seats, 0)
          expect({ cabin: entry.cabin, available: availableIn(state.availability, entry.cabin) })
            .toEqual({ cabin: entry.cabin, available: entry.capacity - kept })
        }
        for (const booking of bookings) {
          expect(state.ledger.get(booking.id)).toEqual({
            state: expectedLedgerState(booking.lifecycle),
            cabin: booking.cabin,
            seats: booking.seats,
          })
        }

        // Everything delivered again: nothing changes.
        for (const event of sequence) {
          const { applied } = applyTo(state, event)
          expect(Option.isNone(applied)).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })
})
