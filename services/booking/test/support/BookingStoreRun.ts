/**
 * A run of `BookingModel.test.ts`: random commands applied to an adapter of BookingRepository and to
 * the model side by side, the adapter's answers and state checked against the model's after each step.
 */
import type { BookingId, SeatNumber } from "@flight/contracts"
import { expect } from "bun:test"
import { DateTime, Duration, Effect, Either, FastCheck, type Layer, ManagedRuntime, Option } from "effect"
import type { Booking } from "../../src/domain/Booking.ts"
import { BookingRepository, type HoldRequest } from "../../src/domain/BookingRepository.ts"
import { allocate, layoutOf, type SeatState } from "../../src/domain/SeatInventory.ts"
import { type At, type Command, commands } from "./BookingStoreCommands.ts"
import {
  cabin,
  capacity,
  economy,
  maxHeldSeats,
  type Model,
  overLimit,
  release,
  resolve,
  summary,
  takesSeats,
  type Tracked,
} from "./BookingStoreModel.ts"
import { cancelledEvent, confirmedEvent, holdRequest, paymentId, seating } from "./Fixtures.ts"

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
        const stored = { id: tracked.id, flightId, cabin: "economy" as const }
        const event = await run(confirmedEvent(stored, payment))
        const result = await attempt(repository.confirm(stored, payment, now, event))
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
export const check = async (layer: Layer.Layer<BookingRepository, unknown>, numRuns: number) => {
  const runtime = ManagedRuntime.make(layer)
  try {
    const run: Run = (effect) => runtime.runPromise(effect)
    await FastCheck.assert(FastCheck.asyncProperty(commands, (steps) => execute(run, steps)), { numRuns })
  } finally {
    await runtime.dispose()
  }
}
