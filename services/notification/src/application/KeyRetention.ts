/**
 * Idempotency-Keys of `POST /api/notifications` are kept 25 hours (the API promises at least 24)
 * and then forgotten, by a purge that runs at start and every hour after. Several instances purging
 * at once delete the same keys; nothing else depends on the timing.
 */
import { DateTime, Duration, Effect, Schedule } from "effect"
import { NotificationStore } from "../domain/Notification.ts"

export const keyRetention = Duration.hours(25)
export const purgeEvery = Duration.hours(1)

/** One purge: keys recorded more than `keyRetention` ago; answers how many. */
export const purgeKeys = Effect.gen(function* () {
  const store = yield* NotificationStore
  const before = DateTime.subtractDuration(yield* DateTime.now, keyRetention)
  return yield* store.purgeKeys(before)
})

/** Purges now and every `purgeEvery` for the life of the scope; a failed purge is logged and the next one tries again. */
export const startKeyPurge = Effect.forkScoped(
  purgeKeys.pipe(
    Effect.tap((purged) => (purged > 0 ? Effect.logDebug(`Forgot ${purged} Idempotency-Keys older than ${Duration.format(keyRetention)}`) : Effect.void)),
    Effect.catchAll((error) => Effect.logWarning(`Idempotency-Key purge failed: ${error.message}`)),
    Effect.repeat(Schedule.spaced(purgeEvery)),
  ),
)
