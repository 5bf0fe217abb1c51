/**
 * Idempotency-Keys of `POST /api/notifications` are kept `IdempotencyKey.retention` (25 hours; the
 * API promises at least 24) and then forgotten, by a purge at start and every hour after.
 */
import { IdempotencyKey } from "@flight/runtime"
import { Effect } from "effect"
import { NotificationStore } from "../domain/Notification.ts"

/** Purges for the life of the scope. */
export const startKeyPurge = Effect.flatMap(NotificationStore, (store) => IdempotencyKey.startPurge(store.purgeKeys))
