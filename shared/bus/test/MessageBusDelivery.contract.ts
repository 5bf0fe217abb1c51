/**
 * The MessageBus contract, delivery: each message type reaches the queues of the services that
 * consume it, a consumer holds no more than its prefetch, a message delivered twice is handled once
 * through the idempotency store, a message read back as its producer stored it is delivered as it
 * was, messages sent in two steps (`send`) go in the order their sends ran, each answered once, the
 * consumer's span continues the producer's trace, and each message published, settled and
 * dead-lettered is counted.
 */
import { expect, test } from "bun:test"
import { type AnyMessage, Catalogue, StoredMessage } from "@flight/contracts"
import { Deferred, Effect, Either, Exit, Metric, Ref } from "effect"
import * as Idempotency from "../src/Idempotency.ts"
import type { PublishError } from "../src/MessageBus.ts"
import { fast, handleAll, run } from "./support/ContractKit.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { type Adapter, eventually } from "./support/Harness.ts"

/** The sum of a counter's series whose labels include `labels`. */
const counted = (name: string, labels: Readonly<Record<string, string>>) =>
  Effect.map(Metric.snapshot, (pairs) =>
    pairs
      .filter((pair) => pair.metricKey.name === name)
      .filter((pair) => Object.entries(labels).every(([key, value]) => pair.metricKey.tags.some((tag) => tag.key === key && tag.value === value)))
      .reduce((sum, pair) => sum + Number((pair.metricState as { readonly count?: number | bigint }).count ?? 0), 0))

