import type { AnyMessage } from "@flight/contracts"
import { Traceparent } from "@flight/runtime"
import { expect, test } from "bun:test"
import { Deferred, Duration, Effect, Exit, Logger, LogLevel, Option, Schedule, Scope } from "effect"
import * as HandlerPolicy from "../src/HandlerPolicy.ts"
import * as InProcessBus from "../src/InProcessBus.ts"
import { MessageBus, PublishError, withPublish } from "../src/MessageBus.ts"
import * as Outbox from "../src/Outbox.ts"
import * as OutboxLeases from "../src/testing/OutboxLeases.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { eventually } from "./support/Harness.ts"

const policy = HandlerPolicy.make({ isTransient: () => true, idempotency: null })
const run = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))

/** Consumes booking's queue, counting the deliveries of each message id. */
const countDeliveries = (bus: MessageBus["Type"]) =>
  Effect.gen(function* () {
    const deliveries = new Map<string, number>()
    yield* bus.consume({
      service: "booking",
      handlers: { "flight.scheduled": (message) => Effect.sync(() => void deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1)) },
      policy,
    })
    return deliveries
  })

/** Outbox entries for messages, as a service's store writes them. */
const entriesOf = (messages: ReadonlyArray<AnyMessage>) => messages.map((message) => ({ id: message.id, message, traceparent: null }))

test("three relays on one outbox publish every entry exactly once", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const deliveries = yield* countDeliveries(bus)
    const outbox = Outbox.inMemory()
    const messages = yield* Fixtures.many(300, () => Fixtures.flightScheduled())
    yield* outbox.append(entriesOf(messages))
    for (let i = 0; i < 3; i++) {
      yield* Outbox.startRelay(outbox, { batchSize: 7, idleDelay: "5 millis" }).pipe(Effect.provideService(MessageBus, bus))
    }
    yield* eventually("all delivered", Effect.sync(() => deliveries.size === 300))
    yield* Effect.sleep("100 millis")
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true)
    expect(outbox.published().length).toBe(300)
  })))

test("an entry is published under the trace of the request that wrote it", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const seen = yield* Deferred.make<string>()
    yield* bus.consume({
      service: "booking",
      handlers: { "flight.scheduled": () => Effect.flatMap(Effect.orDie(Effect.currentSpan), (span) => Deferred.succeed(seen, span.traceId)) },
      policy,
    })
    const outbox = Outbox.inMemory()
    // The request's span writes the entry with its traceparent, as a service's store does.
    const requestTraceId = yield* Effect.gen(function* () {
      const message = yield* Fixtures.flightScheduled()
      const traceparent = Option.getOrNull(yield* Traceparent.current)
      yield* outbox.append([{ id: message.id, message, traceparent }])
      return (yield* Effect.orDie(Effect.currentSpan)).traceId
    }).pipe(Effect.withSpan("POST /api/flights"))
    yield* Outbox.startRelay(outbox).pipe(Effect.provideService(MessageBus, bus))
    expect(yield* Deferred.await(seen)).toBe(requestTraceId)
  })))

test("a relay that stops between claiming and publishing leaves its entries to another after the lease", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const outbox = Outbox.inMemory()
    const messages = yield* Fixtures.many(5, () => Fixtures.flightScheduled())
    yield* outbox.append(entriesOf(messages))
    // A relay claims everything and dies before publishing.
    const claimed = yield* outbox.claim({ owner: "dead-relay", limit: 10, lease: Duration.millis(300) })
    expect(claimed.length).toBe(5)
    const relay = yield* Scope.make()
    yield* Outbox.startRelay(outbox, { idleDelay: "20 millis", backoff: Schedule.spaced("20 millis") }).pipe(
      Effect.provideService(MessageBus, bus),
      Scope.extend(relay),
    )
    yield* Effect.sleep("150 millis")
    expect(outbox.published()).toEqual([])
    yield* eventually("taken over after the lease", Effect.sync(() => outbox.published().length === 5))
    yield* Scope.close(relay, Exit.void)
  })))

