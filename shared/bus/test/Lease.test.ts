/** A lease renewed beside its holder's work, on the TestClock. */
import { expect, test } from "bun:test"
import { Effect, Fiber, Ref, TestClock, TestContext } from "effect"
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
