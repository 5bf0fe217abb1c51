/**
 * The booking store against a model (DESIGN.md §6, invariants 1 and 2): random sequences of holds,
 * confirmations, cancellations and expiries across many bookings on one flight, run against an
 * adapter and against a simple model side by side. After every step the adapter answers what the
 * model predicts, and the seats and bookings it keeps are the model's:
 * - no seat is held or sold to two bookings; held + sold + free = capacity;
 * - every booking is in exactly one status, the model's, and takes exactly its passengers' seats
 *   while pending or confirmed;
 * - no holder (DESIGN §10: an email, an address, an account) holds more than the limit: a hold that
 *   would take one of its holders over it is refused, with the retry time the model works out.
 *
 * Time is the test's: every call gets its `now`, and the holds are stamped on the same clock, one
 * hour ahead of the wall clock. A hold's expiry is passed by moving that clock, never by sleeping,
 * and no sweeper running on the same Redis (e.g. a service) ever finds these holds due.
 */
import type { BookingId, PaymentId, SeatNumber } from "@flight/contracts"
import { RealServer } from "@flight/runtime/testing"
import { afterAll, describe, expect, test } from "bun:test"
import { DateTime, Duration, Effect, Either, FastCheck, Layer, ManagedRuntime, Option, Redacted } from "effect"
import type { Booking } from "../src/domain/Booking.ts"
import { BookingRepository, type HoldRequest } from "../src/domain/BookingRepository.ts"
import { allocate, layoutOf, type SeatState, seatsOf } from "../src/domain/SeatInventory.ts"
import * as InMemoryBookingRepository from "../src/infrastructure/InMemoryBookingRepository.ts"
import * as RedisBookingRepository from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import { cancelledEvent, confirmedEvent, deletePrefix, holdRequest, paymentId, seating, testPrefix } from "./support/Fixtures.ts"

// -------------------------------------------------------------------------------------------------
// Commands

/** A passenger's seat: any free one, a named seat of the cabin, or a named seat taken at that point (if any). */
type SeatPick =
  | { readonly kind: "any" }
  | { readonly kind: "seat"; readonly index: number }
  | { readonly kind: "taken"; readonly index: number }

/** When a confirmation or expiry comes: on the clock, or (if later) just before, at or just after the booking's hold expiry. */
type At = "clock" | "justBeforeExpiry" | "atExpiry" | "justAfterExpiry"

/** `target` picks one of the holds tried so far (modulo their number), failed ones included. */
type Command =
  /** `holders`: indexes into the run's holders (two emails, two addresses), none to several. */
  | { readonly _tag: "Hold"; readonly party: ReadonlyArray<SeatPick>; readonly ttl: "15 minutes" | "1 millis"; readonly holders: ReadonlyArray<number> }
  | { readonly _tag: "Confirm"; readonly target: number; readonly payment: "same" | "new"; readonly at: At }
  | { readonly _tag: "Cancel"; readonly target: number }
  | { readonly _tag: "Expire"; readonly target: number; readonly at: At }

const economy = Option.getOrThrow(layoutOf(seating(), "economy"))

/** How many seats a holder may hold at once (the default, BOOKING_MAX_HELD_SEATS). */
const maxHeldSeats = 9
const cabin: ReadonlyArray<SeatNumber> = seatsOf(economy)
const capacity = cabin.length

const seatPick: FastCheck.Arbitrary<SeatPick> = FastCheck.oneof(
  { arbitrary: FastCheck.constant({ kind: "any" as const }), weight: 8 },
  { arbitrary: FastCheck.record({ kind: FastCheck.constant("seat" as const), index: FastCheck.nat({ max: capacity - 1 }) }), weight: 1 },
  { arbitrary: FastCheck.record({ kind: FastCheck.constant("taken" as const), index: FastCheck.nat({ max: 99 }) }), weight: 1 },
)

const at: FastCheck.Arbitrary<At> = FastCheck.oneof(
  { arbitrary: FastCheck.constant("clock" as const), weight: 3 },
  { arbitrary: FastCheck.constantFrom("justBeforeExpiry" as const, "atExpiry" as const, "justAfterExpiry" as const), weight: 2 },
)

const target = FastCheck.nat({ max: 59 })

