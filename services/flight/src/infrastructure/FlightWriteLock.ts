/**
 * Writes of one flight document, one at a time within the process. MongoDB makes each
 * single-document update atomic, so the version guard is enough there, across any number of
 * instances; the MongoDB-compatible FerretDB 1.x does not (it reads, changes and writes back, so two
 * concurrent conditional updates can both succeed and a concurrent `$push` can be lost), and with
 * this lock one instance on it is correct too. See docs/decisions/0009.
 *
 * A flight's lock is made by its first writer and dropped when its last one is done; all the writers
 * of a flight share one however they are scheduled (`KeyedLock`; an `RcMap` of semaphores did not).
 */
import { KeyedLock } from "@flight/runtime"
import { Effect } from "effect"

export interface FlightWriteLock {
  /** Runs a write of the flight's document alone among this process's writes of it. */
  readonly alone: (id: string) => <A, E, R>(write: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** How many flights have a lock now (held or awaited): none once every write is done. */
  readonly size: Effect.Effect<number>
}

export const make: Effect.Effect<FlightWriteLock> = Effect.map(KeyedLock.make, (locks) => ({
  alone: (id) => (write) =>
    // Uninterruptible inside the lock: an interrupted call would free the lock while its update may
    // still run on the server (closing the client at shutdown ends any call still waiting).
    locks.alone(id)(Effect.uninterruptible(write)),
  size: locks.size,
}))
