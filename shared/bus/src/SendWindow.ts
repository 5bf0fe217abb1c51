/**
 * Sends items one after the other, in their order, with at most `window` of them awaiting their
 * answers at once, and no fiber for any of them: each is sent by `MessageBus.send`, whose answer
 * comes in a callback. Before an item is sent, the window must have room (the pass waits for an
 * answer when it is full), and the pass ends once every item sent has its answer.
 */
import { Effect } from "effect"

/**
 * `start` sends its item, telling `done` once its answer has come (after recording it), or decides
 * not to, and says which: `false` when it sent nothing, and then `done` is never to be told.
 */
export type Start<A> = (item: A, done: () => void) => Effect.Effect<boolean>

export const inOrder = <A>(items: ReadonlyArray<A>, window: number, start: Start<A>): Effect.Effect<void> =>
  Effect.suspend(() => {
    let awaiting = 0
    let wake: (() => void) | null = null
    /** Until at most `most` items await their answer. */
    const until = (most: number) =>
      Effect.async<void>((resume) => {
        const check = () => {
          if (awaiting <= most) {
            wake = null
            resume(Effect.void)
          } else wake = check
        }
        check()
        return Effect.sync(() => {
          wake = null
        })
      })
    /** An item's `done`: told once, whatever its `start` does (a second telling changes nothing). */
    const doneOnce = () => {
      let told = false
      return () => {
        if (told) return
        told = true
        awaiting--
        wake?.()
      }
    }
    const most = Math.max(1, window) - 1
    return Effect.gen(function* () {
      for (const item of items) {
        if (awaiting > most) yield* until(most)
        // Counted before the send: its answer may come while it runs (a bus whose publish ends at once).
        awaiting++
        const done = doneOnce()
        // Not sent: its room is given back (told once, as if answered, had it been answered already).
        if (!(yield* start(item, done))) done()
      }
      if (awaiting > 0) yield* until(0)
    })
  })
