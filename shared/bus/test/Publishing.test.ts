/**
 * What every adapter does around a publish: the producer span's traceparent in the headers, the body
 * encoded once, and the counts: a confirmed publish as published, one refused (a `PublishError`) as
 * failed, and one that is neither (a defect, an interruption such as the relay's timeout) not at all.
 */
import { describe, expect, test } from "bun:test"
import { Effect, Exit, Metric } from "effect"
import * as BusMetrics from "../src/BusMetrics.ts"
import { PublishError } from "../src/MessageBus.ts"
import * as Publishing from "../src/Publishing.ts"
import * as Fixtures from "./support/Fixtures.ts"

const counts = (type: string) =>
  Effect.all({
    published: Effect.map(Metric.value(BusMetrics.publishedOf(type)), (state) => Number(state.count)),
    failed: Effect.map(Metric.value(BusMetrics.publishFailedOf(type)), (state) => Number(state.count)),
  })

/** Publishes through `Publishing.traced` with `send`, and answers its exit and how the counts moved. */
const publishing = (
  send: (outgoing: Publishing.Outgoing) => Effect.Effect<void, PublishError>,
  around: (publish: Effect.Effect<void, PublishError>) => Effect.Effect<void, unknown> = (publish) => publish,
) =>
  Effect.runPromise(Effect.gen(function* () {
    const message = yield* Fixtures.flightScheduled()
    const before = yield* counts(message.type)
    const exit = yield* Effect.exit(around(Publishing.traced(message, undefined, send)))
    const after = yield* counts(message.type)
    return { exit, published: after.published - before.published, failed: after.failed - before.failed }
  }))

describe("Publishing.traced", () => {
  test("a confirmed publish is counted as published, its body the message's JSON and its traceparent the producer span's", async () => {
    let sent: Publishing.Outgoing | undefined
    const { exit, failed, published } = await publishing((outgoing) => Effect.sync(() => {
      sent = outgoing
    }), (publish) => Effect.withSpan(publish, "request"))
    expect(exit).toEqual(Exit.void)
    expect({ published, failed }).toEqual({ published: 1, failed: 0 })
    expect(JSON.parse(sent!.body.toString("utf8")).type).toBe("flight.scheduled")
    expect(sent!.kind).toBe("event")
    expect(sent!.headers["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  })

  test("a publish the broker refuses is counted as failed", async () => {
    const refused = new PublishError({ messageType: "flight.scheduled", messageId: "m", reason: "nack" })
    const { exit, failed, published } = await publishing(() => Effect.fail(refused))
    expect(exit).toEqual(Exit.fail(refused))
    expect({ published, failed }).toEqual({ published: 0, failed: 1 })
  })

  test("a publish cut short by a timeout, or ended by a defect, is counted as neither", async () => {
    const timedOut = await publishing(() => Effect.never, (publish) => Effect.timeoutFail(publish, { duration: "20 millis", onTimeout: () => "timed out" }))
    expect(timedOut.exit).toEqual(Exit.fail("timed out"))
    expect({ published: timedOut.published, failed: timedOut.failed }).toEqual({ published: 0, failed: 0 })
    const died = await publishing(() => Effect.die("encoding bug"))
    expect(Exit.isFailure(died.exit)).toBe(true)
    expect({ published: died.published, failed: died.failed }).toEqual({ published: 0, failed: 0 })
  })
})
