/**
 * One holder at a time per key within the process: a semaphore per key, made by its first user and
 * dropped when its last one is done, so keys not in use cost nothing and other keys never wait.
 *
 * Finding, making and counting a key's semaphore is one synchronous step, so all the users of a key
 * share one. An `RcMap` of semaphores does not guarantee that: in effect 3.22 a `get` that misses
 * waits for the map's own semaphore and then makes the entry without looking again, so when the
 * fiber making a key's entry is descheduled (a fiber yields after its budget of steps, as under
 * load), the next user of that key makes a second semaphore and both run at once.
 */
import { Effect } from "effect"

export interface KeyedLock {
  /** Runs `effect` alone among this lock's holders of `key`. */
  readonly alone: (key: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** How many keys have a semaphore now (held or awaited): none once every holder is done. */
  readonly size: Effect.Effect<number>
}

interface Entry {
  readonly semaphore: Effect.Semaphore
  /** The fibers holding or awaiting it. */
  users: number
}

export const make: Effect.Effect<KeyedLock> = Effect.sync(() => {
  const entries = new Map<string, Entry>()
  const enter = (key: string) =>
    Effect.sync(() => {
      const entry = entries.get(key) ?? { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
      entry.users += 1
      entries.set(key, entry)
      return entry
    })
  const leave = (key: string, entry: Entry) =>
    Effect.sync(() => {
      entry.users -= 1
      if (entry.users === 0) entries.delete(key)
    })
  return {
    alone: (key) => (effect) => Effect.acquireUseRelease(enter(key), (entry) => entry.semaphore.withPermits(1)(effect), (entry) => leave(key, entry)),
    size: Effect.sync(() => entries.size),
  }
})
