/** The simulated gateway's tokens, and the retry policy of gateway calls on the TestClock. */
import { Money } from "@flight/contracts"
import { expect, test } from "bun:test"
import { Effect, Fiber, Ref, TestClock, TestContext } from "effect"
import { gatewayRetry } from "../src/application/PaymentCommands.ts"
import { GatewayUnavailable } from "../src/domain/PaymentGateway.ts"
import * as SimulatedGateway from "../src/infrastructure/SimulatedGateway.ts"

const amount = Money.make({ amount: 45000, currency: "GBP" })
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.provide(effect, TestContext.TestContext))

test("tokens: visa and mastercard approve, declines say why, unknown tokens are declined", () =>
  run(Effect.gen(function* () {
    const gateway = SimulatedGateway.make()
    const charge = (token: string) => gateway.charge({ key: `key-${token}`, amount, token })
    expect((yield* charge("tok_visa"))._tag).toBe("Approved")
    expect((yield* charge("tok_mastercard"))._tag).toBe("Approved")
    expect(yield* charge("tok_chargeDeclined")).toEqual({ _tag: "Declined", reason: "card_declined" })
    expect(yield* charge("tok_insufficientFunds")).toEqual({ _tag: "Declined", reason: "insufficient_funds" })
    expect(yield* charge("tok_stolen")).toEqual({ _tag: "Declined", reason: "invalid_token" })
  })))

test("the gateway is idempotent by key: the same key answers the same transaction", () =>
  run(Effect.gen(function* () {
    const gateway = SimulatedGateway.make()
    const first = yield* gateway.charge({ key: "k", amount, token: "tok_visa" })
    const again = yield* gateway.charge({ key: "k", amount, token: "tok_visa" })
    const other = yield* gateway.charge({ key: "other", amount, token: "tok_visa" })
    expect(again).toEqual(first)
    expect(other).not.toEqual(first)
  })))

test("tok_processingError fails as unavailable twice for a key, then approves; the retry policy gets it through", () =>
  run(Effect.gen(function* () {
    const gateway = SimulatedGateway.make()
    const attempts = yield* Ref.make(0)
    const fiber = yield* Effect.fork(
      Ref.update(attempts, (n) => n + 1).pipe(
        Effect.zipRight(gateway.charge({ key: "k", amount, token: "tok_processingError" })),
        Effect.retry({ schedule: gatewayRetry, while: (error) => error.transient }),
      ),
    )
    yield* TestClock.adjust("10 seconds")
    expect((yield* Fiber.join(fiber))._tag).toBe("Approved")
    expect(yield* Ref.get(attempts)).toBe(3)
  })))

test("the retry policy tries four more times, with growing jittered delays, then gives up", () =>
  run(Effect.gen(function* () {
    const instants = yield* Ref.make<Array<number>>([])
    const fiber = yield* Effect.fork(
      Effect.flatMap(TestClock.currentTimeMillis, (now) => Ref.update(instants, (all) => [...all, now])).pipe(
        Effect.zipRight(Effect.fail(new GatewayUnavailable({ reason: "down" }))),
        Effect.retry({ schedule: gatewayRetry, while: (error) => error.transient }),
        Effect.either,
      ),
    )
    yield* TestClock.adjust("1 minute")
    expect((yield* Fiber.join(fiber))._tag).toBe("Left")
    const all = yield* Ref.get(instants)
    expect(all).toHaveLength(5)
    const delays = all.slice(1).map((at, index) => at - all[index]!)
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(100 * 2 ** index * 0.8 - 1)
      expect(delay).toBeLessThanOrEqual(100 * 2 ** index * 1.2 + 1)
    })
  })))
