/** A lease renewed beside its holder's work, on the TestClock. */
import { expect, test } from "bun:test"
import { Clock, Effect, Fiber, FiberRef, HashMap, Option, Ref, TestClock, TestContext } from "effect"
import * as Lease from "../src/Lease.ts"

const runTest = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(effect, TestContext.TestContext))

test("renewed every third of the lease while the work runs, and no more once it ended", () =>
  runTest(Effect.gen(function* () {
    const renewals = yield* Ref.make(0)
    const fiber = yield* Effect.fork(
      Effect.sleep("3500 millis").pipe(Effect.as("done"), Lease.renewedWhile(Ref.update(renewals, (n) => n + 1), "3 seconds", "test")),
    )
    yield* TestClock.adjust("3500 millis")
    expect(yield* Fiber.join(fiber)).toBe("done")
    expect(yield* Ref.get(renewals)).toBe(3)
    yield* TestClock.adjust("10 seconds")
    expect(yield* Ref.get(renewals)).toBe(3)
  })))

test("work that must not be interrupted (an uninterruptible region) still ends, and its renewals with it", () =>
  runTest(Effect.gen(function* () {
    const renewals = yield* Ref.make(0)
    // A daemon, so that a fiber that never ends does not hold the test up when it is over.
    const fiber = yield* Effect.forkDaemon(Effect.uninterruptible(
      Effect.sleep("2500 millis").pipe(Effect.as("done"), Lease.renewedWhile(Ref.update(renewals, (n) => n + 1), "3 seconds", "test")),
    ))
    yield* TestClock.adjust("2500 millis")
    // Fiber.join would wait forever if the renewals could not be interrupted; poll instead.
    const exit = yield* Fiber.poll(fiber)
    expect(exit._tag).toBe("Some")
    expect(yield* Ref.get(renewals)).toBe(2)
  })))

test("a keeper renews the keys of all the work running, together, every third of the lease, and stops once none runs", () =>
  runTest(Effect.gen(function* () {
    const renewals: Array<ReadonlyArray<string>> = []
    const kept = Lease.keeper((keys: ReadonlyArray<string>) => Effect.sync(() => void renewals.push(keys)), "3 seconds", "test")
    const first = yield* Effect.fork(Effect.sleep("2500 millis").pipe(Effect.as("a"), kept(["a"])))
    yield* TestClock.adjust("500 millis")
    const second = yield* Effect.fork(Effect.sleep("3000 millis").pipe(Effect.as("b"), kept(["b", "c"])))
    yield* TestClock.adjust("2000 millis")
    expect(yield* Fiber.join(first)).toBe("a")
    yield* TestClock.adjust("1000 millis")
    expect(yield* Fiber.join(second)).toBe("b")
    // Ticks at 1 s and 2 s (both running), and at 3 s (only the second): then nothing runs.
    expect(renewals).toEqual([["a", "b", "c"], ["a", "b", "c"], ["b", "c"]])
    yield* TestClock.adjust("10 seconds")
    expect(renewals).toHaveLength(3)
    // Work held again later starts the renewals again.
    const third = yield* Effect.fork(Effect.sleep("1500 millis").pipe(Effect.as("d"), kept(["d"])))
    yield* TestClock.adjust("1500 millis")
    expect(yield* Fiber.join(third)).toBe("d")
    expect(renewals.slice(3)).toEqual([["d"]])
  })))

test("a keeper's key held by two pieces of work at once stays renewed until both ended; a failed renewal is followed by the next", () =>
  runTest(Effect.gen(function* () {
    const renewals: Array<ReadonlyArray<string>> = []
    let failures = 1
    const kept = Lease.keeper((keys: ReadonlyArray<string>) =>
      Effect.suspend(() => (failures-- > 0 ? Effect.fail("store down") : Effect.sync(() => void renewals.push(keys)))), "3 seconds", "test")
    const short = yield* Effect.fork(Effect.sleep("1500 millis").pipe(kept(["x"])))
    const long = yield* Effect.forkDaemon(Effect.uninterruptible(Effect.sleep("3500 millis").pipe(kept(["x"]))))
    yield* TestClock.adjust("3500 millis")
    yield* Fiber.join(short)
    expect((yield* Fiber.poll(long))._tag).toBe("Some")
    // The first tick failed; the second and third renewed the key the long work still held.
    expect(renewals).toEqual([["x"], ["x"]])
  })))

test("a keeper's renewal that takes longer than the beat is given up, and the next one comes on time", () =>
  runTest(Effect.gen(function* () {
    const started: Array<number> = []
    let first = true
    const kept = Lease.keeper(() =>
      Effect.gen(function* () {
        started.push(yield* Clock.currentTimeMillis)
        if (first) {
          first = false
          yield* Effect.never
        }
      }), "3 seconds", "test")
    const work = yield* Effect.fork(Effect.sleep("3500 millis").pipe(kept(["x"])))
    yield* TestClock.adjust("3500 millis")
    yield* Fiber.join(work)
    expect(started).toEqual([1000, 2000, 3000])
  })))

test("a keeper's renewals belong to no request: a trace of their own, none of the work's log annotations", () =>
  runTest(Effect.gen(function* () {
    const seen: Array<{ readonly parent: string; readonly annotations: number }> = []
    const kept = Lease.keeper(() =>
      Effect.gen(function* () {
        const span = yield* Effect.currentSpan
        const annotations = yield* FiberRef.get(FiberRef.currentLogAnnotations)
        seen.push({ parent: Option.match(span.parent, { onNone: () => "none", onSome: (parent) => parent.spanId }), annotations: HashMap.size(annotations) })
      }).pipe(Effect.orDie), "3 seconds", "test")
    const work = yield* Effect.fork(
      Effect.sleep("1500 millis").pipe(kept(["x"]), Effect.withSpan("request a"), Effect.annotateLogs({ request: "a" })),
    )
    yield* TestClock.adjust("1500 millis")
    yield* Fiber.join(work)
    expect(seen).toEqual([{ parent: "none", annotations: 0 }])
  })))
