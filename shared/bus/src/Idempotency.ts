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
  const running = new Map<string, Effect.Semaphore>()
  const lockFor = (key: string) =>
    Effect.sync(() => {
      const existing = running.get(key)
      if (existing !== undefined) return existing
      const lock = Effect.unsafeMakeSemaphore(1)
      running.set(key, lock)
      return lock
    })
  return {
    applied,
    once: (key, effect) =>
      Effect.flatMap(lockFor(key), (lock) =>
        lock.withPermits(1)(
          Effect.suspend(() =>
            applied.has(key)
              ? Effect.succeed(false)
              : Effect.as(Effect.tap(effect, () => Effect.sync(() => applied.add(key))), true)
          ),
        )).pipe(Effect.ensuring(Effect.sync(() => {
          if (applied.has(key)) running.delete(key)
        }))),
  }
}
