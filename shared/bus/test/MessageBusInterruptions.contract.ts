/**
 * The MessageBus contract, interruptions: a consumer shut down lets its handler in flight finish
 * (or, past the grace period, stops it and the message comes again), and a broker outage loses no
 * confirmed message, the consumer and the outbox relay carrying on by themselves once it returns.
 */
import { expect, test } from "bun:test"
import { Deferred, Effect, Exit, Fiber, Ref, Schedule, Scope } from "effect"
import * as Idempotency from "../src/Idempotency.ts"
import { MessageBus } from "../src/MessageBus.ts"
import * as Outbox from "../src/Outbox.ts"
import { fast, run } from "./support/ContractKit.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { type Adapter, eventually } from "./support/Harness.ts"

/** Registers this part of the contract for `adapter`. */
export const suite = (adapter: Adapter) => {
  test("shutdown lets a handler in flight finish and loses nothing", () =>
    run(Effect.gen(function* () {
      const { bus, deadLetters, depth } = yield* adapter.make()
      const started = yield* Deferred.make<void>()
      const finished = yield* Ref.make<Array<string>>([])
      const scope = yield* Scope.make()
      yield* bus.consume({
        service: "booking",
        handlers: {
          "flight.scheduled": (message) =>
            Deferred.succeed(started, undefined).pipe(
              Effect.zipRight(Effect.sleep("400 millis")),
              Effect.zipRight(Ref.update(finished, (ids) => [...ids, message.id])),
            ),
        },
        policy: fast,
      }).pipe(Scope.extend(scope))
      const message = yield* Fixtures.flightScheduled()
      yield* bus.publish(message)
      yield* Deferred.await(started)
      yield* Scope.close(scope, Exit.void)
      expect(yield* Ref.get(finished)).toEqual([message.id])
      // Acknowledged: a new consumer gets nothing, and nothing was dead-lettered.
      const again = yield* Ref.make(0)
      yield* bus.consume({ service: "booking", handlers: { "flight.scheduled": () => Ref.update(again, (n) => n + 1) }, policy: fast })
      yield* Effect.sleep("300 millis")
      expect(yield* Ref.get(again)).toBe(0)
      expect(yield* depth("booking")).toBe(0)
      expect(yield* deadLetters.list("booking")).toEqual([])
    })))

  test("a handler that outlasts the shutdown grace period is stopped, and its message is delivered again", () =>
    run(Effect.gen(function* () {
      const { bus } = yield* adapter.make({ shutdownGrace: "200 millis" })
      const started = yield* Deferred.make<void>()
      const scope = yield* Scope.make()
      yield* bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never) },
        policy: fast,
      }).pipe(Scope.extend(scope))
      const message = yield* Fixtures.flightScheduled()
      yield* bus.publish(message)
      yield* Deferred.await(started)
      yield* Scope.close(scope, Exit.void)
      const again = yield* Deferred.make<string>()
      yield* bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": (delivered) => Deferred.succeed(again, delivered.id) },
        policy: fast,
      })
      expect(yield* Deferred.await(again).pipe(Effect.timeout("10 seconds"))).toBe(message.id)
    })))

  test("every confirmed message is delivered across a broker outage, and the consumer resumes by itself", () =>
    run(Effect.gen(function* () {
      const { bus, down, up } = yield* adapter.make()
      const store = Idempotency.inMemory()
      const delivered = new Set<string>()
      yield* bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": (message) => Effect.sync(() => delivered.add(message.id)) },
        policy: { ...fast, idempotency: store },
      })
      const confirmed: Array<string> = []
      const producer = yield* Effect.forkScoped(Effect.forEach(Array.from({ length: 150 }), () =>
        Effect.gen(function* () {
          const message = yield* Fixtures.flightScheduled()
          // A producer keeps what was not confirmed and tries again, as the outbox relay does.
          yield* bus.publish(message).pipe(Effect.retry(Schedule.spaced("50 millis")))
          confirmed.push(message.id)
          yield* Effect.sleep("2 millis")
        }), { discard: true }))
      yield* eventually("some published", Effect.sync(() => confirmed.length >= 40))
      yield* down
      yield* Effect.sleep("300 millis")
      yield* up
      yield* Fiber.join(producer)
      yield* eventually("every confirmed message delivered", Effect.sync(() => confirmed.every((id) => delivered.has(id))), "20 seconds")
      expect(confirmed.length).toBe(150)
    })), 40_000)

  test("the outbox relay publishes entries written while the broker was down, once each, after it returns", () =>
    run(Effect.gen(function* () {
      const { bus, down, up } = yield* adapter.make()
      const deliveries: Array<string> = []
      yield* bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": (message) => Effect.sync(() => void deliveries.push(message.id)) },
        policy: fast,
      })
      yield* down
      const outbox = Outbox.inMemory()
      const messages = yield* Fixtures.many(25, () => Fixtures.flightScheduled())
      yield* outbox.append(messages.map((message) => ({ id: message.id, message, traceparent: null })))
      const relay = yield* Scope.make()
      yield* Outbox.startRelay(outbox, { backoff: Schedule.spaced("100 millis"), batchSize: 10 }).pipe(
        Effect.provideService(MessageBus, bus),
        Scope.extend(relay),
      )
      yield* Effect.sleep("500 millis")
      expect(deliveries).toEqual([])
      expect(outbox.published()).toEqual([])
      yield* up
      yield* eventually("all entries published", Effect.sync(() => outbox.published().length === 25), "15 seconds")
      yield* eventually("all delivered", Effect.sync(() => deliveries.length >= 25), "15 seconds")
      yield* Effect.sleep("300 millis")
      expect(deliveries.toSorted()).toEqual(messages.map((message) => message.id).toSorted())
      yield* Scope.close(relay, Exit.void)
    })), 40_000)
}