test("relays whose publishes are slow against their lease still complete every entry", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const deliveries = yield* countDeliveries(bus)
    const slow = withPublish(bus, (...args: Parameters<typeof bus.publish>) => Effect.zipRight(Effect.sleep("150 millis"), bus.publish(...args)))
    const outbox = Outbox.inMemory()
    const messages = yield* Fixtures.many(10, () => Fixtures.flightScheduled())
    yield* outbox.append(entriesOf(messages))
    for (let i = 0; i < 2; i++) {
      yield* Outbox.startRelay(outbox, { lease: "1 second", idleDelay: "20 millis" }).pipe(Effect.provideService(MessageBus, slow))
    }
    yield* eventually("every entry completed", Effect.sync(() => outbox.published().length === 10), "10 seconds")
    expect(deliveries.size).toBe(10)
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true)
  })), 15_000)

for (const window of [1, 3]) {
  test(`a relay whose renewals fail stops publishing half a lease after the last one that held, and gives the rest back (${window} at once)`, () =>
    run(Effect.gen(function* () {
      const { bus } = yield* InProcessBus.make()
      const slow = withPublish(bus, (...args: Parameters<typeof bus.publish>) => Effect.zipRight(Effect.sleep("200 millis"), bus.publish(...args)))
      const outbox = Outbox.inMemory()
      // The store answers claims and completions but no renewal (say, a statement that times out).
      const unrenewable: Outbox.OutboxStore = { ...outbox, renew: () => Effect.fail(new Outbox.OutboxStoreError({ reason: "timeout" })) }
      yield* outbox.append(entriesOf(yield* Fixtures.many(10, () => Fixtures.flightScheduled())))
      // Each entry is checked against the lease as it starts.
      const published = yield* Outbox.relayOnce(unrenewable, "relay", { lease: "1 second", window }).pipe(
        Effect.provideService(MessageBus, slow),
        Logger.withMinimumLogLevel(LogLevel.None),
      )
      // Publishes start `window` at a time at 0, 200 and 400 ms (later on a busy machine); none starts past 500 ms.
      expect(published).toBeGreaterThanOrEqual(window)
      expect(published).toBeLessThanOrEqual(3 * window)
      expect(outbox.published().length).toBe(published)
      // The rest were given back, not left leased: another relay takes them at once.
      expect(yield* outbox.claim({ owner: "other", limit: 10, lease: Duration.seconds(1) })).toHaveLength(10 - published)
    })))
}

/** A bus whose publishes take `millis`, telling the order they start in and the most awaited at once. */
const observedBus = (bus: MessageBus["Type"], millis: number, fails: (started: number) => boolean = () => false) => {
  const started: Array<string> = []
  let inFlight = 0
  let most = 0
  const observed = withPublish(bus, (message, options) =>
    Effect.suspend(() => {
      started.push(message.id)
      if (fails(started.length)) return Effect.fail(new PublishError({ messageType: message.type, messageId: message.id, reason: "refused" }))
      inFlight++
      most = Math.max(most, inFlight)
      return Effect.zipRight(Effect.sleep(Duration.millis(millis)), bus.publish(message, options)).pipe(Effect.ensuring(Effect.sync(() => inFlight--)))
    }))
  return { observed, started, most: () => most }
}

test("a pass sends its entries in order, up to its window awaiting confirms at once", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const deliveries = yield* countDeliveries(bus)
    const { most, observed, started } = observedBus(bus, 30)
    const outbox = Outbox.inMemory()
    const messages = yield* Fixtures.many(10, () => Fixtures.flightScheduled())
    yield* outbox.append(entriesOf(messages))
    const published = yield* Outbox.relayOnce(outbox, "relay", { window: 4 }).pipe(Effect.provideService(MessageBus, observed))
    expect(published).toBe(10)
    expect(started).toEqual(messages.map((message) => message.id))
    expect(most()).toBe(4)
    expect(outbox.published().length).toBe(10)
    expect(deliveries.size).toBe(10)
  })))

test("after a refused publish a pass sends no more: those awaiting their confirm end, the rest go back", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    // The third publish is refused at once, while the first two await their confirms.
    const { observed, started } = observedBus(bus, 30, (count) => count === 3)
    const outbox = Outbox.inMemory()
    const messages = yield* Fixtures.many(10, () => Fixtures.flightScheduled())
    yield* outbox.append(entriesOf(messages))
    const pass = yield* Effect.either(Outbox.relayOnce(outbox, "relay", { window: 3 }).pipe(Effect.provideService(MessageBus, observed)))
    expect(pass._tag).toBe("Left")
    // 1, 2 and 3 start at once; 3 is refused, and nothing after it is sent.
    expect(started).toEqual(messages.slice(0, 3).map((message) => message.id))
    expect([...outbox.published()].sort()).toEqual([messages[0]!.id, messages[1]!.id].sort())
    // The refused entry and those never sent were given back, in order for the next pass.
    const next = yield* outbox.claim({ owner: "other", limit: 10, lease: Duration.seconds(1) })
    expect(next.map((entry) => entry.id)).toEqual(messages.slice(2).map((message) => message.id))
  })))

