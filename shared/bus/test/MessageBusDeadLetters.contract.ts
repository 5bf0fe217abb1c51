/**
 * The MessageBus contract, dead letters: replayed onto the queue (some or all, an unknown id
 * replaying nothing, a rejected replay ending as dead letters again), and the depth of the queue
 * and its dead letters.
 */
import { expect, test } from "bun:test"
import { Effect, Option, Ref } from "effect"
import type { MessageBus } from "../src/MessageBus.ts"
import { fast, Flaky, run } from "./support/ContractKit.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { type Adapter, eventually } from "./support/Harness.ts"

/** The booking queue's consumer, rejecting every message for good: each becomes a dead letter. */
const rejectingAll = (bus: MessageBus["Type"]) =>
  bus.consume({
    service: "booking",
    handlers: { "flight.scheduled": () => Effect.fail(new Flaky({ transient: false })) },
    policy: fast,
  })

/** Registers this part of the contract for `adapter`. */
export const suite = (adapter: Adapter) => {
  test("dead letters can be replayed onto the queue", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      const failing = yield* Ref.make(true)
      const handled = yield* Ref.make<Array<string>>([])
      yield* bus.consume({
        service: "booking",
        handlers: {
          "flight.scheduled": (message) =>
            Effect.flatMap(Ref.get(failing), (fail) =>
              fail ? Effect.fail(new Flaky({ transient: false })) : Ref.update(handled, (ids) => [...ids, message.id])),
        },
        policy: fast,
      })
      const first = yield* Fixtures.flightScheduled()
      const second = yield* Fixtures.flightScheduled()
      yield* bus.publish(first)
      yield* bus.publish(second)
      yield* eventually("two dead letters", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 2))
      yield* Ref.set(failing, false)
      expect(yield* deadLetters.replay("booking", [second.id])).toBe(1)
      yield* eventually("the replayed message handled", Effect.map(Ref.get(handled), (ids) => ids.includes(second.id)))
      expect((yield* deadLetters.list("booking")).map((letter) => letter.id)).toEqual([first.id])
      expect(yield* deadLetters.replay("booking")).toBe(1)
      yield* eventually("all handled", Effect.map(Ref.get(handled), (ids) => ids.length === 2))
    })))

  test("depth counts the messages waiting, the consumers, and the dead letters, with the queues' names", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      const empty = yield* deadLetters.depth("booking")
      expect(empty.queue.name).toMatch(/\.booking$/)
      expect(empty.deadLetters.name).toMatch(/\.booking\.dead-letter$/)
      expect([empty.queue.messages, empty.queue.consumers, empty.deadLetters.messages]).toEqual([0, 0, 0])
      // Nobody consumes yet: the messages wait on the queue.
      yield* Effect.forEach([1, 2], () => Effect.flatMap(Fixtures.flightScheduled(), (message) => bus.publish(message)))
      yield* eventually("two messages waiting", Effect.map(deadLetters.depth("booking"), (depth) => depth.queue.messages === 2))
      yield* Effect.scoped(Effect.gen(function* () {
        yield* rejectingAll(bus)
        yield* eventually("both dead letters, one consumer", Effect.map(deadLetters.depth("booking"), (depth) =>
          depth.queue.messages === 0 && depth.queue.consumers === 1 && depth.deadLetters.messages === 2))
      }))
      yield* eventually("no consumer once it closed", Effect.map(deadLetters.depth("booking"), (depth) => depth.queue.consumers === 0))
      // Replaying one puts it back on the queue, where it waits with no consumer.
      const [letter] = yield* deadLetters.list("booking")
      expect(yield* deadLetters.replay("booking", [letter!.id])).toBe(1)
      yield* eventually("one waiting, one dead letter", Effect.map(deadLetters.depth("booking"), (depth) =>
        depth.queue.messages === 1 && depth.deadLetters.messages === 1))
      expect(yield* deadLetters.depth("flight")).toMatchObject({ queue: { messages: 0 }, deadLetters: { messages: 0 } })
    })))

  test("a listing answers every dead letter oldest first, and leaves them in place and in order", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      yield* rejectingAll(bus)
      const messages = yield* Fixtures.many(3, () => Fixtures.flightScheduled())
      for (const message of messages) {
        yield* bus.publish(message)
        yield* eventually("dead-lettered in turn", Effect.map(deadLetters.list("booking"), (letters) => letters.some((letter) => letter.id === message.id)))
      }
      for (let listing = 0; listing < 3; listing++) {
        expect((yield* deadLetters.list("booking")).map((letter) => letter.id)).toEqual(messages.map((message) => message.id))
      }
    })))

  test("a replay while the dead letters are being listed finds its letter", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      yield* rejectingAll(bus)
      const messages = yield* Fixtures.many(5, () => Fixtures.flightScheduled())
      yield* Effect.forEach(messages, (message) => bus.publish(message), { discard: true })
      yield* eventually("five dead letters", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 5))
      for (const message of messages) {
        const [, replayed] = yield* Effect.all([deadLetters.list("booking"), deadLetters.replay("booking", [message.id])], { concurrency: 2 })
        expect([message.id, replayed]).toEqual([message.id, 1])
        // Rejected again, it comes back as a dead letter.
        yield* eventually("five dead letters again", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 5))
      }
    })))

  test("a replayed dead letter goes back with the headers it came with: its handling continues the trace it was published in", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      const failing = yield* Ref.make(true)
      const traces = yield* Ref.make<Array<string>>([])
      yield* bus.consume({
        service: "booking",
        handlers: {
          "flight.scheduled": () =>
            Effect.gen(function* () {
              const span = yield* Effect.option(Effect.currentSpan)
              yield* Ref.update(traces, (seen) => [...seen, Option.match(span, { onNone: () => "none", onSome: (one) => one.traceId })])
              if (yield* Ref.get(failing)) return yield* Effect.fail(new Flaky({ transient: false }))
            }),
        },
        policy: fast,
      })
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
      const message = yield* Fixtures.flightScheduled()
      yield* bus.publish(message, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })
      yield* eventually("dead-lettered", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 1))
      yield* Ref.set(failing, false)
      expect(yield* deadLetters.replay("booking", [message.id])).toBe(1)
      yield* eventually("handled after the replay", Effect.map(Ref.get(traces), (seen) => seen.length >= 2))
      expect(new Set(yield* Ref.get(traces))).toEqual(new Set([traceId]))
    })))

  test("replaying an id no dead letter has replays nothing and leaves the dead letters as they were", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      yield* rejectingAll(bus)
      yield* Effect.forEach([1, 2], () => Effect.flatMap(Fixtures.flightScheduled(), (message) => bus.publish(message)))
      yield* eventually("two dead letters", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 2))
      const before = yield* deadLetters.list("booking")
      expect(yield* deadLetters.replay("booking", ["no-such-id"])).toBe(0)
      expect(yield* deadLetters.list("booking")).toEqual(before)
      // The broker's count of ready messages follows the requeue a moment later.
      yield* eventually("both still counted", Effect.map(deadLetters.depth("booking"), (depth) => depth.deadLetters.messages === 2))
    })))

  test("replaying messages the handler still rejects ends, and they are dead letters again", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters } = yield* adapter.make()
      const attempts = yield* Ref.make(0)
      yield* bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": () => Effect.zipRight(Ref.update(attempts, (n) => n + 1), Effect.fail(new Flaky({ transient: false }))) },
        policy: fast,
      })
      yield* Effect.forEach([1, 2, 3], () => Effect.flatMap(Fixtures.flightScheduled(), (message) => bus.publish(message)))
      yield* eventually("three dead letters", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 3))
      expect(yield* deadLetters.replay("booking").pipe(Effect.timeout("5 seconds"))).toBe(3)
      yield* eventually("three dead letters again", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 3))
      yield* eventually("each handled twice", Effect.map(Ref.get(attempts), (n) => n === 6))
    })))
}
