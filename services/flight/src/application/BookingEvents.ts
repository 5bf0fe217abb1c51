/**
 * The flight service's consumer: the booking events that keep seat availability. Redelivery needs
 * no message-id store here, because the availability ledger applies each event once per booking
 * (see `Availability`). A store failure or a lost race is retried in place (`retry`); an event for a flight
 * or cabin the catalogue does not have, or one that would take more seats than are left, is
 * dead-lettered with its reason for someone to look at.
 *
 * The events of one flight are applied in batches (see `BookingBatches`): each handler waits for the
 * write that holds its event, so a message is acknowledged only once its change is stored.
 */
import { type Consumer, HandlerPolicy } from "@flight/bus"
import { StoreError } from "@flight/runtime"
import { Effect, type Scope } from "effect"
import * as BookingBatches from "./BookingBatches.ts"
import type { BookingEvent, FlightCommands } from "./FlightCommands.ts"

/** What a handler fails with: what applying its event in its flight's batch failed with. */
export type HandlerError = BookingBatches.BatchError

/** Rides out a store outage of about two minutes before dead-lettering (`HandlerPolicy.storeOutageRetry`). */
export const retry = HandlerPolicy.storeOutageRetry

export const policy = HandlerPolicy.make<HandlerError>({
  retry,
  isTransient: (error) => error._tag === "VersionConflict" || StoreError.isTransient(error),
  idempotency: null,
})

/**
 * Booking events in hand at once, across flights: a flight's batch is what is in hand, and its cost
 * is one read and one write of the flight whatever its size (16, the bus's default, measured 39
 * events/s on one flight; 64, 70 on a busy machine: `bun run bench:flight-consumer`).
 */
export const prefetch = 64

/** The consumer, with the batchers it hands events to; they close with the scope, after the consumer. */
export const consumer: Effect.Effect<Consumer<HandlerError, never>, never, FlightCommands | Scope.Scope> = Effect.gen(function* () {
  const batches = yield* BookingBatches.make()
  const apply = (event: BookingEvent) => Effect.asVoid(batches.apply(event))
  return {
    service: "flight",
    handlers: { "booking.created": apply, "booking.confirmed": apply, "booking.cancelled": apply },
    policy,
    // The batch of a flight is what is in hand: more in hand, fewer writes of its document.
    prefetch,
  }
})
