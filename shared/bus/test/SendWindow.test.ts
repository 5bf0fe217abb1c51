/**
 * `SendWindow.inOrder`: items started in their order, never more than the window awaiting an answer,
 * the pass over once every item sent has its answer, whether answers come later, at once (as the
 * in-process bus gives them) or never for an item not sent.
 */
import { expect, test } from "bun:test"
import { Effect, Fiber } from "effect"
import * as SendWindow from "../src/SendWindow.ts"

/** Items whose answers the test gives: `answer(i)` tells item i's. */
const later = () => {
  const started: Array<number> = []
  const pending = new Map<number, () => void>()
  let awaiting = 0
  let most = 0
  const start: SendWindow.Start<number> = (item, done) =>
    Effect.sync(() => {
      started.push(item)
      awaiting++
      most = Math.max(most, awaiting)
      pending.set(item, () => {
        awaiting--
        done()
      })
      return true
    })
  const answer = (item: number) => {
    const told = pending.get(item)!
    pending.delete(item)
    told()
  }
  return { start, started, answer, most: () => most, pending }
}

test("items start in order, no more than the window awaiting, and the pass ends once every answer has come", () =>
  Effect.runPromise(Effect.gen(function* () {
    const items = Array.from({ length: 10 }, (_, index) => index)
    const { start, started, answer, most, pending } = later()
    const pass = yield* Effect.fork(SendWindow.inOrder(items, 3, start))
    yield* Effect.yieldNow()
    expect(started).toEqual([0, 1, 2])
    // Answers out of order free the window all the same.
    answer(1)
    yield* Effect.yieldNow()
    expect(started).toEqual([0, 1, 2, 3])
    while (started.length < items.length || pending.size > 0) {
      const [first] = [...pending.keys()]
      if (first !== undefined) answer(first)
      yield* Effect.yieldNow()
    }
    yield* Fiber.join(pass)
    expect(started).toEqual(items)
    expect(most()).toBe(3)
  })))

test("the pass waits for the last answers before it ends", () =>
  Effect.runPromise(Effect.gen(function* () {
    const { start, answer } = later()
    const pass = yield* Effect.fork(SendWindow.inOrder([0, 1], 5, start))
    yield* Effect.yieldNow()
    answer(0)
    yield* Effect.yieldNow()
    expect(pass.unsafePoll()).toBeNull()
    answer(1)
    yield* Fiber.join(pass)
  })))

test("answers told while the item is sent (a bus whose publish ends at once) and items not sent leave the window's room as it was", () =>
  Effect.runPromise(Effect.gen(function* () {
    const started: Array<number> = []
    const start: SendWindow.Start<number> = (item, done) =>
      Effect.sync(() => {
        started.push(item)
        // Odd items are not sent (and never answered); even ones are answered as they are sent.
        if (item % 2 === 1) return false
        done()
        return true
      })
    // With a window of one, a room counted wrong would stop the pass at its second item.
    yield* SendWindow.inOrder(Array.from({ length: 20 }, (_, index) => index), 1, start)
    expect(started).toHaveLength(20)
  })))

test("an item told done and then said not sent counts once: the pass still waits for the answers after it", () =>
  Effect.runPromise(Effect.gen(function* () {
    const { start: later_, answer } = later()
    const start: SendWindow.Start<number> = (item, done) =>
      item === 0
        ? Effect.sync(() => {
          // A send whose answer came at once, then failed on its way back (say, a throwing tracer).
          done()
          done()
          return false
        })
        : later_(item, done)
    const pass = yield* Effect.fork(SendWindow.inOrder([0, 1], 1, start))
    yield* Effect.yieldNow()
    yield* Effect.yieldNow()
    expect(pass.unsafePoll()).toBeNull()
    answer(1)
    yield* Fiber.join(pass)
  })))
