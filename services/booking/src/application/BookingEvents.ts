/**
 * The booking service's consumer: `flight.scheduled` seeds a flight's seats, `flight.status-changed`
 * stops sales and cancels or notifies, `payment.processed` confirms (succeeded) or leaves the booking
 * pending (failed: the customer may pay again until the hold runs out). Each is idempotent by the
 * state it moves: a redelivery finds the work done.
 *
 * A payment for a booking that is no longer pending (expired, cancelled) confirms nothing: the payment
 * service refunds a charge whose booking ended (DESIGN §5, flow 3). `payment.refunded` needs nothing here.
 */
import { type Consumer, HandlerPolicy } from "@flight/bus"
import type { MessageOf } from "@flight/contracts"
import { Effect } from "effect"
import type { BookingNotFound, BookingStoreError, FlightNotFound } from "../domain/BookingRepository.ts"
import { BookingCommands } from "./BookingCommands.ts"

export type HandlerError = BookingNotFound | FlightNotFound | BookingStoreError

/** Rides out a store outage of about two minutes before dead-lettering (`HandlerPolicy.storeOutageRetry`). */
export const retry = HandlerPolicy.storeOutageRetry

export const policy = HandlerPolicy.make<HandlerError>({
  retry,
  isTransient: (error) => error._tag === "BookingStoreError" && error.transient,
  idempotency: null,
})

export const consumer: Effect.Effect<Consumer<HandlerError, never>, never, BookingCommands> = Effect.gen(function* () {
  const commands = yield* BookingCommands
  const paymentProcessed = (payment: MessageOf<"payment.processed">) =>
    payment.data.status !== "succeeded"
      ? Effect.void
      : commands.confirm(payment).pipe(
        Effect.asVoid,
        Effect.catchTags({
          InvalidTransition: (error) => Effect.logInfo(`payment ${payment.data.paymentId} confirms nothing: ${error.message}`),
          HoldExpired: (error) => Effect.logInfo(`payment ${payment.data.paymentId} confirms nothing: ${error.message}`),
        }),
      )
  return {
    service: "booking",
    handlers: {
      "flight.scheduled": (message) => Effect.asVoid(commands.seed(message)),
      "flight.status-changed": (message) => commands.applyFlightStatus(message),
      "payment.processed": paymentProcessed,
      "payment.refunded": () => Effect.void,
    },
    policy,
  }
})