for (const [how, sends] of [["sent in step", (bus: MessageBus["Type"]) => bus], ["sent by a fiber, as while a connection is awaited", (bus: MessageBus["Type"]) => withPublish(bus, bus.publish)]] as const) {
  test(`an entry that cannot be encoded is logged and left pending; the entries behind it go out (${how})`, () =>
    run(Effect.gen(function* () {
      const bus = sends((yield* InProcessBus.make()).bus)
      const outbox = Outbox.inMemory()
      const [good, newer, later] = yield* Fixtures.many(3, () => Fixtures.flightScheduled())
      // Written by a newer build during a rolling deploy: a version this build cannot encode.
      const unknownVersion = { ...newer!, version: 2 } as unknown as typeof newer
      yield* outbox.append([good!, unknownVersion!, later!].map((message) => ({ id: message.id, message, traceparent: null })))
      yield* Outbox.startRelay(outbox, { idleDelay: "20 millis" }).pipe(
        Effect.provideService(MessageBus, bus),
        Logger.withMinimumLogLevel(LogLevel.None),
      )
      yield* eventually("the others published", Effect.sync(() => outbox.published().length === 2))
      expect(outbox.published().toSorted()).toEqual([good!.id, later!.id].toSorted())
      expect((yield* outbox.stats).pending).toBe(1)
      // Left leased to the relay, not given back: no other relay takes it until its lease has passed.
      expect(yield* outbox.claim({ owner: "other", limit: 10, lease: Duration.seconds(1) })).toHaveLength(0)
    })))
}

/** The in-memory outbox, recording how many entries each claim that found some took. */
const countingClaims = () => {
  const outbox = Outbox.inMemory()
  const claims: Array<number> = []
  const store: Outbox.OutboxStore = {
    ...outbox,
    claim: (request) => Effect.tap(outbox.claim(request), (entries) => Effect.sync(() => entries.length > 0 && claims.push(entries.length))),
  }
  return { outbox, store, claims }
}

test("a relay woken by a write publishes at once, long before its idle delay", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const { claims, outbox, store } = countingClaims()
    yield* Outbox.startRelay(store, { idleDelay: "1 minute" }).pipe(Effect.provideService(MessageBus, bus))
    yield* Effect.sleep("50 millis")
    yield* outbox.append(entriesOf([yield* Fixtures.flightScheduled()]))
    yield* eventually("published", Effect.sync(() => outbox.published().length === 1), "2 seconds")
    expect(claims).toEqual([1])
  })))

test("a relay with a linger, woken by a write, waits it out before its pass: the writes of that moment go out in one pass", () =>
  run(Effect.gen(function* () {
    const { bus } = yield* InProcessBus.make()
    const { claims, outbox, store } = countingClaims()
    yield* Outbox.startRelay(store, { idleDelay: "1 minute", linger: "600 millis" }).pipe(Effect.provideService(MessageBus, bus))
    yield* Effect.sleep("50 millis")
    const [first, second] = yield* Fixtures.many(2, () => Fixtures.flightScheduled())
    yield* outbox.append(entriesOf([first!]))
    yield* Effect.sleep("100 millis")
    // Still lingering: nothing claimed yet, and the next write joins the same pass.
    expect(claims).toEqual([])
    yield* outbox.append(entriesOf([second!]))
    yield* eventually("both published", Effect.sync(() => outbox.published().length === 2), "5 seconds")
    expect(claims).toEqual([2])
    expect(outbox.published()).toEqual([first!.id, second!.id])
  })))

OutboxLeases.leases("in-memory", () =>
  Effect.sync(() => {
    const outbox = Outbox.inMemory()
    return {
      store: outbox,
      write: (count: number) => Effect.flatMap(Fixtures.many(count, () => Fixtures.flightScheduled()), (messages) => outbox.append(entriesOf(messages))),
    }
  }))
