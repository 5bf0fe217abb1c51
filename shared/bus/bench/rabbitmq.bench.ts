/**
 * Throughput of the RabbitMQ adapter beside raw amqplib, in the same run, on the same queue type
 * (durable quorum queues), with the same messages (the same body, properties and headers), the same
 * window of unconfirmed publishes and the same prefetch.
 *
 *   RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672 bun run bench [-- --messages 20000 --warmup 10000]
 *
 * Publish: N persistent messages, each confirmed by the broker, at most WINDOW awaiting a confirm (the
 * adapter's sent in two steps, `MessageBus.send`, as the outbox relay sends them).
 * Raw amqplib sends each with the properties and headers the adapter gives it (its id, type,
 * correlation, source, time, version and a traceparent, made before the clock starts): what a bare
 * producer of the same messages sends, so that the broker's work is the same on both sides.
 * Consume: N messages already in the queue, taken with PREFETCH unacknowledged, each acknowledged
 * after its (empty) handler ran, timed from the first delivery to the last.
 * Warm-up: each side first publishes and consumes WARMUP messages of its own, unmeasured, as a
 * process that has been running has done (`--warmup 0`: a process's first messages).
 */
import { Catalogue } from "@flight/contracts"
import * as amqp from "amqplib"
import { Effect, Exit, Logger, LogLevel, Schedule } from "effect"
import * as HandlerPolicy from "../src/HandlerPolicy.ts"
import * as RabbitMqBus from "../src/RabbitMqBus.ts"
import * as RabbitMqPublisher from "../src/RabbitMqPublisher.ts"
import * as SendWindow from "../src/SendWindow.ts"
import * as Topology from "../src/Topology.ts"
import * as Fixtures from "../test/support/Fixtures.ts"
import { BenchArguments } from "@flight/runtime/testing"

const argument = BenchArguments.number
const url = process.env["RABBITMQ_URL"] ?? "amqp://guest:guest@127.0.0.1:5672"
const N = argument("messages", 20_000)
const WINDOW = argument("window", 256)
const PREFETCH = argument("prefetch", 64)
const WARMUP = argument("warmup", 10_000)

const messages = await Effect.runPromise(Fixtures.many(Math.max(N, WARMUP), () => Fixtures.flightScheduled()))
const bodies = messages.map((message) => Buffer.from(Catalogue.encodeJson(message)))
/** The properties the adapter sends with each message, a traceparent of its own each. */
const properties = messages.map((message) =>
  RabbitMqPublisher.propertiesOf(message, {
    traceparent: `00-${crypto.randomUUID().replaceAll("-", "")}-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}-01`,
  })
)

const perSecond = (count: number, millis: number) => Math.round((count / millis) * 1000)

/** This process's CPU (user and system) in µs per message since `since` (steadier than throughput on a busy machine). */
const cpuPerMessage = (since: NodeJS.CpuUsage, n: number) => {
  const used = process.cpuUsage(since)
  return Math.round((used.user + used.system) / n)
}

/**
 * The time and this process's CPU from the first delivery on: setting a consumer up (a channel, its
 * prefetch, the broker's answer to `consume`) is not what is measured, and the adapter's is done in
 * `MessageBus.consume` while raw amqplib's is done before.
 */
const firstToLast = () => {
  let start: { at: number; cpu: NodeJS.CpuUsage } | undefined
  return {
    arrived: () => {
      start ??= { at: performance.now(), cpu: process.cpuUsage() }
    },
    end: (n: number) => ({ millis: performance.now() - start!.at, cpuPer: cpuPerMessage(start!.cpu, n) }),
  }
}

/** Runs `start(i)` for i in 0..n-1 with at most `window` running at once. */
const windowed = (n: number, window: number, start: (i: number) => Promise<void>) =>
  new Promise<void>((resolve, reject) => {
    let next = 0
    let done = 0
    const launch = () => {
      while (next < n && next - done < window) {
        start(next++).then(() => {
          done++
          if (done === n) resolve()
          else launch()
        }, reject)
      }
    }
    launch()
  })

