/**
 * The flight service's commands: ScheduleFlight, ChangeFlightStatus and ApplyBookingToAvailability.
 * Each validates against the domain rules and makes one atomic write of the change and its events.
 * A change computed from a version that another writer has since replaced is computed again.
 */
import { type AnyMessage, Envelope, type FlightId, Messages, type MessageOf } from "@flight/contracts"
import { Traceparent } from "@flight/runtime"
import { Data, DateTime, Effect, Either, Option, Schedule } from "effect"
import * as Availability from "../domain/Availability.ts"
import * as Flight from "../domain/Flight.ts"
import {
  FlightRepository,
  type IdempotentRequest,
  type Outgoing,
  VersionConflict,
} from "../domain/FlightRepository.ts"

const source = "flight" as const

/** The same Idempotency-Key came with another request. */
export class IdempotencyKeyReused extends Data.TaggedError("IdempotencyKeyReused")<{ readonly key: string }> {}

/**
 * Retries a change that lost a race with another writer of the same flight: at once, then with a
 * short jittered backoff, at most 50 times. Every retry reads the flight again.
 */
export const onVersionConflict = Schedule.exponential("2 millis").pipe(
  Schedule.jittered,
  Schedule.either(Schedule.spaced("50 millis")),
  Schedule.intersect(Schedule.recurs(50)),
)

const outgoing = (message: AnyMessage) =>
  Effect.map(Traceparent.current, (traceparent): Outgoing => ({ message, traceparent: Option.getOrNull(traceparent) }))

/** `flight.scheduled` for a new flight: it starts the flight's saga, named by the flight's id. */
export const scheduledEvent = (flight: Flight.Flight) =>
  Envelope.make(Messages.FlightScheduled, {
    flightId: flight.id,
    flightNumber: flight.flightNumber,
    origin: flight.origin,
    destination: flight.destination,
    departureAt: flight.departureAt,
    arrivalAt: flight.arrivalAt,
    aircraft: flight.aircraft,
    cabins: flight.cabins,
  }, { source, correlationId: flight.id })

const seatsUpdatedEvent = (flight: Flight.Flight, cause: AnyMessage) =>
  Envelope.make(Messages.FlightSeatsUpdated, {
    flightId: flight.id,
    cabins: flight.availability.map((entry) => ({
      cabin: entry.cabin,
      capacity: entry.capacity,
      availableSeats: entry.available,
    })),
  }, { source, causedBy: { id: cause.id, correlationId: cause.correlationId } })

export type BookingEvent = MessageOf<"booking.created" | "booking.confirmed" | "booking.cancelled">

const changeOf = (event: BookingEvent): Availability.BookingChange => ({
  kind: event.type === "booking.created" ? "created" : event.type === "booking.confirmed" ? "confirmed" : "cancelled",
  bookingId: event.data.bookingId,
  cabin: event.data.cabin,
  seats: event.data.seats.length,
})