const command: FastCheck.Arbitrary<Command> = FastCheck.oneof(
  {
    arbitrary: FastCheck.record({
      _tag: FastCheck.constant("Hold" as const),
      party: FastCheck.array(seatPick, { minLength: 1, maxLength: 4 }),
      ttl: FastCheck.oneof(
        { arbitrary: FastCheck.constant("15 minutes" as const), weight: 3 },
        { arbitrary: FastCheck.constant("1 millis" as const), weight: 1 },
      ),
      holders: FastCheck.subarray([0, 1, 2, 3]),
    }),
    weight: 5,
  },
  {
    arbitrary: FastCheck.record({
      _tag: FastCheck.constant("Confirm" as const),
      target,
      payment: FastCheck.oneof(
        { arbitrary: FastCheck.constant("same" as const), weight: 3 },
        { arbitrary: FastCheck.constant("new" as const), weight: 1 },
      ),
      at,
    }),
    weight: 3,
  },
  { arbitrary: FastCheck.record({ _tag: FastCheck.constant("Cancel" as const), target }), weight: 1 },
  { arbitrary: FastCheck.record({ _tag: FastCheck.constant("Expire" as const), target, at }), weight: 2 },
)

/** Up to 60 steps (`size: "max"`: the default size would keep the sequences to a few steps). */
const commands = FastCheck.array(command, { minLength: 1, maxLength: 60, size: "max" })

// -------------------------------------------------------------------------------------------------
// The model

type Status = Booking["status"]

/** A booking as far as the model goes. */
interface Stored {
  status: Status
  readonly seats: ReadonlyArray<SeatNumber>
  paidWith: PaymentId | null
  reason: Booking["cancellationReason"]
}

/** A hold tried in the run; `booking` is what the model says is stored (null: the hold failed). */
interface Tracked {
  readonly id: BookingId
  readonly expiresAt: number
  readonly holders: ReadonlyArray<string>
  /** The payment a "same" confirmation sends until one confirmed the booking. */
  readonly payment: PaymentId
  booking: Stored | null
}

interface Model {
  readonly tried: Array<Tracked>
  /** Seat -> the booking that takes it; a free seat has no entry. */
  readonly seats: Map<SeatNumber, { readonly bookingId: BookingId; state: "held" | "sold" }>
}

const takesSeats = (status: Status) => status === "pending" || status === "confirmed"

/** The named seats of a hold, each named once (a repeat becomes "any"). */
const resolve = (party: ReadonlyArray<SeatPick>, model: Model): Array<SeatNumber | undefined> => {
  const taken = cabin.filter((seat) => model.seats.has(seat))
  const named = new Set<SeatNumber>()
  return party.map((pick) => {
    const seat = pick.kind === "any"
      ? undefined
      : pick.kind === "seat" || taken.length === 0
      ? cabin[pick.index % capacity]!
      : taken[pick.index % taken.length]!
    if (seat === undefined || named.has(seat)) return undefined
    named.add(seat)
    return seat
  })
}

/** What the adapter keeps of a booking, to compare with the model's. */
const summary = (booking: Booking): Stored => ({
  status: booking.status,
  seats: booking.passengers.map((passenger) => passenger.seat),
  paidWith: booking.paymentId,
  reason: booking.cancellationReason,
})

/** The seats a holder holds at `now`: its pending bookings' whose hold has not run out. */
const heldBy = (model: Model, holder: string, now: number) =>
  model.tried.reduce((sum, tracked) =>
    tracked.booking?.status === "pending" && tracked.expiresAt > now && tracked.holders.includes(holder)
      ? sum + tracked.booking.seats.length
      : sum, 0)

/**
 * The limit's answer to `seats` more for `holders` at `now`: none when they fit; otherwise the most
 * a full holder holds, and the first expiry of their holds after which the request fits them all.
 */
const overLimit = (model: Model, holders: ReadonlyArray<string>, seats: number, now: number) => {
  const full = holders.filter((holder) => heldBy(model, holder, now) + seats > maxHeldSeats)
  if (full.length === 0) return null
  const fitsAt = (at: number) => full.every((holder) => heldBy(model, holder, at) + seats <= maxHeldSeats)
  const expiries = model.tried
    .filter((tracked) => tracked.booking?.status === "pending" && tracked.expiresAt > now && tracked.holders.some((h) => full.includes(h)))
    .map((tracked) => tracked.expiresAt)
    .toSorted((a, b) => a - b)
  return { held: Math.max(...full.map((holder) => heldBy(model, holder, now))), retryAt: expiries.find(fitsAt)! }
}

