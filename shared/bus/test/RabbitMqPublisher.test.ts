/**
 * The RabbitMQ adapter's publish on a live connection, in one step: what reaches the channel (the
 * exchange of the message's kind, its type as the routing key, its JSON, its properties and the
 * producer span's traceparent; a message read back as stored goes as the bytes stored), and how each way a publish can end ends its span and its counts —
 * a confirm, a refusal, a channel that throws, no confirm in time, an interruption — as
 * `Publishing.traced` ends them. The broker's side (persistence, order, a silent broker) is
 * `RabbitMqBus.test.ts`'s, on a real broker.
 */
import { describe, expect, test } from "bun:test"
import type * as amqp from "amqplib"
import { Catalogue, StoredMessage } from "@flight/contracts"
import { DateTime, Duration, Effect, Either, Exit, Fiber, FiberId, Option } from "effect"
import { PublishError } from "../src/MessageBus.ts"
import * as RabbitMqPublisher from "../src/RabbitMqPublisher.ts"
import { channel, connectionOf, counts, reasonOf, type Sent, topology } from "./support/ConfirmChannel.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { RecordingTracer } from "@flight/runtime/testing"

/**
 * Publishes one message through the adapter under a tracer that keeps its spans; `meanwhile` runs
 * while the publish waits (it sees what was sent and the publishing fiber). Answers the publish's
 * exit, the spans, what was sent and how the counts moved.
 */
const publishing = (
  options: { readonly timeout?: Duration.DurationInput; readonly refuse?: string },
  meanwhile: (sent: ReadonlyArray<Sent>, fiber: Fiber.RuntimeFiber<void, PublishError>) => Effect.Effect<void>,
) =>
  Effect.runPromise(Effect.gen(function* () {
    const { sent, publisher } = channel(options.refuse)
    const publish = RabbitMqPublisher.make(connectionOf(publisher), topology, Duration.decode(options.timeout ?? "5 seconds"))
    const message = yield* Fixtures.flightScheduled()
    const before = yield* counts(message.type)
    const { made: spans, tracer } = yield* RecordingTracer.make
    const fiber = yield* Effect.fork(Effect.withTracer(Effect.withSpan(publish(message), "relay pass"), tracer))
    yield* Effect.yieldNow()
    yield* meanwhile(sent, fiber)
    const exit = yield* Fiber.await(fiber)
    const after = yield* counts(message.type)
    const producer = spans.find((span) => span.name === `publish ${message.type}`)
    return { message, exit, sent, producer, relay: spans.find((span) => span.name === "relay pass"), published: after.published - before.published, failed: after.failed - before.failed }
  }))

