/**
 * The payment service's consumer: `booking.created` opens the booking's intent, `booking.cancelled`
 * closes it or, for a paid booking, records its refund. Each message is applied once, recorded in
 * the inbox in the same transaction as its effect.
 */
import { type Consumer, HandlerPolicy } from "@flight/bus"
import { Effect } from "effect"
import type { PaymentStoreError } from "../domain/PaymentRepository.ts"
import { PaymentCommands } from "./PaymentCommands.ts"

export const policy = HandlerPolicy.make<PaymentStoreError>({
  retry: HandlerPolicy.storeOutageRetry,
  isTransient: (error) => error.transient,
  idempotency: null,
})

export const consumer: Effect.Effect<Consumer<PaymentStoreError, never>, never, PaymentCommands> = Effect.gen(function* () {
  const commands = yield* PaymentCommands
  return {
    service: "payment",
    handlers: {
      "booking.created": (message) => Effect.asVoid(commands.openIntent(message)),
      "booking.cancelled": (message) => Effect.asVoid(commands.bookingEnded(message)),
    },
    policy,
  }
})