const release = (model: Model, tracked: Tracked) => {
  for (const [seat, holder] of model.seats) if (holder.bookingId === tracked.id) model.seats.delete(seat)
}

// -------------------------------------------------------------------------------------------------
// The run

type Run = <A, E>(effect: Effect.Effect<A, E, BookingRepository>) => Promise<A>

/** Whatever the adapter answered: the success's name, or the failure's tag. */
const outcomeOf = <A, E extends { readonly _tag: string }>(result: Either.Either<A, E>, success: (value: A) => string) =>
  Either.isRight(result) ? success(result.right) : result.left._tag

const execute = async (run: Run, steps: ReadonlyArray<Command>) => {
  const repository = await run(BookingRepository)
  const flight = seating()
  const flightId = flight.flightId
  const layout = Option.getOrThrow(layoutOf(flight, "economy"))
  const model: Model = { tried: [], seats: new Map() }
  // Holders of this run alone: on a shared Redis, other runs' holds never count against them.
  const ofRun = Bun.randomUUIDv7()
  const holders = [`email:a-${ofRun}`, `email:b-${ofRun}`, `address:x-${ofRun}`, `address:y-${ofRun}`]
  const attempt = <A, E>(effect: Effect.Effect<A, E>) => run(Effect.either(effect))
  expect(await run(repository.seed(flight))).toBe(true)

  /** The test's clock (ms): an hour ahead of the wall clock, a second further at each step. */
  let clock = Date.now() + Duration.toMillis("1 hour")
  const timeFor = (when: At, tracked: Tracked) => {
    const wanted = when === "clock"
      ? clock
      : tracked.expiresAt + (when === "justBeforeExpiry" ? -1 : when === "atExpiry" ? 0 : 1)
    clock = Math.max(clock, wanted)
    return DateTime.unsafeMake(clock)
  }

  for (const [step, command] of steps.entries()) {
    clock += 1000
    const tracked = model.tried.length === 0 || command._tag === "Hold"
      ? undefined
      : model.tried[command.target % model.tried.length]!
    /** The step, as a failure shows it: the command, and the booking it targets as the model had it before. */
    const context = { step, command, booking: tracked?.id, before: tracked?.booking ? { ...tracked.booking } : null }

    switch (command._tag) {
      case "Hold": {
        const requested = resolve(command.party, model)
        const isFree = (seat: SeatNumber) => !model.seats.has(seat)
        const takenNamed = requested.filter((seat): seat is SeatNumber => seat !== undefined && !isFree(seat))
        const free = capacity - model.seats.size
        const counted = command.holders.map((index) => holders[index]!)
        // The limit is checked before the seats: a full holder learns nothing about them.
        const refused = overLimit(model, counted, requested.length, clock)
        const succeeds = refused === null && takenNamed.length === 0 && free >= requested.length
        const fixture = await run(holdRequest(flightId, requested, { ttl: command.ttl, holders: counted, maxHeldSeats }))
        // On the test's clock: the same time to live, from the clock's now.
        const holdExpiresAt = DateTime.unsafeMake(clock + DateTime.distance(fixture.now, fixture.holdExpiresAt))
        const request: HoldRequest = {
          ...fixture,
          now: DateTime.unsafeMake(clock),
          holdExpiresAt,
          event: { ...fixture.event, message: { ...fixture.event.message, data: { ...fixture.event.message.data, holdExpiresAt } } },
        }
        const result = await attempt(repository.hold(request))
        expect({ ...context, requested, outcome: outcomeOf(result, () => "Held") })
          .toEqual({ ...context, requested, outcome: succeeds ? "Held" : refused !== null ? "HoldLimitReached" : "SeatsUnavailable" })
        const tracked: Tracked = {
          id: request.id,
          expiresAt: DateTime.toEpochMillis(holdExpiresAt),
          holders: counted,
          payment: paymentId(),
          booking: null,
        }
        model.tried.push(tracked)
        if (Either.isRight(result)) {
          // The seats the shared rule chooses (the Redis script implements it on its own).
          const chosen = Either.getOrThrow(allocate(flightId, layout, isFree, requested))
          const { booking, replayed } = result.right
          expect({ ...context, requested, replayed, held: summary(booking), holdExpiresAt: DateTime.formatIso(booking.holdExpiresAt), total: booking.total })
            .toEqual({
              ...context,
              requested,
              replayed: false,
              held: { status: "pending", seats: chosen, paidWith: null, reason: null },
              holdExpiresAt: DateTime.formatIso(holdExpiresAt),
              total: { amount: economy.fare.amount * requested.length, currency: economy.fare.currency },
            })
          tracked.booking = { status: "pending", seats: chosen, paidWith: null, reason: null }
          for (const seat of chosen) model.seats.set(seat, { bookingId: tracked.id, state: "held" })
        } else if (result.left._tag === "HoldLimitReached" && refused !== null) {
          expect({ ...context, held: result.left.held, retryAt: clock + result.left.retryAfterMillis })
            .toEqual({ ...context, held: refused.held, retryAt: refused.retryAt })
        } else if (result.left._tag === "SeatsUnavailable") {
          expect({ ...context, requested, seats: result.left.seats, available: result.left.available })
            .toEqual({ ...context, requested, seats: takenNamed, available: free })
        }
        break
      }

      case "Confirm": {
        if (tracked === undefined) break
        const now = timeFor(command.at, tracked)
        const booking = tracked.booking
        const payment = command.payment === "same" ? booking?.paidWith ?? tracked.payment : paymentId()
        const predicted = booking === null
          ? "BookingNotFound"
          : booking.status === "confirmed" && booking.paidWith === payment
          ? "AlreadyConfirmed"
          : booking.status !== "pending"
          ? "InvalidTransition"
          : DateTime.toEpochMillis(now) >= tracked.expiresAt
          ? "HoldExpired"
          : "Confirmed"
        const event = await run(confirmedEvent({ id: tracked.id, flightId, cabin: "economy" }, payment))
        const result = await attempt(repository.confirm(tracked.id, payment, now, event))
        expect({ ...context, now: DateTime.formatIso(now), payment, outcome: outcomeOf(result, (outcome) => outcome._tag) })
          .toEqual({ ...context, now: DateTime.formatIso(now), payment, outcome: predicted })
        if (Either.isRight(result) && booking !== null) {
          if (result.right._tag === "Confirmed") {
            booking.status = "confirmed"
            booking.paidWith = payment
            for (const seat of booking.seats) model.seats.set(seat, { bookingId: tracked.id, state: "sold" })
          }
          expect({ ...context, answered: summary(result.right.booking) }).toEqual({ ...context, answered: { ...booking } })
        }
        break
      }

      case "Cancel": {
        if (tracked === undefined) break
        const booking = tracked.booking
        const predicted = booking === null
          ? "BookingNotFound"
          : takesSeats(booking.status)
          ? "Cancelled"
          : "InvalidTransition"
        const event = await run(cancelledEvent({ id: tracked.id, flightId, cabin: "economy" }, "customer"))
        const result = await attempt(repository.cancel(tracked.id, "customer", DateTime.unsafeMake(clock), event))
        expect({ ...context, outcome: outcomeOf(result, () => "Cancelled") }).toEqual({ ...context, outcome: predicted })
        if (Either.isRight(result) && booking !== null) {
          booking.status = "cancelled"
          booking.reason = "customer"
          release(model, tracked)
          expect({ ...context, answered: summary(result.right) }).toEqual({ ...context, answered: { ...booking } })
        }
        break
      }

      case "Expire": {
        if (tracked === undefined) break
        const now = timeFor(command.at, tracked)
        const booking = tracked.booking
        const predicted = booking !== null && booking.status === "pending" && DateTime.toEpochMillis(now) >= tracked.expiresAt
          ? "Expired"
          : "NotDue"
        const event = await run(cancelledEvent({ id: tracked.id, flightId, cabin: "economy" }, "expired"))
        const result = await attempt(repository.expire(tracked.id, now, event))
        expect({ ...context, now: DateTime.formatIso(now), outcome: outcomeOf(result, (expired) => (Option.isSome(expired) ? "Expired" : "NotDue")) })
          .toEqual({ ...context, now: DateTime.formatIso(now), outcome: predicted })
        if (Either.isRight(result) && Option.isSome(result.right) && booking !== null) {
          booking.status = "expired"
          booking.reason = "expired"
          release(model, tracked)
          expect({ ...context, answered: summary(result.right.value) }).toEqual({ ...context, answered: { ...booking } })
        }
        break
      }
    }

    await checkInvariants(run, repository, flightId, model, context)
  }
}

