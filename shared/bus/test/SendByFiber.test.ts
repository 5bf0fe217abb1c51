/**
 * `sendByFiber`, the `send` made of any `publish` (a double's, or RabbitMQ's while it waits for a
 * connection): the publish's end is told once, and a caller that ends before the send's fiber has
 * run still has its answer told, as an interruption.
 */
import { expect, test } from "bun:test"
import { Effect, Exit } from "effect"
import { PublishError, sendByFiber } from "../src/MessageBus.ts"
import * as Fixtures from "./support/Fixtures.ts"

const answers = () => {
  const told: Array<Exit.Exit<void, PublishError>> = []
  return { told, answered: (exit: Exit.Exit<void, PublishError>) => void told.push(exit) }
}

test("the publish's end is the answer, told once: a confirm, or the PublishError", async () => {
  const message = await Effect.runPromise(Fixtures.flightScheduled())
  const refusal = new PublishError({ messageType: message.type, messageId: message.id, reason: "refused" })
  for (const [publish, expected] of [[Effect.void, Exit.void], [Effect.fail(refusal), Exit.fail(refusal)]] as const) {
    const { told, answered } = answers()
    await Effect.runPromise(Effect.gen(function* () {
      yield* sendByFiber(() => publish)(message, undefined, answered)
      while (told.length === 0) yield* Effect.sleep("1 millis")
    }))
    expect(told).toEqual([expected])
  }
})

test("a caller that ends before the send's fiber first ran still has its answer told, as an interruption", async () => {
  const message = await Effect.runPromise(Fixtures.flightScheduled())
  const { told, answered } = answers()
  await Effect.runPromise(sendByFiber(() => Effect.never)(message, undefined, answered))
  await Bun.sleep(20)
  expect(told).toHaveLength(1)
  expect(Exit.isInterrupted(told[0]!)).toBe(true)
})
