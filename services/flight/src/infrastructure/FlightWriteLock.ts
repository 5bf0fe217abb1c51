/**
 * Writes of one flight document, one at a time within the process. MongoDB makes each
 * single-document update atomic, so the version guard is enough there, across any number of
 * instances; the MongoDB-compatible FerretDB 1.x does not (it reads, changes and writes back, so two
 * concurrent conditional updates can both succeed and a concurrent `$push` can be lost), and with
 * this lock one instance on it is correct too. See docs/decisions/0009.
 *
 * A flight's lock is made by its first writer and dropped when its last one is done. Finding,
 * making and counting a lock is one synchronous step, so all the writers of a flight share one lock.
 * An `RcMap` of semaphores did not guarantee that: in effect 3.22 a `get` that misses waits for the
 * map's own semaphore and then makes the entry without looking again, so when the writer making a
 * flight's lock was preempted (a fiber yields after its budget of steps, as the consumer's 64
 * handlers do under load), the next writer of that flight made a second lock and both wrote at once.
 */
import { Effect } from "effect"

export interface FlightWriteLock {
  /** Runs a write of the flight's document alone among this process's writes of it. */
  readonly alone: (id: string) => <A, E, R>(write: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** How many flights have a lock now (held or awaited): none once every write is done. */
  readonly size: Effect.Effect<number>
}

interface Lock {
  readonly semaphore: Effect.Semaphore
  /** The writers holding or awaiting it. */
  users: number
}

export const make: Effect.Effect<FlightWriteLock> = Effect.sync(() => {
  const locks = new Map<string, Lock>()
  const enter = (id: string) =>
    Effect.sync(() => {
      const lock = locks.get(id) ?? { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
      lock.users += 1
      locks.set(id, lock)
      return lock
    })
  const leave = (id: string, lock: Lock) =>
    Effect.sync(() => {
      lock.users -= 1
      if (lock.users === 0) locks.delete(id)
    })
  return {
    alone: (id) => (write) =>
      Effect.acquireUseRelease(
        enter(id),
        // Uninterruptible inside the lock: an interrupted call would free the lock while its update
        // may still run on the server (closing the client at shutdown ends any call still waiting).
        (lock) => lock.semaphore.withPermits(1)(Effect.uninterruptible(write)),
        (lock) => leave(id, lock),
      ),
    size: Effect.sync(() => locks.size),
  }
})
