/**
 * The notification service's consumer: every event of DESIGN §4 a customer hears about, and the
 * `notification.send` command. A delivery that fails for a passing reason (an SMTP server down, a
 * contact not known yet, a notification another instance is sending) is retried in place with
 * `deliveryRetry`; a message that names an unknown template, lacks a template's data or carries
 * control characters in it, or keeps failing, is dead-lettered with the reason.
 */
import { type Consumer, HandlerPolicy } from "@flight/bus"
import { type Handlers } from "@flight/bus"
import { Catalogue } from "@flight/contracts"
import { Duration, Effect, Schedule } from "effect"
import { claimLease, NotificationCommands } from "./NotificationCommands.ts"

/**
 * From 200 ms, jittered, capped at 5 s, for a minute longer than a claim's lease: a notification
 * held by a sender that stopped is sent once its claim runs out, rather than given up.
 */
export const deliveryRetry = Schedule.exponential("200 millis").pipe(
  Schedule.jittered,
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(5))),
  Schedule.upTo(Duration.sum(claimLease, Duration.minutes(1))),
)

type HandlerError = Effect.Effect.Error<ReturnType<NotificationCommands["handle"]>>

export const policy = HandlerPolicy.make<HandlerError>({
  retry: deliveryRetry,
  isTransient: HandlerPolicy.byTransientFlag,
  idempotency: null,
})

export const consumer: Effect.Effect<Consumer<HandlerError, never>, never, NotificationCommands> = Effect.gen(function* () {
  const commands = yield* NotificationCommands
  const handlers = Object.fromEntries(
    Catalogue.consumedBy("notification").map((definition) => [definition.type, commands.handle]),
  ) as Handlers<HandlerError, never>
  return { service: "notification", handlers, policy }
})