export class FlightCommands extends Effect.Service<FlightCommands>()("flight/FlightCommands", {
  effect: Effect.gen(function* () {
    const repository = yield* FlightRepository

    /** Replays what an Idempotency-Key recorded, or says the key came with another request. */
    const replay = (request: IdempotentRequest) =>
      Effect.flatMap(repository.creationByKey(request.key), Option.match({
        onNone: () => Effect.succeed(Option.none<Flight.Flight>()),
        onSome: (recorded) =>
          recorded.fingerprint === request.fingerprint
            ? Effect.succeed(Option.some(recorded.flight))
            : Effect.fail(new IdempotencyKeyReused({ key: request.key })),
      }))

    const schedule = Effect.fn("FlightCommands.schedule")(function* (
      input: Flight.FlightSchedule,
      request: Option.Option<IdempotentRequest>,
    ) {
      if (Option.isSome(request)) {
        const earlier = yield* replay(request.value)
        if (Option.isSome(earlier)) return { flight: earlier.value, replayed: true }
      }
      const id = (yield* Effect.sync(() => Bun.randomUUIDv7())) as FlightId
      const flight = Flight.schedule(id, input, yield* DateTime.now)
      const event = yield* outgoing(yield* scheduledEvent(flight))
      const inserted = yield* repository.insert(flight, [event], request).pipe(
        Effect.as({ flight, replayed: false }),
        // Two requests with one key raced, and the other stored first: answer as it did.
        Effect.catchTag("IdempotencyKeyTaken", (taken) =>
          Effect.flatMap(Option.isSome(request) ? replay(request.value) : Effect.succeed(Option.none()), Option.match({
            onNone: () => Effect.die(taken),
            onSome: (earlier) => Effect.succeed({ flight: earlier, replayed: true }),
          }))),
      )
      return inserted
    })

    /** Reads, changes and writes a flight, again from the top while another writer gets there first. */
    const modify = <E>(
      id: FlightId,
      change: (flight: Flight.Flight) => Effect.Effect<Option.Option<{ readonly flight: Flight.Flight; readonly events: ReadonlyArray<AnyMessage> }>, E>,
    ) =>
      Effect.gen(function* () {
        const flight = yield* Effect.flatMap(repository.get(id), Option.match({
          onNone: () => Effect.fail(new Flight.FlightNotFound({ id })),
          onSome: Effect.succeed,
        }))
        const changed = yield* change(flight)
        if (Option.isNone(changed)) return flight
        const events = yield* Effect.forEach(changed.value.events, outgoing)
        yield* repository.save(changed.value.flight, Option.none(), events)
        return changed.value.flight
      }).pipe(Effect.retry({ schedule: onVersionConflict, while: (error) => error instanceof VersionConflict }))

    const changeStatus = Effect.fn("FlightCommands.changeStatus")(function* (id: FlightId, change: Flight.StatusChange) {
      return yield* modify(id, (flight) =>
        Effect.gen(function* () {
          const next = yield* Flight.changeStatus(flight, change, yield* DateTime.now)
          const event = yield* Envelope.make(Messages.FlightStatusChanged, {
            flightId: next.id,
            flightNumber: next.flightNumber,
            previousStatus: flight.status,
            status: next.status,
            reason: next.statusReason,
            departureAt: next.departureAt,
          }, { source, correlationId: next.id })
          return Option.some({ flight: next, events: [event] })
        }))
    })

    /**
     * Applies a booking event to the availability of its flight, once per booking whatever the order
     * and the number of deliveries; publishes `flight.seats-updated` when the seats changed.
     */
    const applyBooking = Effect.fn("FlightCommands.applyBooking")(function* (event: BookingEvent) {
      const change = changeOf(event)
      yield* Effect.annotateCurrentSpan({ "booking.id": change.bookingId, "flight.id": event.data.flightId })
      return yield* Effect.gen(function* () {
        const found = yield* repository.getWithBooking(event.data.flightId, change.bookingId)
        if (Option.isNone(found)) return yield* Effect.fail(new Flight.FlightNotFound({ id: event.data.flightId }))
        const { entry, flight } = found.value
        const applied = yield* Either.match(Availability.apply(flight.availability, entry, change), {
          onLeft: Effect.fail,
          onRight: Effect.succeed,
        })
        if (Option.isNone(applied)) return false
        const next = Flight.updated(flight, { availability: applied.value.availability }, yield* DateTime.now)
        const events = applied.value.seatsChanged ? [yield* outgoing(yield* seatsUpdatedEvent(next, event))] : []
        yield* repository.save(next, Option.some({ id: change.bookingId, entry: applied.value.entry }), events)
        return applied.value.seatsChanged
      }).pipe(Effect.retry({ schedule: onVersionConflict, while: (error) => error instanceof VersionConflict }))
    })

    return { schedule, changeStatus, applyBooking } as const
  }),
}) {}