const raw = async (n: number) => {
  const prefix = `bench-raw-${crypto.randomUUID().slice(0, 8)}`
  const connection = await amqp.connect(url)
  const channel = await connection.createConfirmChannel()
  const exchange = `${prefix}.events`
  const queue = `${prefix}.booking`
  await channel.assertExchange(exchange, "topic", { durable: true })
  await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } })
  await channel.bindQueue(queue, exchange, "flight.scheduled")

  const publishStart = performance.now()
  const publishCpu = process.cpuUsage()
  await windowed(n, WINDOW, (i) =>
    new Promise((resolve, reject) =>
      channel.publish(exchange, "flight.scheduled", bodies[i]!, properties[i]!, (error) => (error ? reject(error) : resolve()))
    ))
  const publishMillis = performance.now() - publishStart
  const publishCpuPer = cpuPerMessage(publishCpu, n)

  const consumer = await connection.createChannel()
  await consumer.prefetch(PREFETCH)
  const consumed = firstToLast()
  await new Promise<void>((resolve) => {
    let received = 0
    void consumer.consume(queue, (message) => {
      if (message === null) return
      consumed.arrived()
      JSON.parse(message.content.toString("utf8"))
      consumer.ack(message)
      if (++received === n) resolve()
    })
  })
  const { millis: consumeMillis, cpuPer: consumeCpuPer } = consumed.end(n)
  await channel.deleteQueue(queue)
  await channel.deleteExchange(exchange)
  await connection.close()
  return { publish: perSecond(n, publishMillis), consume: perSecond(n, consumeMillis), publishCpuPer, consumeCpuPer }
}

const adapter = (n: number) => Effect.gen(function* () {
  const prefix = `bench-bus-${crypto.randomUUID().slice(0, 8)}`
  const { bus, started, topology } = yield* RabbitMqBus.make({ url, prefix, prefetch: PREFETCH, reconnect: Schedule.spaced("100 millis") })
  yield* started
  const publishStart = performance.now()
  const publishCpu = process.cpuUsage()
  // As the outbox relay publishes: each message sent in turn, WINDOW awaiting their confirms at once.
  let refused = 0
  yield* SendWindow.inOrder(messages.slice(0, n), WINDOW, (message, done) =>
    Effect.as(
      bus.send(message, undefined, (exit) => {
        if (Exit.isFailure(exit)) refused++
        done()
      }),
      true,
    ))
  if (refused > 0) return yield* Effect.dieMessage(`${refused} publishes not confirmed`)
  const publishMillis = performance.now() - publishStart
  const publishCpuPer = cpuPerMessage(publishCpu, n)

  let received = 0
  const all = yield* Effect.makeLatch(false)
  const consumed = firstToLast()
  yield* bus.consume({
    service: "booking",
    handlers: {
      "flight.scheduled": () =>
        Effect.suspend(() => {
          consumed.arrived()
          return ++received === n ? all.open : Effect.void
        }),
    },
    policy: HandlerPolicy.make({ isTransient: () => true, idempotency: null }),
  })
  yield* all.await
  const { millis: consumeMillis, cpuPer: consumeCpuPer } = consumed.end(n)
  const connection = yield* Effect.promise(() => amqp.connect(url))
  yield* RabbitMqBus.deleteTopology(yield* Effect.promise(() => connection.createChannel()), topology as Topology.Topology)
  yield* Effect.promise(() => connection.close())
  return { publish: perSecond(n, publishMillis), consume: perSecond(n, consumeMillis), publishCpuPer, consumeCpuPer }
}).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

console.log(`RabbitMQ bench: ${N} messages of ${bodies[0]!.length} bytes after ${WARMUP} unmeasured, window ${WINDOW}, prefetch ${PREFETCH}, quorum queues`)
if (WARMUP > 0) {
  await raw(WARMUP)
  await Effect.runPromise(adapter(WARMUP))
}
const baseline = await raw(N)
const ours = await Effect.runPromise(adapter(N))
const row = (what: string, a: number, b: number) =>
  `| ${what} | ${b.toLocaleString("en")} msg/s | ${a.toLocaleString("en")} msg/s | ${(a / b).toFixed(2)} |`
console.log("| | raw amqplib | adapter | adapter / raw |")
console.log("|---|---|---|---|")
console.log(row("publish with confirm", ours.publish, baseline.publish).replace(/\| ([\d,]+ msg\/s) \| ([\d,]+ msg\/s) \|/, "| $1 | $2 |"))
console.log(row("consume and ack", ours.consume, baseline.consume))
console.log(`CPU of this process a message: publish ${baseline.publishCpuPer} µs raw, ${ours.publishCpuPer} µs adapter; ` +
  `consume ${baseline.consumeCpuPer} µs raw, ${ours.consumeCpuPer} µs adapter`)
// One line per measure, for the scripts that collect benchmark figures.
const result = (name: string, figure: number, floor: number) =>
  console.log(`bench-result ${JSON.stringify({ name, figure, floor, ratio: Number((figure / floor).toFixed(2)), unit: "msg/s" })}`)
result("bus publish with confirm", ours.publish, baseline.publish)
result("bus consume and ack", ours.consume, baseline.consume)