/** Registers this part of the contract for `adapter`. */
export const suite = (adapter: Adapter) => {
  test("routes each message type to the queues of the services that consume it", () =>
    run(Effect.gen(function* () {
      const { bus } = yield* adapter.make()
      const received = yield* Ref.make<Array<string>>([])
      for (const service of ["booking", "flight", "payment", "notification"] as const) {
        yield* bus.consume({
          service,
          handlers: handleAll(service, (message) => Ref.update(received, (all) => [...all, `${service}:${message.type}`])),
          policy: fast,
        })
      }
      yield* bus.publish(yield* Fixtures.bookingCreated())
      yield* bus.publish(yield* Fixtures.flightScheduled())
      yield* bus.publish(yield* Fixtures.sendNotification())
      yield* eventually("five deliveries", Effect.map(Ref.get(received), (all) => all.length >= 5))
      yield* Effect.sleep("200 millis")
      expect((yield* Ref.get(received)).toSorted()).toEqual([
        "booking:flight.scheduled",
        "flight:booking.created",
        "notification:booking.created",
        "notification:notification.send",
        "payment:booking.created",
      ])
    })))

  test("a message read back from its producer's outbox (as stored) is delivered as the message it was, with the routing and properties of its envelope", () =>
    run(Effect.gen(function* () {
      const { bus } = yield* adapter.make()
      const received = yield* Deferred.make<AnyMessage>()
      yield* bus.consume({
        service: "payment",
        handlers: handleAll("payment", (message) => Deferred.succeed(received, message)),
        policy: fast,
      })
      const message = yield* Fixtures.bookingCreated()
      yield* bus.publish(Either.getOrThrow(StoredMessage.read(Catalogue.encodeJson(message))))
      const delivered = yield* Deferred.await(received)
      expect(Catalogue.encodeJson(delivered)).toBe(Catalogue.encodeJson(message))
    })))

  test("a consumer holds at most its own prefetch of messages at once, whatever the bus's", () =>
    run(Effect.gen(function* () {
      const { bus } = yield* adapter.make()
      const holding = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const handled = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      yield* bus.consume({
        service: "flight",
        prefetch: 3,
        handlers: handleAll("flight", () =>
          Ref.updateAndGet(holding, (n) => n + 1).pipe(
            Effect.flatMap((now) => Ref.update(most, (m) => Math.max(m, now))),
            Effect.zipRight(Deferred.await(gate)),
            Effect.zipRight(Ref.update(holding, (n) => n - 1)),
            Effect.zipRight(Ref.update(handled, (n) => n + 1)),
          )),
        policy: fast,
      })
      for (let i = 0; i < 8; i++) yield* bus.publish(yield* Fixtures.bookingCreated())
      yield* eventually("three in hand", Effect.map(Ref.get(holding), (n) => n === 3))
      yield* Effect.sleep("300 millis")
      expect(yield* Ref.get(most)).toBe(3)
      yield* Deferred.succeed(gate, undefined)
      yield* eventually("all eight handled", Effect.map(Ref.get(handled), (n) => n === 8))
      expect(yield* Ref.get(most)).toBe(3)
    })))

  test("handles a message delivered twice once, through the consumer's idempotency store", () =>
    run(Effect.gen(function* () {
      const { bus } = yield* adapter.make()
      const applied = yield* Ref.make(0)
      const store = Idempotency.inMemory()
      yield* bus.consume({
        service: "payment",
        handlers: { "booking.created": () => Ref.update(applied, (n) => n + 1) },
        policy: { ...fast, idempotency: store },
      })
      const message = yield* Fixtures.bookingCreated()
      yield* bus.publish(message)
      yield* bus.publish(message)
      yield* bus.publish(yield* Fixtures.bookingCreated())
      yield* eventually("both ids applied", Effect.sync(() => store.applied.size === 2))
      yield* Effect.sleep("200 millis")
      expect(yield* Ref.get(applied)).toBe(2)
      expect(store.applied.has(`payment/${message.id}`)).toBe(true)
    })))

  test("a consumer's span continues the producer's trace", () =>
    run(Effect.gen(function* () {
      const { bus } = yield* adapter.make()
      const seen = yield* Deferred.make<string>()
      yield* bus.consume({
        service: "booking",
        handlers: {
          "flight.scheduled": () =>
            Effect.flatMap(Effect.currentSpan.pipe(Effect.orDie), (span) => Deferred.succeed(seen, span.traceId)),
        },
        policy: fast,
      })
      const traceId = yield* Effect.gen(function* () {
        yield* bus.publish(yield* Fixtures.flightScheduled())
        return (yield* Effect.currentSpan.pipe(Effect.orDie)).traceId
      }).pipe(Effect.withSpan("request"))
      expect(yield* Deferred.await(seen)).toBe(traceId)
    })))

  test("counts each message published, handled and dead-lettered", () =>
    run(Effect.gen(function* () {
      const { bus, sendRaw } = yield* adapter.make()
      const handled = yield* Deferred.make<void>()
      const before = {
        published: yield* counted("bus_messages_published_total", { type: "flight.scheduled" }),
        handled: yield* counted("bus_messages_consumed_total", { outcome: "Handled" }),
        dead: yield* counted("bus_messages_dead_lettered_total", { reason: "undecodable" }),
        settledDead: yield* counted("bus_messages_consumed_total", { outcome: "DeadLetter" }),
      }
      yield* bus.consume({
        service: "booking",
        handlers: handleAll("booking", () => Deferred.succeed(handled, undefined)),
        policy: fast,
      })
      yield* bus.publish(yield* Fixtures.flightScheduled())
      yield* Deferred.await(handled)
      yield* sendRaw("events", "flight.scheduled", new TextEncoder().encode("not json"))
      yield* eventually("the dead letter counted", Effect.map(counted("bus_messages_dead_lettered_total", { reason: "undecodable" }), (dead) => dead === before.dead + 1))
      expect(yield* counted("bus_messages_published_total", { type: "flight.scheduled" })).toBe(before.published + 1)
      yield* eventually("the delivery counted", Effect.map(counted("bus_messages_consumed_total", { outcome: "Handled" }), (count) => count === before.handled + 1))
      expect(yield* counted("bus_messages_consumed_total", { outcome: "DeadLetter" })).toBe(before.settledDead + 1)
    })))

  test("messages sent in two steps are delivered in the order their sends ran, each answered once, as confirmed", () =>
    run(Effect.gen(function* () {
      const { bus } = yield* adapter.make()
      const received: Array<string> = []
      yield* bus.consume({
        service: "booking",
        handlers: handleAll("booking", (message) => Effect.sync(() => void received.push(message.id))),
        policy: fast,
        prefetch: 1,
      })
      const messages = yield* Fixtures.many(40, () => Fixtures.flightScheduled())
      const answers = new Map<string, Array<Exit.Exit<void, PublishError>>>()
      for (const message of messages) {
        yield* bus.send(message, undefined, (exit) => void answers.set(message.id, [...(answers.get(message.id) ?? []), exit]))
      }
      yield* eventually("every send answered", Effect.sync(() => answers.size === messages.length))
      expect(messages.every((message) => answers.get(message.id)!.length === 1 && Exit.isSuccess(answers.get(message.id)![0]!))).toBe(true)
      yield* eventually("every message delivered", Effect.sync(() => received.length === messages.length))
      expect(received).toEqual(messages.map((message) => message.id))
      // No answer is told twice, however long after.
      yield* Effect.sleep("100 millis")
      expect([...answers.values()].every((told) => told.length === 1)).toBe(true)
    })))
}
