/** A Redis script called with named KEYS and ARGV, its reply decoded by its Schema. */
import { EffectTest, RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { Effect, Either, Redacted, Schema } from "effect"
import * as RedisScript from "../src/infrastructure/RedisScript.ts"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import { RedisClient } from "../src/infrastructure/RedisStore.ts"

/** A script of its own (a comment Redis has never seen), answering its KEYS then its ARGV. */
const echo = () =>
  RedisScript.make({
    name: "echo",
    lua: `-- ${Bun.randomUUIDv7()}
local all = {}
for _, key in ipairs(KEYS) do all[#all + 1] = key end
for _, arg in ipairs(ARGV) do all[#all + 1] = arg end
return all
`,
    keys: ["first", "second"],
    moreKeys: "rest",
    args: ["count", "label"],
    reply: Schema.Array(Schema.String),
  })

RealServer.describeWith("REDIS_URL", "Redis scripts", (url) => {
  const it = (name: string, body: () => Effect.Effect<void, unknown, RedisClient>) =>
    EffectTest.effect(name, body, { layer: RedisStore.layer(Redacted.make(new URL(url))), timeout: 10_000 })

  it("KEYS and ARGV go in the order the script names them, whatever the order of the fields, its list last", () =>
    Effect.gen(function* () {
      const client = yield* RedisClient
      const reply = yield* RedisScript.run(client, echo(), {
        keys: { rest: ["k3", "k4"], second: "k2", first: "k1" },
        args: { label: "b", count: 7 },
      })
      expect(reply).toEqual(["k1", "k2", "k3", "k4", "7", "b"])
    }))

  it("a script Redis does not have is sent in full, and says it ran late; then Redis has it", () =>
    Effect.gen(function* () {
      const client = yield* RedisClient
      const script = echo()
      const input = { keys: { first: "a", second: "b", rest: [] }, args: { count: 1, label: "x" } }
      const first = yield* Effect.promise(() => RedisScript.evaluate(client, script, input))
      const again = yield* Effect.promise(() => RedisScript.evaluate(client, script, input))
      expect([first.late, again.late]).toEqual([true, false])
      expect(again.reply).toEqual(["a", "b", "1", "x"])
    }))

  it("a reply its Schema does not read is the store's error, and not a transient one", () =>
    Effect.gen(function* () {
      const client = yield* RedisClient
      const numbers = RedisScript.make({ name: "numbers", lua: "return {1, 2}", keys: [], args: [], reply: Schema.Array(Schema.String) })
      const result = yield* Effect.either(RedisScript.run(client, numbers, { keys: {}, args: {} }))
      expect(Either.isLeft(result) && [result.left._tag, result.left.operation, result.left.transient])
        .toEqual(["BookingStoreError", "numbers", false])
    }))
})
