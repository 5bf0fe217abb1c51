import { expect, test } from "bun:test"
import { Data, Deferred, Effect, Ref, Schedule } from "effect"
import { parse } from "../src/cli/dead-letters.ts"
import * as HandlerPolicy from "../src/HandlerPolicy.ts"
import * as RabbitMqBus from "../src/RabbitMqBus.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { cleanUp, eventually } from "./support/Harness.ts"
import { RealServer } from "@flight/runtime/testing"

class Broken extends Data.TaggedError("Broken")<{}> {}

const cli = (url: string, ...args: Array<string>) =>
  Effect.promise(async () => {
    const child = Bun.spawn(["bun", `${import.meta.dir}/../src/cli/dead-letters.ts`, ...args], {
      env: { ...process.env, RABBITMQ_URL: url },
      stdout: "pipe",
      stderr: "pipe",
    })
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    return { stdout, stderr, code }
  })

test("the command line is checked before anything is done", () => {
  expect(parse(["list", "booking"])).toMatchObject({ _tag: "Right", right: { command: "list", service: "booking", prefix: "flight-booking" } })
  expect(parse(["replay", "payment", "--id", "a", "--id", "b", "--prefix", "p"])).toMatchObject({
    _tag: "Right",
    right: { ids: ["a", "b"], prefix: "p" },
  })
  expect(parse(["list", "nobody"])).toMatchObject({ _tag: "Left", left: expect.stringContaining("unknown service \"nobody\"") })
  expect(parse(["drop", "booking"])).toMatchObject({ _tag: "Left", left: expect.stringContaining("unknown command") })
  expect(parse(["replay", "booking", "--id"])).toMatchObject({ _tag: "Left", left: "--id needs a value" })
  expect(parse(["list", "booking", "--id", "x"])).toMatchObject({ _tag: "Left", left: "--id goes with replay" })
})

RealServer.describeWith("RABBITMQ_URL", "dead-letters command", (url) => {
  test("lists a service's dead letters with their reason and replays the chosen one", () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
      const { bus, started, topology } = yield* RabbitMqBus.make({ url, prefix, reconnect: Schedule.spaced("100 millis") })
      yield* started
      const failing = yield* Ref.make(true)
      const handled = yield* Deferred.make<string>()
      yield* bus.consume({
        service: "booking",
        handlers: {
          "flight.scheduled": (message) =>
            Effect.flatMap(Ref.get(failing), (fail) => (fail ? Effect.fail(new Broken()) : Deferred.succeed(handled, message.id))),
        },
        policy: HandlerPolicy.make({ isTransient: () => false, idempotency: null }),
      })
      const message = yield* Fixtures.flightScheduled()
      yield* bus.publish(message)
      let listed = { stdout: "", stderr: "", code: -1 }
      yield* eventually("the dead letter listed", Effect.map(cli(url, "list", "booking", "--prefix", prefix, "--json"), (result) => {
        listed = result
        return result.stdout.includes(message.id)
      }))
      expect(listed.code).toBe(0)
      const [letter] = JSON.parse(listed.stdout)
      expect(letter).toMatchObject({ id: message.id, messageType: "flight.scheduled", reason: "rejected", queue: `${prefix}.booking` })
      expect(letter.detail).toContain("Broken")

      yield* Ref.set(failing, false)
      const replayed = yield* cli(url, "replay", "booking", "--prefix", prefix, "--id", message.id)
      expect(replayed.stdout).toContain("replayed 1 message")
      expect(yield* Deferred.await(handled)).toBe(message.id)
      expect((yield* cli(url, "list", "booking", "--prefix", prefix)).stdout).toContain("no dead letters")
      yield* cleanUp(url, topology)
    }))), 30_000)
})
