import { describe, expect, test } from "bun:test"
import { Context, Effect, Layer } from "effect"
import { EffectTest } from "../src/testing/index.ts"

class Greeter extends Context.Tag("test/Greeter")<Greeter, { readonly greet: (name: string) => string }>() {}
const GreeterTest = Layer.succeed(Greeter, { greet: (name) => `hello ${name}` })

describe("EffectTest", () => {
  test("run provides the layer and returns the value", async () => {
    expect(await EffectTest.run(Effect.map(Greeter, (g) => g.greet("Ada")), GreeterTest)).toBe("hello Ada")
  })

  test("run closes the test's scope before returning", async () => {
    const events: Array<string> = []
    await EffectTest.run(
      Effect.acquireRelease(Effect.sync(() => events.push("acquired")), () => Effect.sync(() => events.push("released"))),
    )
    expect(events).toEqual(["acquired", "released"])
  })

  test("a failure is thrown as an Error whose message is the pretty cause", async () => {
    class SeatsUnavailable extends Error {}
    const failed = EffectTest.run(Effect.fail(new SeatsUnavailable("seat 12A is taken")))
    await expect(failed).rejects.toThrow("seat 12A is taken")
  })

  EffectTest.effect("effect registers a test with its layer", Effect.gen(function*() {
    const greeter = yield* Greeter
    expect(greeter.greet("Grace")).toBe("hello Grace")
  }), { layer: GreeterTest })

  EffectTest.effect("effect accepts a function returning the Effect", () => Effect.sync(() => expect(1 + 1).toBe(2)))
})
