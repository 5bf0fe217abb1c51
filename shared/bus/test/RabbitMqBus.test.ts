import { expect, test } from "bun:test"
import { Effect, Fiber, Schedule } from "effect"
import * as HandlerPolicy from "../src/HandlerPolicy.ts"
import * as Idempotency from "../src/Idempotency.ts"
import { MessageBus } from "../src/MessageBus.ts"
import * as Outbox from "../src/Outbox.ts"
import * as RabbitMqBus from "../src/RabbitMqBus.ts"
import { contractSuite } from "./MessageBus.contract.ts"
import * as Fixtures from "./support/Fixtures.ts"
import { cleanUp, eventually, rabbitMq } from "./support/Harness.ts"
import * as TcpProxy from "../src/testing/TcpProxy.ts"
import { RealServer } from "@flight/runtime/testing"

const rabbitmqctl = Bun.which("rabbitmqctl")

RealServer.describeWith("RABBITMQ_URL", "RabbitMQ adapter", (url) => {
  /** A TCP proxy in front of the broker, and the broker's URL through it. */
  const throughProxy = async () => {
    const target = new URL(url)
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5672) })
    const proxied = new URL(url)
    proxied.hostname = "127.0.0.1"
    proxied.port = String(proxy.port)
    return { proxy, proxied }
  }

  contractSuite(rabbitMq(url))

  test("a consumer that failed to start leaves nothing behind that takes messages later", () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
      const { bus, started, topology } = yield* RabbitMqBus.make({ url, prefix, declareTopology: false, reconnect: Schedule.spaced("50 millis") })
      yield* Effect.addFinalizer(() => cleanUp(url, topology))
      yield* started
      const policy = HandlerPolicy.make({ isTransient: () => true, idempotency: null })
      const orphan: Array<string> = []
      // No topology yet: the queue does not exist, so this consumer cannot start.
      const failed = yield* Effect.either(bus.consume({
        service: "booking",
        handlers: { "flight.scheduled": (message) => Effect.sync(() => void orphan.push(message.id)) },
        policy,
      }))
      expect(failed._tag).toBe("Left")
      const amqp = yield* Effect.promise(() => import("amqplib"))
      const admin = yield* Effect.acquireRelease(Effect.promise(() => amqp.connect(url)), (c) => Effect.promise(() => c.close()))
      yield* RabbitMqBus.declareTopology(yield* Effect.promise(() => admin.createChannel()), topology)
      yield* Effect.sleep("500 millis")
      const handled: Array<string> = []
      yield* bus.consume({ service: "booking", handlers: { "flight.scheduled": (message) => Effect.sync(() => void handled.push(message.id)) }, policy })
      const messages = yield* Fixtures.many(10, () => Fixtures.flightScheduled())
      yield* Effect.forEach(messages, (message) => bus.publish(message))
      yield* eventually("all handled by the live consumer", Effect.sync(() => handled.length + orphan.length === 10))
      expect(orphan).toEqual([])
    }))), 30_000)

  test("a published message is persistent and carries its id, type, content type and trace context", () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
      const { bus, started, topology } = yield* RabbitMqBus.make({ url, prefix })
      yield* Effect.addFinalizer(() => cleanUp(url, topology))
      yield* started
      const message = yield* Fixtures.bookingCreated()
      const traceId = yield* Effect.gen(function* () {
        yield* bus.publish(message)
        return (yield* Effect.orDie(Effect.currentSpan)).traceId
      }).pipe(Effect.withSpan("POST /api/bookings"))
      const amqp = yield* Effect.promise(() => import("amqplib"))
      const admin = yield* Effect.acquireRelease(Effect.promise(() => amqp.connect(url)), (c) => Effect.promise(() => c.close()))
      const channel = yield* Effect.promise(() => admin.createChannel())
      // booking.created goes to each of its consumers' queues.
      for (const service of ["flight", "payment", "notification"] as const) {
        const got = yield* Effect.promise(() => channel.get(topology.queueOf(service), { noAck: true }))
        if (got === false) throw new Error(`nothing in ${topology.queueOf(service)}`)
        expect(got.fields.exchange).toBe(topology.eventsExchange)
        expect(got.fields.routingKey).toBe("booking.created")
        expect(got.properties).toMatchObject({
          deliveryMode: 2,
          messageId: message.id,
          type: "booking.created",
          contentType: "application/json",
          correlationId: message.correlationId,
          appId: "booking",
        })
        expect(String(got.properties.headers?.["traceparent"])).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`))
        expect(got.properties.headers?.["x-message-version"]).toBe(1)
        expect(JSON.parse(got.content.toString("utf8")).id).toBe(message.id)
      }
      expect(yield* Effect.promise(() => channel.get(topology.queueOf("booking"), { noAck: true }))).toBe(false)
    }))))

  test("an outbox relay's pass, many publishes awaiting their confirms at once, reaches the queue in the entries' order", () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
      const { bus, started, topology } = yield* RabbitMqBus.make({ url, prefix })
      yield* Effect.addFinalizer(() => cleanUp(url, topology))
      yield* started
      const outbox = Outbox.inMemory()
      const messages = yield* Fixtures.many(200, () => Fixtures.flightScheduled())
      yield* outbox.append(messages.map((message) => ({ id: message.id, message, traceparent: null })))
      const published = yield* Outbox.relayOnce(outbox, "relay", { batchSize: 200, window: 64 }).pipe(Effect.provideService(MessageBus, bus))
      expect(published).toBe(200)
      const amqp = yield* Effect.promise(() => import("amqplib"))
      const admin = yield* Effect.acquireRelease(Effect.promise(() => amqp.connect(url)), (c) => Effect.promise(() => c.close()))
      const channel = yield* Effect.promise(() => admin.createChannel())
      const queued: Array<string> = []
      for (let got = yield* Effect.promise(() => channel.get(topology.queueOf("booking"), { noAck: true })); got !== false;
        got = yield* Effect.promise(() => channel.get(topology.queueOf("booking"), { noAck: true }))) {
        queued.push(String(got.properties.messageId))
      }
      expect(queued).toEqual(messages.map((message) => message.id))
    }))), 30_000)

  test("a broker that stops answering: a publish fails with a PublishError once its publish timeout passes, not later", async () => {
    const { proxied, proxy } = await throughProxy()
    const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
    const topology = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const { bus, started, topology } = yield* RabbitMqBus.make({ url: proxied.toString(), prefix, publishTimeout: "1 second" })
      yield* started
      yield* bus.publish(yield* Fixtures.flightScheduled())
      // The connection stays open, and nothing the service sends reaches the broker any more.
      proxy.stall()
      const message = yield* Fixtures.flightScheduled()
      const startedAt = Date.now()
      const error = yield* Effect.flip(bus.publish(message))
      const waited = Date.now() - startedAt
      expect(error._tag).toBe("PublishError")
      expect(error.messageId).toBe(message.id)
      expect(error.reason).toContain("no confirm")
      expect(waited).toBeGreaterThanOrEqual(950)
      expect(waited).toBeLessThan(3_000)
      proxy.flow()
      return topology
    })))
    await proxy.close()
    await Effect.runPromise(cleanUp(url, topology))
  }, 30_000)

  test("closing the bus closes its connection to the broker", async () => {
    const { proxied, proxy } = await throughProxy()
    const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
    const topology = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const { bus, started, topology } = yield* RabbitMqBus.make({ url: proxied.toString(), prefix })
      yield* started
      yield* bus.consume({
        service: "booking",
        handlers: {},
        policy: HandlerPolicy.make({ isTransient: () => true, idempotency: null }),
      })
      expect(proxy.clients()).toBe(1)
      return topology
    })))
    await Effect.runPromise(eventually("the connection closed", Effect.sync(() => proxy.clients() === 0), "3 seconds"))
    await proxy.close()
    await Effect.runPromise(cleanUp(url, topology))
  })

  test.skipIf(rabbitmqctl === null)(
    "the broker closing every connection mid-stream loses no confirmed message; the consumer comes back by itself",
    () =>
      Effect.runPromise(Effect.scoped(Effect.gen(function* () {
        const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
        const { bus, started, topology } = yield* RabbitMqBus.make({
          url,
          prefix,
          reconnect: Schedule.spaced("100 millis"),
          publishTimeout: "5 seconds",
        })
        yield* started
        const delivered = new Set<string>()
        yield* bus.consume({
          service: "booking",
          handlers: { "flight.scheduled": (message) => Effect.sync(() => delivered.add(message.id)) },
          policy: HandlerPolicy.make({ isTransient: () => true, idempotency: Idempotency.inMemory() }),
        })
        const confirmed: Array<string> = []
        // A steady producer for about four seconds; the broker drops every connection in the middle.
        const producer = yield* Effect.fork(Effect.forEach(Array.from({ length: 300 }), () =>
          Effect.gen(function* () {
            const message = yield* Fixtures.flightScheduled()
            yield* bus.publish(message).pipe(Effect.retry(Schedule.spaced("50 millis")))
            confirmed.push(message.id)
            yield* Effect.sleep("10 millis")
          }), { discard: true }))
        yield* Effect.sleep("500 millis")
        const closing = Bun.spawn([rabbitmqctl!, "close_all_connections", "test"], { stdout: "ignore", stderr: "ignore" })
        expect(yield* Effect.promise(() => closing.exited)).toBe(0)
        const deliveredBeforeReconnect = delivered.size
        yield* Fiber.join(producer)
        yield* eventually("every confirmed message delivered", Effect.sync(() => confirmed.every((id) => delivered.has(id))), "30 seconds")
        expect(confirmed.length).toBe(300)
        expect(delivered.size).toBeGreaterThan(deliveredBeforeReconnect)
        yield* cleanUp(url, topology)
      }))),
    60_000,
  )
})
