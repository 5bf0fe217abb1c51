/**
 * The booking service's commands: CreateBooking, CancelBooking, ConfirmBooking (from a payment),
 * ExpireBooking (from the sweeper), and the flight's side: SeedInventory, ApplyFlightStatus. Each is
 * one atomic repository step with the event that reports it.
 */
import {
  type AnyMessage,
  BookingId,
  Envelope,
  type FlightId,
  Messages,
  type MessageOf,
  type PaymentId,
  type SeatNumber,
} from "@flight/contracts"
import { Idempotent, Spans } from "@flight/runtime"
import { Context, DateTime, type Duration, Effect, Option } from "effect"
import { type Booking, seatsOf } from "../domain/Booking.ts"
import {
  BookingNotFound,
  BookingRepository,
  BookingStoreError,
  CabinNotOnFlight,
  FlightNotFound,
} from "../domain/BookingRepository.ts"
import { PartyOverHoldLimit } from "../domain/HoldLimit.ts"
import { checkRequested, FlightSeating, maximumTotal, TotalTooLarge } from "../domain/SeatInventory.ts"
import { type CreateBooking, holdRequestOf } from "./HoldRequests.ts"
import { derivedMessageId, outgoing, source } from "./OutgoingMessages.ts"

export type { CreateBooking } from "./HoldRequests.ts"

/** How long a new booking holds its seats (BOOKING_HOLD_TTL). */
export class HoldTtl extends Context.Tag("booking/HoldTtl")<HoldTtl, Duration.Duration>() {}

/** How many seats one holder may hold at once (BOOKING_MAX_HELD_SEATS; DESIGN §10). */
export class MaxHeldSeats extends Context.Tag("booking/MaxHeldSeats")<MaxHeldSeats, number>() {}

/** The Idempotency-Key failures (decision 24), the runtime's: a key reused with another request, a first request still running. */
export const IdempotencyKeyReused = Idempotent.IdempotencyKeyReused
export type IdempotencyKeyReused = Idempotent.IdempotencyKeyReused
export const RequestInProgress = Idempotent.RequestInProgress
export type RequestInProgress = Idempotent.RequestInProgress

const cancelledEvent = (booking: Booking, reason: "customer" | "expired" | "flight-cancelled", causedBy?: AnyMessage) =>
  Envelope.make(Messages.BookingCancelled, {
    bookingId: booking.id,
    reference: booking.reference,
    flightId: booking.flightId,
    cabin: booking.cabin,
    seats: seatsOf(booking) as unknown as readonly [SeatNumber, ...Array<SeatNumber>],
    reason,
    paid: booking.paymentId !== null,
    contact: booking.contact,
  }, {
    source,
    correlationId: booking.id,
    causedBy: causedBy === undefined ? undefined : { id: causedBy.id, correlationId: booking.id },
  })

