/**
 * The behaviour every MessageBus adapter must have. Each adapter's test file runs this suite.
 */
import { Catalogue, type AnyMessage, type ServiceName } from "@flight/contracts"
import { describe, expect, test } from "bun:test"
import { Data, Deferred, Effect, Exit, Fiber, Ref, Schedule, Scope } from "effect"
import * as HandlerPolicy from "../src/HandlerPolicy.ts"
import * as Idempotency from "../src/Idempotency.ts"
import { type Handlers, MessageBus } from "../src/MessageBus.ts"
import * as Outbox from "../src/Outbox.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { type Adapter, eventually } from "./support/Harness.ts"

class Flaky extends Data.TaggedError("Flaky")<{ readonly transient: boolean }> {}

const fast = HandlerPolicy.make<Flaky>({
  retry: Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(3))),
  isTransient: (error) => error.transient,
  idempotency: null,
})

/** A handler for every type the service consumes. */
const handleAll = <E>(service: ServiceName, handler: (message: AnyMessage) => Effect.Effect<void, E>): Handlers<E, never> =>
  Object.fromEntries(Catalogue.consumedBy(service).map((definition) => [definition.type, handler])) as Handlers<E, never>

const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))

export const contractSuite = (adapter: Adapter) =>
  describe(`MessageBus contract: ${adapter.name}`, () => {
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

    test("retries a transient failure in place, then succeeds without dead-lettering", () =>
      run(Effect.gen(function* () {
        const { bus, deadLetters } = yield* adapter.make()
        const attempts = yield* Ref.make(0)
        const done = yield* Deferred.make<number>()
        yield* bus.consume({
          service: "booking",
          handlers: {
            "flight.scheduled": () =>
              Ref.updateAndGet(attempts, (n) => n + 1).pipe(
                Effect.flatMap((n) => (n < 3 ? Effect.fail(new Flaky({ transient: true })) : Deferred.succeed(done, n))),
              ),
          },
          policy: fast,
        })
        yield* bus.publish(yield* Fixtures.flightScheduled())
        expect(yield* Deferred.await(done)).toBe(3)
        yield* Effect.sleep("200 millis")
        expect(yield* Ref.get(attempts)).toBe(3)
        expect(yield* deadLetters.list("booking")).toEqual([])
      })))

    test("dead-letters a message whose retries are exhausted, saying why, and goes on", () =>
      run(Effect.gen(function* () {
        const { bus, deadLetters } = yield* adapter.make()
        const attempts = yield* Ref.make(0)
        const handled = yield* Ref.make<Array<string>>([])
        const failing = yield* Fixtures.flightScheduled("failing")
        const fine = yield* Fixtures.flightScheduled("fine")
        yield* bus.consume({
          service: "booking",
          handlers: {
            "flight.scheduled": (message) =>
              message.data.aircraft === "failing"
                ? Effect.zipRight(Ref.update(attempts, (n) => n + 1), Effect.fail(new Flaky({ transient: true })))
                : Ref.update(handled, (ids) => [...ids, message.id]),
          },
          policy: fast,
        })
        yield* bus.publish(failing)
        yield* bus.publish(fine)
        yield* eventually("a dead letter", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 1))
        const [letter] = yield* deadLetters.list("booking")
        expect(letter!.reason).toBe("retries-exhausted")
        expect(letter!.id).toBe(failing.id)
        expect(letter!.messageType).toBe("flight.scheduled")
        expect(letter!.attempts).toBe(4)
        expect(letter!.detail).toContain("Flaky")
        expect(yield* Ref.get(attempts)).toBe(4)
        yield* eventually("the next message handled", Effect.map(Ref.get(handled), (ids) => ids.includes(fine.id)))
      })))

    test("dead-letters a permanent failure at once, without retrying", () =>
      run(Effect.gen(function* () {
        const { bus, deadLetters } = yield* adapter.make()
        const attempts = yield* Ref.make(0)
        yield* bus.consume({
          service: "booking",
          handlers: { "flight.scheduled": () => Effect.zipRight(Ref.update(attempts, (n) => n + 1), Effect.fail(new Flaky({ transient: false }))) },
          policy: fast,
        })
        yield* bus.publish(yield* Fixtures.flightScheduled())
        yield* eventually("a dead letter", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 1))
        expect((yield* deadLetters.list("booking"))[0]!.reason).toBe("rejected")
        expect(yield* Ref.get(attempts)).toBe(1)
      })))

    test("dead-letters undecodable and unknown-version messages at once; the next message is still handled", () =>
      run(Effect.gen(function* () {
        const { bus, deadLetters, sendRaw } = yield* adapter.make()
        const handled = yield* Ref.make<Array<string>>([])
        yield* bus.consume({
          service: "booking",
          handlers: { "flight.scheduled": (message) => Ref.update(handled, (ids) => [...ids, message.id]) },
          policy: fast,
        })
        yield* sendRaw("events", "flight.scheduled", new TextEncoder().encode("{not json"))
        const valid = yield* Fixtures.flightScheduled()
        const future = { ...JSON.parse(Catalogue.encodeJson(valid)), version: 99 }
        yield* sendRaw("events", "flight.scheduled", new TextEncoder().encode(JSON.stringify(future)))
        const wrongField = { ...JSON.parse(Catalogue.encodeJson(valid)), data: { ...JSON.parse(Catalogue.encodeJson(valid)).data, origin: "london" } }
        yield* sendRaw("events", "flight.scheduled", new TextEncoder().encode(JSON.stringify(wrongField)))
        const next = yield* Fixtures.flightScheduled()
        yield* bus.publish(next)
        yield* eventually("the next message handled", Effect.map(Ref.get(handled), (ids) => ids.includes(next.id)))
        yield* eventually("three dead letters", Effect.map(deadLetters.list("booking"), (letters) => letters.length === 3))
        const letters = yield* deadLetters.list("booking")
        expect(letters.map((letter) => letter.reason).toSorted()).toEqual(["undecodable", "undecodable", "unknown-version"])
        expect(letters.find((letter) => letter.detail.includes("data.origin"))).toBeDefined()
        expect(letters.every((letter) => letter.attempts === 0)).toBe(true)
        expect(yield* Ref.get(handled)).toEqual([next.id])
      })))

    test("dead-letters a message whose free text carries a control character, the detail naming the field; the next is handled", () =>
      run(Effect.gen(function* () {
        const { bus, deadLetters, sendRaw } = yield* adapter.make()
        const handled = yield* Ref.make<Array<string>>([])
        yield* bus.consume({
          service: "payment",
          handlers: { "booking.created": (message) => Ref.update(handled, (ids) => [...ids, message.id]) },
          policy: fast,
        })
        // As a producer that did not check its input would have sent it.
        const encoded = JSON.parse(Catalogue.encodeJson(yield* Fixtures.bookingCreated()))
        encoded.data.passengers[0].lastName = "Smi\u0000th"
        yield* sendRaw("events", "booking.created", new TextEncoder().encode(JSON.stringify(encoded)))
        const next = yield* Fixtures.bookingCreated()
        yield* bus.publish(next)
        yield* eventually("the next message handled", Effect.map(Ref.get(handled), (ids) => ids.includes(next.id)))
        yield* eventually("a dead letter", Effect.map(deadLetters.list("payment"), (letters) => letters.length === 1))
        const [letter] = yield* deadLetters.list("payment")
        expect(letter!.reason).toBe("undecodable")
        expect(letter!.detail).toContain("data.passengers.0.lastName: must not contain control characters (U+0000 at 3)")
        expect(yield* Ref.get(handled)).toEqual([next.id])
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
          yield* bus.consume({
            service: "booking",
            handlers: { "flight.scheduled": () => Effect.fail(new Flaky({ transient: false })) },
            policy: fast,
          })
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

    test("replaying an id no dead letter has replays nothing and leaves the dead letters as they were", () =>
      run(Effect.gen(function* () {
        const { bus, deadLetters } = yield* adapter.make()
        yield* bus.consume({
          service: "booking",
          handlers: { "flight.scheduled": () => Effect.fail(new Flaky({ transient: false })) },
          policy: fast,
        })
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
  })
