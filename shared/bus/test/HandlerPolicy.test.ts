import { expect, test } from "bun:test"
import { Duration, Effect, Fiber, Ref, Schedule, TestClock, TestContext } from "effect"
import * as HandlerPolicy from "../src/HandlerPolicy.ts"

const runTest = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(effect, TestContext.TestContext))

/** Runs a failing effect under `schedule` and answers the instants (ms) of each attempt. */
const attemptsUnder = (schedule: Schedule.Schedule<unknown>, advanceBy: Duration.DurationInput) =>
  Effect.gen(function* () {
    const instants = yield* Ref.make<Array<number>>([])
    const fiber = yield* Effect.fork(
      Effect.flatMap(TestClock.currentTimeMillis, (now) => Ref.update(instants, (all) => [...all, now])).pipe(
        Effect.zipRight(Effect.fail("still down")),
        Effect.retry(schedule),
        Effect.either,
      ),
    )
    yield* TestClock.adjust(advanceBy)
    return { instants: yield* Ref.get(instants), fiber }
  })

test("the transient retry makes five retries with growing, jittered delays, then gives up", () =>
  runTest(Effect.gen(function* () {
    const { instants, fiber } = yield* attemptsUnder(HandlerPolicy.transientRetry, "1 minute")
    expect(instants.length).toBe(6)
    const delays = instants.slice(1).map((at, i) => at - instants[i]!)
    // Exponential from 100 ms (100, 200, 400, 800, 1600), each jittered between 80% and 120%.
    delays.forEach((delay, i) => {
      const base = 100 * 2 ** i
      expect(delay).toBeGreaterThanOrEqual(base * 0.8 - 10)
      expect(delay).toBeLessThanOrEqual(base * 1.2 + 10)
    })
    expect((yield* Fiber.join(fiber))._tag).toBe("Left")
  })))

test("reconnection backs off to at most 5 seconds and never gives up", () =>
  runTest(Effect.gen(function* () {
    const { instants, fiber } = yield* attemptsUnder(HandlerPolicy.reconnect, "3 minutes")
    const delays = instants.slice(1).map((at, i) => at - instants[i]!)
    expect(instants.length).toBeGreaterThan(30)
    expect(Math.max(...delays)).toBeLessThanOrEqual(5_000)
    expect(delays.at(-1)).toBe(5_000)
    expect(fiber.unsafePoll()).toBeNull()
    yield* Fiber.interrupt(fiber)
  })))

test("a policy retries only what it calls transient", () =>
  runTest(Effect.gen(function* () {
    const policy = HandlerPolicy.make<{ readonly transient: boolean }>({ isTransient: HandlerPolicy.byTransientFlag, idempotency: null })
    expect(policy.isTransient({ transient: true })).toBe(true)
    expect(policy.isTransient({ transient: false })).toBe(false)
    expect(HandlerPolicy.byTransientFlag(new Error("boom"))).toBe(false)
    expect(policy.retry).toBe(HandlerPolicy.transientRetry)
  })))