export class BookingCommands extends Effect.Service<BookingCommands>()("booking/BookingCommands", {
  effect: Effect.gen(function* () {
    const repository = yield* BookingRepository
    const holdTtl = yield* HoldTtl
    const maxHeldSeats = yield* MaxHeldSeats

    const found = (id: BookingId) =>
      Effect.flatMap(repository.get(id), Option.match({
        onNone: () => Effect.fail(new BookingNotFound({ id })),
        onSome: Effect.succeed,
      }))

    // A flight's cabins, rows, letters and fares never change once scheduled, so they are read once
    // per process; its status can, and the hold script checks it in the same step as the claim.
    const layouts = new Map<FlightId, FlightSeating>()
    const layoutsOf = (flightId: FlightId) =>
      Effect.suspend(() => {
        const known = layouts.get(flightId)
        if (known !== undefined) return Effect.succeed(known)
        return Effect.flatMap(repository.seating(flightId), Option.match({
          onNone: () => Effect.fail(new FlightNotFound({ flightId })),
          onSome: (seating) =>
            Effect.sync(() => {
              if (layouts.size >= 10_000) layouts.clear()
              layouts.set(flightId, seating)
              return seating
            }),
        }))
      })

    /** Holds seats for a new booking under `id`; an id held before answers its booking (`replayed`). */
    const hold = (request: CreateBooking, id: BookingId) =>
      Effect.gen(function* () {
        const seating = yield* layoutsOf(request.flightId)
        const layout = seating.cabins.find((candidate) => candidate.cabin === request.cabin)
        if (layout === undefined) return yield* Effect.fail(new CabinNotOnFlight({ flightId: request.flightId, cabin: request.cabin }))
        yield* checkRequested(layout, request.passengers.map((passenger) => passenger.seat))
        const total = { amount: layout.fare.amount * request.passengers.length, currency: layout.fare.currency }
        if (total.amount > maximumTotal) {
          return yield* Effect.fail(new TotalTooLarge({ cabin: request.cabin, passengers: request.passengers.length }))
        }
        if (request.passengers.length > maxHeldSeats) {
          return yield* Effect.fail(new PartyOverHoldLimit({ limit: maxHeldSeats, passengers: request.passengers.length }))
        }
        const reference = yield* repository.reserveReference(id)
        const now = yield* DateTime.now
        return yield* repository.hold(yield* holdRequestOf(request, { id, reference, layout, total, now, holdTtl, maxSeats: maxHeldSeats }))
      })

    /** The keys for `once`, whose work needs no booking id: a claim only says that the key is free. */
    const onceKeys: Idempotent.Store<Booking, void, BookingStoreError> = {
      ...repository.idempotency,
      claim: (request) =>
        Effect.map(repository.idempotency.claim(request), (lookup) => (lookup._tag === "Fresh" ? Idempotent.fresh(undefined) : lookup)),
    }

    /**
     * Holds seats for a new booking. Under an Idempotency-Key (decision 24): the same request answers
     * the booking as first created (never refused by the holding limit), waiting for the first while
     * it runs; another request is refused; a failed request frees its key. The key's claim names the
     * booking id, so a retry after a crash between the hold and the record answers the booking held.
     * Refused when one of its holders would hold more than the limit.
     */
    const create = Spans.fn("BookingCommands.create")(function* (request: CreateBooking, idempotency: Option.Option<Idempotent.Request>) {
      yield* Effect.annotateCurrentSpan({ "flight.id": request.flightId, "booking.passengers": request.passengers.length })
      if (Option.isNone(idempotency)) return yield* hold(request, BookingId.make(Bun.randomUUIDv7()))
      // A claim whose request crashed after its hold: the hold answers the booking held then, a replay too.
      let heldBefore = false
      const answer = yield* Idempotent.run(repository.idempotency, idempotency.value, (id: BookingId) =>
        Effect.map(hold(request, id), (held) => {
          heldBefore = held.replayed
          return held.booking
        }))
      return { booking: answer.value, replayed: answer.replayed || heldBefore }
    })

    /**
     * Runs `run` once per Idempotency-Key (decision 24): the same request answers the recorded
     * booking (waiting for the first while it runs), another request under the key is refused, a
     * failure frees the key.
     */
    const once = <E, R>(idempotency: Option.Option<Idempotent.Request>, run: Effect.Effect<Booking, E, R>) =>
      Effect.map(Idempotent.optional(onceKeys, idempotency, run), (answer) => ({ booking: answer.value, replayed: answer.replayed }))

    const cancel = Spans.fn("BookingCommands.cancel")(function* (id: BookingId, reason: "customer" | "flight-cancelled", causedBy?: AnyMessage) {
      yield* Effect.annotateCurrentSpan({ "booking.id": id })
      const booking = yield* found(id)
      const event = yield* outgoing(yield* cancelledEvent(booking, reason, causedBy))
      return yield* repository.cancel(id, reason, yield* DateTime.now, event)
    })

    /** Confirms a booking from a successful payment; a redelivered payment changes nothing. */
    const confirm = Spans.fn("BookingCommands.confirm")(function* (payment: MessageOf<"payment.processed">) {
      const booking = yield* found(payment.data.bookingId)
      const event = yield* outgoing(yield* Envelope.make(Messages.BookingConfirmed, {
        bookingId: booking.id,
        reference: booking.reference,
        flightId: booking.flightId,
        cabin: booking.cabin,
        seats: seatsOf(booking) as unknown as readonly [SeatNumber, ...Array<SeatNumber>],
        paymentId: payment.data.paymentId as PaymentId,
        contact: booking.contact,
      }, { source, causedBy: { id: payment.id, correlationId: booking.id } }))
      return yield* repository.confirm(booking, payment.data.paymentId, yield* DateTime.now, event)
    })

    /** Expires a booking whose hold ran out (the sweeper's step); None when it is not due or not pending. */
    const expire = Spans.fn("BookingCommands.expire")(function* (id: BookingId) {
      const booking = yield* repository.get(id)
      // In the expiry index but never stored: its hold failed after the index was written.
      if (Option.isNone(booking)) return yield* Effect.as(repository.forgetExpiry(id), Option.none<Booking>())
      const event = yield* outgoing(yield* cancelledEvent(booking.value, "expired"))
      return yield* repository.expire(id, yield* DateTime.now, event)
    })

    const seed = Spans.fn("BookingCommands.seed")(function* (scheduled: MessageOf<"flight.scheduled">) {
      return yield* repository.seed(new FlightSeating({
        flightId: scheduled.data.flightId,
        flightNumber: scheduled.data.flightNumber,
        departureAt: scheduled.data.departureAt,
        status: "scheduled",
        cabins: scheduled.data.cabins,
      }))
    })

    /**
     * A flight's new status: recorded, so a cancelled or departed flight sells no more seats; a
     * cancelled flight cancels each of its bookings; a delayed one tells each booking's contact.
     */
    const applyFlightStatus = Spans.fn("BookingCommands.applyFlightStatus")(function* (changed: MessageOf<"flight.status-changed">) {
      const known = yield* repository.setFlightStatus(changed.data.flightId, changed.data.status, changed.data.departureAt)
      if (!known) return yield* Effect.fail(new FlightNotFound({ flightId: changed.data.flightId }))
      if (changed.data.status !== "cancelled" && changed.data.status !== "delayed") return
      const bookings = yield* repository.activeOnFlight(changed.data.flightId)
      for (const booking of bookings) {
        if (changed.data.status === "cancelled") {
          yield* cancel(booking.id, "flight-cancelled", changed).pipe(Effect.catchTag("InvalidTransition", () => Effect.void))
        } else {
          yield* notifyDelay(booking, changed)
        }
      }
    })

    /** Email to each booking's contact, and SMS where it has a phone (DESIGN §3, notification). */
    const notifyDelay = (booking: Booking, changed: MessageOf<"flight.status-changed">) =>
      Effect.gen(function* () {
        const channels: Array<readonly ["email" | "sms", string]> = [["email", booking.contact.email]]
        if (booking.contact.phone !== undefined) channels.push(["sms", booking.contact.phone])
        const commands = yield* Effect.forEach(channels, ([channel, recipient]) =>
          Effect.gen(function* () {
            const command = yield* Envelope.make(Messages.SendNotification, {
              channel,
              recipient,
              template: "flight-delayed",
              data: {
                bookingId: booking.id,
                reference: booking.reference,
                flightNumber: changed.data.flightNumber,
                departureAt: DateTime.formatIso(changed.data.departureAt),
                reason: changed.data.reason,
              },
            }, { source, causedBy: { id: changed.id, correlationId: booking.id } })
            // The same delay redelivered gives the same command id, so the notification is sent once.
            return yield* outgoing({ ...command, id: derivedMessageId(changed.id, `${booking.id}/${channel}`) })
          }))
        yield* repository.append(booking.flightId, commands)
      })

    return { create, cancel, once, confirm, expire, seed, applyFlightStatus } as const
  }),
}) {}
