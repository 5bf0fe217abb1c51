/**
 * `POST /api/payments` against real PostgreSQL with the simulated gateway at zero latency, beside
 * pgbench's TPS (its default TPC-B-like transaction) on the same server in the same run.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bun run bench:payment [-- --seconds 10 --clients 16 --intents 40000]
 *
 * The service runs as in production (Hono, Schema validation, two transactions per payment around
 * the gateway call, outbox, relay); each client pays a booking of its own (intents opened before
 * the run, all made by one signed-in customer whose token each request carries, verified as in
 * production), under a new Idempotency-Key each time. Both use fresh databases, dropped afterwards.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { BookingId } from "@flight/contracts"
import { HttpApp } from "@flight/runtime"
import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import * as PaymentApi from "../src/api/PaymentApi.ts"
import { PaymentCommands } from "../src/application/PaymentCommands.ts"
import { postgresLayer } from "../src/main.ts"
import { bookingCreatedBy, freshDatabase } from "../test/support/Fixtures.ts"
import { BenchArguments } from "@flight/runtime/testing"

const argument = BenchArguments.number
const SECONDS = argument("seconds", 10)
const CLIENTS = argument("clients", 16)
/** Bookings with an intent open, one a payment: more than a run at 1,500 payments/s and its warm-up use. */
const INTENTS = argument("intents", 40_000)
const url = process.env["DATABASE_URL"]
if (url === undefined || url === "") {
  console.error("set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")
  process.exit(2)
}

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

const pgbench = Effect.gen(function* () {
  const database = yield* freshDatabase(url, "pgbench_bench")
  const run = (args: ReadonlyArray<string>) =>
    Effect.promise(async () => {
      const child = Bun.spawn(["pgbench", ...args, database.href], { stdout: "pipe", stderr: "pipe" })
      const [out] = await Promise.all([new Response(child.stdout).text(), child.exited])
      return out
    })
  yield* run(["-i", "-s", "10", "-q"])
  const out = yield* run(["-c", String(CLIENTS), "-j", "2", "-T", String(SECONDS), "-n"])
  const tps = /tps = ([0-9.]+)/.exec(out)?.[1]
  const latency = /latency average = ([0-9.]+) ms/.exec(out)?.[1]
  return { side: `pgbench (TPC-B-like, ${CLIENTS} clients)`, perSecond: Math.round(Number(tps)), latencyAverageMs: Number(latency) }
}).pipe(Effect.scoped)

const service = Effect.gen(function* () {
  const database = yield* freshDatabase(url, "payment_bench")
  const { bus, deadLetters } = yield* InProcessBus.make()
  // A test issuer stands in for identity: the service verifies each request's token as it would in production.
  const runtime = yield* Layer.toRuntime(
    Layer.mergeAll(postgresLayer(Redacted.make(database)), Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), TestIssuer.layer()),
  )
  const commands = yield* Effect.provide(PaymentCommands, runtime)
  const authorization = `Bearer ${yield* Effect.flatMap(Effect.provide(TestIssuer.Issuer, runtime), (issuer) =>
    issuer.customer("bench-customer", { expiresIn: 3600 }))}`
  const bookings = Array.from({ length: INTENTS }, () => BookingId.make(Bun.randomUUIDv7()))
  const open = (bookingId: BookingId) => Effect.flatMap(bookingCreatedBy("bench-customer", bookingId, 45000, "1 hour"), commands.openIntent)
  yield* Effect.forEach(bookings, open, {
    concurrency: 16,
    discard: true,
  })
  const server = yield* HttpApp.serve(PaymentApi.make(runtime), { port: 0 })
  const endpoint = new URL("/api/payments", server.url)
  let next = 0
  const load = async (seconds: number) => {
    const latencies: Array<number> = []
    let failures = 0
    const until = performance.now() + seconds * 1000
    const cpuBefore = process.cpuUsage()
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until && next < bookings.length) {
        const bookingId = bookings[next++]
        const started = performance.now()
        const response = await fetch(endpoint, {
          method: "POST",
          headers: { authorization, "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
          body: JSON.stringify({ bookingId, method: { type: "card", token: "tok_visa" } }),
        })
        await response.arrayBuffer()
        latencies.push(performance.now() - started)
        if (response.status !== 201) failures++
      }
    }))
    const cpu = process.cpuUsage(cpuBefore)
    return { latencies: latencies.toSorted((a, b) => a - b), failures, cpuMillis: (cpu.user + cpu.system) / 1000 }
  }
  yield* Effect.promise(() => load(1))
  const { cpuMillis, failures, latencies } = yield* Effect.promise(() => load(SECONDS))
  if (next >= bookings.length) console.warn(`all ${INTENTS} intents paid before the end: the figure is low, give more --intents`)
  return {
    side: `service (POST /api/payments, ${CLIENTS} clients)`,
    perSecond: Math.round(latencies.length / SECONDS),
    p50ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99ms: Number(percentile(latencies, 0.99).toFixed(2)),
    failures,
    // This process's CPU (the clients and the service) per payment: steadier than payments/s when
    // other work shares the cores.
    cpuMsPerPayment: Number((cpuMillis / Math.max(1, latencies.length)).toFixed(3)),
  }
}).pipe(Effect.scoped)

const program = Effect.gen(function* () {
  const payments = yield* service
  const baseline = yield* pgbench
  console.log(`POST /api/payments against PostgreSQL ${new URL(url).host}, simulated gateway at zero latency, ${SECONDS} s`)
  console.table([payments, baseline])
  const ratio = payments.perSecond / baseline.perSecond
  console.log(`payments per second / pgbench TPS: ${ratio.toFixed(2)}`)
  // One line for `bun run bench:all`.
  console.log(`bench-result ${JSON.stringify({ name: "payment POST /api/payments", figure: payments.perSecond, floor: baseline.perSecond, ratio: Number(ratio.toFixed(2)), unit: "payments/s (floor: pgbench TPS)" })}`)
})

Effect.runPromise(program.pipe(Logger.withMinimumLogLevel(LogLevel.Warning))).then(() => process.exit(0))
