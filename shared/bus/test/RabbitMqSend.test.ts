/**
 * The RabbitMQ adapter's `send` (a publish in two steps) on a live connection: the message is written
 * as the send runs, with what `publish` writes, and the broker's answer (a confirm, a refusal, a
 * channel that throws, no confirm in time) ends its span, counts it and is told once, in the
 * confirm's callback, however late the broker is. Without a connection now, it waits for one in a
 * fiber of its own, as `publish` does. The broker's side is the contract's, in `RabbitMqBus.test.ts`.
 */
import { describe, expect, test } from "bun:test"
import { Cause, Duration, Effect, Exit, Option } from "effect"
import { PublishError } from "../src/MessageBus.ts"
import type { Live, RabbitMqConnection } from "../src/RabbitMqConnection.ts"
import * as RabbitMqPublisher from "../src/RabbitMqPublisher.ts"
import { channel, connectionOf, counts, reasonOf, type Sent, topology } from "./support/ConfirmChannel.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { RecordingTracer } from "@flight/runtime/testing"

/**
 * Sends one message under a tracer that keeps its spans, then runs `then` (which may confirm it):
 * answers what was written when the send had run, the answers told, the span and the counts.
 */
const sending = (
  options: { readonly timeout?: Duration.DurationInput; readonly refuse?: string; readonly connection?: RabbitMqConnection },
  then: (sent: ReturnType<typeof channel>["sent"], answers: ReadonlyArray<Exit.Exit<void, PublishError>>) => Effect.Effect<void>,
) =>
  Effect.runPromise(Effect.gen(function* () {
    const { sent, publisher } = channel(options.refuse)
    const connection = options.connection ?? connectionOf(publisher)
    const timeout = Duration.decode(options.timeout ?? "5 seconds")
    const send = RabbitMqPublisher.makeSend(connection, topology, timeout, RabbitMqPublisher.make(connection, topology, timeout))
    const message = yield* Fixtures.flightScheduled()
    const before = yield* counts(message.type)
    const { made: spans, tracer } = yield* RecordingTracer.make
    const answers: Array<Exit.Exit<void, PublishError>> = []
    yield* Effect.withTracer(Effect.withSpan(send(message, undefined, (exit) => void answers.push(exit)), "relay pass"), tracer)
    const writtenBySend = sent.length
    const answeredBySend = answers.length
    yield* then(sent, answers)
    const after = yield* counts(message.type)
    return {
      message,
      sent,
      writtenBySend,
      answeredBySend,
      answers,
      producer: spans.find((span) => span.name === `publish ${message.type}`),
      published: after.published - before.published,
      failed: after.failed - before.failed,
    }
  }))

describe("RabbitMqPublisher.makeSend, on a live connection", () => {
  test("the message is written as the send runs and answered once, when the broker confirms it: its span ended with success, counted as published", async () => {
    const { message, sent, writtenBySend, answeredBySend, answers, producer, published, failed } = await sending({}, (sent) =>
      Effect.sync(() => {
        sent[0]!.confirm(null)
        // A broker that answers twice is told once.
        sent[0]!.confirm(null)
      }))
    expect({ writtenBySend, answeredBySend }).toEqual({ writtenBySend: 1, answeredBySend: 0 })
    expect(answers).toEqual([Exit.void])
    const [{ exchange, routingKey, content, options }] = sent as [Sent]
    expect({ exchange, routingKey }).toEqual({ exchange: "test.events", routingKey: "flight.scheduled" })
    expect(JSON.parse(content.toString("utf8")).id).toBe(message.id)
    expect(options).toMatchObject({ persistent: true, messageId: message.id, type: message.type })
    expect(options.headers!["traceparent"]).toBe(`00-${producer!.traceId}-${producer!.spanId}-01`)
    expect(producer!.status._tag === "Ended" && Exit.isSuccess(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 1, failed: 0 })
  })

  test("a refusal is answered with a PublishError saying why, its span failed, counted as failed", async () => {
    const { message, answers, producer, published, failed } = await sending({}, (sent) => Effect.sync(() => sent[0]!.confirm(new Error("nack"))))
    expect(answers).toEqual([Exit.fail(new PublishError({ messageType: "flight.scheduled", messageId: message.id, reason: "nack" }))])
    expect(producer!.status._tag === "Ended" && Exit.isFailure(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 0, failed: 1 })
  })

  test("a channel that throws as it is written to is answered at once with a PublishError, counted as failed", async () => {
    const { writtenBySend, answeredBySend, answers, published, failed } = await sending({ refuse: "channel closed" }, () => Effect.void)
    expect({ writtenBySend, answeredBySend }).toEqual({ writtenBySend: 0, answeredBySend: 1 })
    expect(answers.map(reasonOf)).toEqual(["channel closed"])
    expect({ published, failed }).toEqual({ published: 0, failed: 1 })
  })

  test("no confirm within the timeout is answered then with a PublishError, and a confirm after it changes nothing", async () => {
    const { answers, producer, published, failed } = await sending({ timeout: "30 millis" }, (sent) =>
      Effect.gen(function* () {
        yield* Effect.sleep("80 millis")
        sent[0]!.confirm(null)
      }))
    expect(answers.map(reasonOf)).toEqual(["no confirm from the broker in time"])
    expect(producer!.status._tag === "Ended" && Exit.isFailure(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 0, failed: 1 })
  })

  test("without a connection now, the send waits for one as publish does, and is answered once it is confirmed", async () => {
    const { sent: written, publisher } = channel()
    const live: Live = { model: {} as never, publisher }
    let up = false
    const connection: RabbitMqConnection = {
      ...connectionOf(publisher),
      now: Effect.sync(() => (up ? Option.some(live) : Option.none())),
      withLive: (_timeout, use) => Effect.zipRight(Effect.sleep("30 millis"), Effect.suspend(() => use(live))),
    }
    const { writtenBySend, answers } = await sending({ connection }, (_, told) =>
      Effect.gen(function* () {
        up = true
        while (written.length === 0) yield* Effect.sleep("5 millis")
        written[0]!.confirm(null)
        while (told.length === 0) yield* Effect.sleep("5 millis")
      }))
    expect(writtenBySend).toBe(0)
    expect(answers).toEqual([Exit.void])
  })

  test("a message that cannot be sent as it is made ready is the send's defect, its span ended, nothing told", async () => {
    const { sent, publisher } = channel()
    const connection = connectionOf(publisher)
    const broken = { exchangeFor: () => { throw new Error("no exchange for this kind") } } as unknown as typeof topology
    const send = RabbitMqPublisher.makeSend(connection, broken, Duration.seconds(5), RabbitMqPublisher.make(connection, broken, Duration.seconds(5)))
    const message = await Effect.runPromise(Fixtures.flightScheduled())
    const { made: spans, tracer } = await Effect.runPromise(RecordingTracer.make)
    const told: Array<unknown> = []
    const exit = await Effect.runPromise(Effect.exit(Effect.withTracer(send(message, undefined, (answer) => void told.push(answer)), tracer)))
    expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
    expect({ sent: sent.length, told: told.length }).toEqual({ sent: 0, told: 0 })
    const producer = spans.find((span) => span.name === `publish ${message.type}`)
    expect(producer!.status._tag === "Ended" && Exit.isFailure(producer!.status.exit)).toBe(true)
  })
})