describe("RabbitMqPublisher.make, on a live connection", () => {
  test("a confirmed publish: the message as JSON to its kind's exchange under its type, its properties, a span ended with success, counted as published", async () => {
    const { message, exit, sent, producer, relay, published, failed } = await publishing({}, (sent) => Effect.sync(() => sent[0]!.confirm(null)))
    expect(exit).toEqual(Exit.void)
    expect(sent).toHaveLength(1)
    const [{ exchange, routingKey, content, options }] = sent as [Sent]
    expect({ exchange, routingKey }).toEqual({ exchange: "test.events", routingKey: "flight.scheduled" })
    expect(JSON.parse(content.toString("utf8")).id).toBe(message.id)
    expect(options).toMatchObject({ persistent: true, messageId: message.id, type: message.type, correlationId: message.correlationId })
    expect(producer!.kind).toBe("producer")
    expect(Option.getOrUndefined(producer!.parent)?.spanId).toBe(relay!.spanId)
    expect(options.headers!["traceparent"]).toBe(`00-${producer!.traceId}-${producer!.spanId}-01`)
    expect(Object.fromEntries(producer!.attributes)).toMatchObject({ "messaging.message.id": message.id, "messaging.destination.name": message.type })
    expect(producer!.status._tag === "Ended" && Exit.isSuccess(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 1, failed: 0 })
  })

  test("a message read back as its producer stored it goes as the bytes stored, with the properties of its envelope", async () => {
    const message = await Effect.runPromise(Fixtures.bookingCreated())
    const json = Catalogue.encodeJson(message)
    const stored = Either.getOrThrow(StoredMessage.read(json))
    const { sent, publisher } = channel()
    const publish = RabbitMqPublisher.make(connectionOf(publisher), topology, Duration.seconds(5))
    const fiber = Effect.runFork(publish(stored))
    await Effect.runPromise(Effect.yieldNow())
    sent[0]!.confirm(null)
    expect(await Effect.runPromise(Fiber.await(fiber))).toEqual(Exit.void)
    const [{ content, options, routingKey }] = sent as [Sent]
    expect(content.toString("utf8")).toBe(json)
    expect(routingKey).toBe("booking.created")
    expect(options).toMatchObject({
      messageId: message.id,
      type: "booking.created",
      correlationId: message.correlationId,
      appId: message.source,
      timestamp: Math.floor(DateTime.toEpochMillis(message.occurredAt) / 1000),
    })
    expect(options.headers!["x-message-version"]).toBe(message.version)
  })

  test("a publish the broker refuses fails with a PublishError saying why, its span failed, counted as failed", async () => {
    const { message, exit, producer, published, failed } = await publishing({}, (sent) => Effect.sync(() => sent[0]!.confirm(new Error("nack"))))
    expect(exit).toEqual(Exit.fail(new PublishError({ messageType: "flight.scheduled", messageId: message.id, reason: "nack" })))
    expect(producer!.status._tag === "Ended" && Exit.isFailure(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 0, failed: 1 })
  })

  test("a channel that throws as it is written to fails the publish with a PublishError, counted as failed", async () => {
    const { exit, producer, published, failed } = await publishing({ refuse: "channel closed" }, () => Effect.void)
    expect(reasonOf(exit)).toBe("channel closed")
    expect(producer!.status._tag).toBe("Ended")
    expect({ published, failed }).toEqual({ published: 0, failed: 1 })
  })

  test("no confirm within the timeout fails the publish then, and a confirm after it changes nothing", async () => {
    const { exit, producer, published, failed } = await publishing({ timeout: "30 millis" }, (sent, fiber) =>
      Effect.gen(function* () {
        yield* Fiber.await(fiber)
        sent[0]!.confirm(null)
      }))
    expect(reasonOf(exit)).toBe("no confirm from the broker in time")
    expect(producer!.status._tag === "Ended" && Exit.isFailure(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 0, failed: 1 })
  })

  test("an interrupted publish (a relay's pass stopped) ends its span as interrupted and is counted as neither; its late confirm changes nothing", async () => {
    const { exit, producer, published, failed } = await publishing({}, (sent, fiber) =>
      Effect.gen(function* () {
        yield* Fiber.interrupt(fiber)
        sent[0]!.confirm(null)
      }))
    expect(Exit.isInterrupted(exit)).toBe(true)
    expect(producer!.status._tag === "Ended" && Exit.isInterrupted(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 0, failed: 0 })
  })

  test("an interruption that lands as the message is written, before the wait begins, ends the span as interrupted, uncounted; the confirm after it changes nothing", async () => {
    const message = await Effect.runPromise(Fixtures.flightScheduled())
    const confirms: Array<(error: unknown) => void> = []
    const publisher = {
      publish: (_exchange: string, _routingKey: string, _content: Buffer, _options: amqp.Options.Publish, confirm: (error: unknown) => void) => {
        confirms.push(confirm)
        // The publishing fiber is interrupted from inside the write: the interruption waits for the
        // first moment the fiber can be interrupted, between the write and the wait.
        Option.getOrThrow(Fiber.getCurrentFiber()).unsafeInterruptAsFork(FiberId.none)
        return true
      },
    } as unknown as amqp.ConfirmChannel
    const publish = RabbitMqPublisher.make(connectionOf(publisher), topology, Duration.seconds(5))
    const { exit, producer, published, failed } = await Effect.runPromise(Effect.gen(function* () {
      const before = yield* counts(message.type)
      const { made: spans, tracer } = yield* RecordingTracer.make
      const exit = yield* Fiber.await(yield* Effect.fork(Effect.withTracer(publish(message), tracer)))
      confirms[0]!(null)
      const after = yield* counts(message.type)
      return { exit, producer: spans[0], published: after.published - before.published, failed: after.failed - before.failed }
    }))
    expect(Exit.isInterrupted(exit)).toBe(true)
    expect(producer!.status._tag === "Ended" && Exit.isInterrupted(producer!.status.exit)).toBe(true)
    expect({ published, failed }).toEqual({ published: 0, failed: 0 })
  })
})
