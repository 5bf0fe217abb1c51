/**
 * The notification service's consumer: every event of DESIGN §4 a customer hears about, and the
 * `notification.send` command. A delivery that fails for a passing reason (an SMTP server down, a
 * contact not known yet, a notification another instance is sending) is retried in place with
 * `deliveryRetry`; a message that names an unknown template, lacks a template's data or carries
 * control characters in it, or keeps failing, is dead-lettered with the reason.
 */
import { type Consumer, HandlerPolicy, Lease } from "@flight/bus"
import { type Handlers } from "@flight/bus"
import { Catalogue } from "@flight/contracts"
import { Duration, Effect, Schedule } from "effect"
import { claimLease, NotificationCommands, NotificationInProgress } from "./NotificationCommands.ts"

/**
 * From 200 ms, jittered, capped at 5 s, for three minutes: an SMTP server restarting, a contact
 * that has not arrived yet. A notification another sender holds (`NotificationInProgress`) is asked
 * again at least every third of a claim's lease (1 s), as often as a live holder renews it: one whose
 * sender stopped is sent within a second of its lease running out, about 4 s after the sender's
 * last renewal, and one whose sender is only slow is found sent soon after it is recorded. Three
 * minutes is far past any lease: a message is given up only when its sender is slower than that.
 */
export const deliveryRetry = Schedule.exponential("200 millis").pipe(
  Schedule.jittered,
  // Its output is the error it retries, so that the delay can depend on it.
  Schedule.passthrough,
  Schedule.modifyDelay((error, delay) => {
    const capped = Duration.min(delay, error instanceof NotificationInProgress ? Lease.renewalInterval(claimLease) : Duration.seconds(5))
    // In whole milliseconds, as a timer waits: the passthrough's interval arithmetic is then exact.
    return Duration.millis(Math.round(Duration.toMillis(capped)))
  }),
  Schedule.upTo("3 minutes"),
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