/** After each step: the adapter's seats and bookings are the model's, and invariants 1 and 2 hold on both. */
const checkInvariants = async (
  run: Run,
  repository: BookingRepository["Type"],
  flightId: Booking["flightId"],
  model: Model,
  context: object,
) => {
  const { active, map, stored } = await run(Effect.all({
    map: repository.seatMap(flightId, "economy"),
    stored: Effect.forEach(model.tried, (tracked) => repository.get(tracked.id), { concurrency: "unbounded" }),
    active: repository.activeOnFlight(flightId),
  }, { concurrency: "unbounded" }))

  // The seat map covers the cabin and is the model's (its seats that are not free, for a short
  // diff); held + sold + free = capacity.
  expect({ ...context, seats: map.map(({ seat }) => seat) }).toEqual({ ...context, seats: [...cabin] })
  const taken = Object.fromEntries(map.flatMap(({ seat, state }) => state === "free" ? [] : [[seat, state]]))
  expect({ ...context, taken }).toEqual({
    ...context,
    taken: Object.fromEntries(cabin.flatMap((seat) => {
      const holder = model.seats.get(seat)
      return holder === undefined ? [] : [[seat, holder.state]]
    })),
  })
  const count = (state: SeatState) => map.filter((seat) => seat.state === state).length
  expect({ ...context, total: count("held") + count("sold") + count("free") }).toEqual({ ...context, total: capacity })

  // Every booking tried is stored as the model says (in one status), a failed hold not at all.
  expect({ ...context, stored: stored.map((booking) => Option.getOrNull(Option.map(booking, summary))) })
    .toEqual({ ...context, stored: model.tried.map((tracked) => tracked.booking === null ? null : { ...tracked.booking }) })

  // The bookings that take seats, as the adapter keeps them: each seat to one booking, exactly
  // their passengers' seats, held while pending and sold once confirmed.
  const holders = new Map<SeatNumber, Array<{ readonly id: BookingId; readonly state: "held" | "sold" }>>()
  const taking = stored.flatMap((booking) => Option.isSome(booking) && takesSeats(booking.value.status) ? [booking.value] : [])
  for (const booking of taking) {
    expect({ ...context, booking: booking.id, seats: new Set(booking.passengers.map((p) => p.seat)).size })
      .toEqual({ ...context, booking: booking.id, seats: booking.passengers.length })
    for (const { seat } of booking.passengers) {
      holders.set(seat, [...(holders.get(seat) ?? []), { id: booking.id, state: booking.status === "confirmed" ? "sold" : "held" }])
    }
  }
  expect({ ...context, sharedSeats: [...holders].filter(([, owners]) => owners.length > 1) })
    .toEqual({ ...context, sharedSeats: [] })
  expect({ ...context, taken })
    .toEqual({ ...context, taken: Object.fromEntries(cabin.flatMap((seat) => holders.get(seat)?.map(({ state }) => [seat, state]) ?? [])) })

  // The bookings listed as taking seats on the flight are the model's.
  const sorted = (ids: ReadonlyArray<string>) => [...ids].sort()
  expect({ ...context, active: sorted(active.map((booking) => booking.id)) }).toEqual({
    ...context,
    active: sorted(model.tried.flatMap((tracked) => tracked.booking !== null && takesSeats(tracked.booking.status) ? [tracked.id] : [])),
  })
}

/** Runs the property on a fresh runtime of the adapter (each run seeds its own flight). */
const check = async (layer: Layer.Layer<BookingRepository, unknown>, numRuns: number) => {
  const runtime = ManagedRuntime.make(layer)
  try {
    const run: Run = (effect) => runtime.runPromise(effect)
    await FastCheck.assert(FastCheck.asyncProperty(commands, (steps) => execute(run, steps)), { numRuns })
  } finally {
    await runtime.dispose()
  }
}

const title = "random holds, confirmations, cancellations and expiries answer as the model says; " +
  "no seat is taken by two bookings, held + sold + free = capacity, each booking is in the model's one status"

describe("booking store against a model: in-memory", () => {
  test(title, () => check(InMemoryBookingRepository.layer, 100), 60_000)
})

RealServer.describeWith("REDIS_URL", "booking store against a model: Redis", (url) => {
  const prefix = testPrefix()
  afterAll(() => deletePrefix(url, prefix))
  test(
    title,
    () => check(RedisBookingRepository.layerWith({ prefix }).pipe(Layer.provide(RedisStore.layer(Redacted.make(new URL(url))))), 25),
    120_000,
  )
})
