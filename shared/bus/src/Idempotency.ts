/**
 * The idempotent-consumer support. A consumer's store records the ids of the messages it has
 * applied in the same atomic step as the handler's effect (the same PostgreSQL transaction, the
 * same Redis script, ...); a message whose id is already recorded is skipped.
 */
import { Data, Effect } from "effect"

export class IdempotencyStoreError extends Data.TaggedError("IdempotencyStoreError")<{ readonly reason: string }> {}

export interface Idempotency {
  /**
   * Runs `effect` unless `key` was applied before, and records `key` atomically with it: when the
   * effect fails, the key is not recorded. Answers whether the effect ran.
   */
  readonly once: <E, R>(
    key: string,
    effect: Effect.Effect<void, E, R>,
  ) => Effect.Effect<boolean, E | IdempotencyStoreError, R>
}

/**
 * An in-memory store for the embedded mode and tests. Its atomicity holds in one process: a key's
 * effects are serialised, and the key is recorded only after its effect succeeded.
 */
export const inMemory = (): Idempotency & { readonly applied: ReadonlySet<string> } => {
  const applied = new Set<string>()
  // One lock per key while someone uses it; the last user removes it, so failed keys leave nothing.
  const locks = new Map<string, { readonly lock: Effect.Semaphore; users: number }>()
  const acquire = (key: string) =>
    Effect.sync(() => {
      const entry = locks.get(key) ?? { lock: Effect.unsafeMakeSemaphore(1), users: 0 }
      entry.users += 1
      locks.set(key, entry)
      return entry
    })
  const release = (key: string) =>
    Effect.sync(() => {
      const entry = locks.get(key)
      if (entry !== undefined && --entry.users === 0) locks.delete(key)
    })
  return {
    applied,
    once: (key, effect) =>
      Effect.acquireUseRelease(
        acquire(key),
        ({ lock }) =>
          lock.withPermits(1)(
            Effect.suspend(() =>
              applied.has(key)
                ? Effect.succeed(false)
                : Effect.as(Effect.tap(effect, () => Effect.sync(() => applied.add(key))), true)
            ),
          ),
        () => release(key),
      ),
  }
}
