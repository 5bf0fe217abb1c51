/**
 * `POST /api/bookings` against real Redis, beside a floor measured in the same run: a bare
 * `Bun.serve` handler that runs the same hold script (the same claim of seats, booking, indexes
 * and outbox entry) with nothing around it: no Schema validation, no Effect, no spans or metrics, no
 * reference or Idempotency-Key bookkeeping, no relay.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 bun run bench:booking [-- --seconds 10 --clients 32 --warmup 5]
 *   REDIS_URL=... bun --cpu-prof services/booking/bench/booking.bench.ts --only service   # to profile one side
 *
 * Both sides book one passenger at a time on 100 flights of 600 economy seats, CLIENTS requests in
 * flight for SECONDS, the clients in this process, after a warm-up of WARMUP seconds (5 unless
 * given) on 100 flights of their own: a service in use has been running for a while, and in its
 * first seconds Bun's compilers take a quarter more CPU a booking (docs/benchmarks.md). Each booking
 * has a contact email and a client address (forwarded as a proxy in front would) of its own, so the
 * holding limit (9 seats per email and per address) is checked but never reached.
 */
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import type { FlightId } from "@flight/contracts"
import { Duration, Effect, Logger, LogLevel, Option, Redacted } from "effect"
import { Redis } from "ioredis"
import * as Booking from "../src/main.ts"
import { keysFor } from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisIndexRebuild from "../src/infrastructure/RedisIndexRebuild.ts"
import { deletePrefix, testPrefix } from "../test/support/Fixtures.ts"
import * as RedisHoldScript from "../src/infrastructure/RedisHoldScript.ts"
import * as RedisScript from "../src/infrastructure/RedisScript.ts"
import * as BenchFlights from "./BenchFlights.ts"
import { BenchArguments } from "@flight/runtime/testing"

const argument = BenchArguments.number
const SECONDS = argument("seconds", 10)
const CLIENTS = argument("clients", 32)
const WARMUP = argument("warmup", 5)
const only = BenchArguments.text("only")
const FLIGHTS = 100

/** A side's flights: those its warm-up books, those it is measured on, and both, to seed. */
const flightSets = () => {
  const warmUp = Array.from({ length: FLIGHTS }, () => Bun.randomUUIDv7())
  const measured = Array.from({ length: FLIGHTS }, () => Bun.randomUUIDv7())
  return { warmUp, measured, all: [...warmUp, ...measured] }
}
const url = process.env["REDIS_URL"]
if (url === undefined || url === "") {
  console.error("set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379")
  process.exit(2)
}

/**
 * Keys of the benchmark's own, a prefix for each side, each deleted when its side is done: the Redis
 * it runs on keeps nothing of it, and the service never sees the floor's bookings.
 */
const benchPrefix = () => testPrefix().replace("booking-test", "booking-bench")
const floorPrefix = benchPrefix()
const servicePrefix = benchPrefix()

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/** Bookings posted so far, on both sides: each one's contact and address are its own. */
let posted = 0

/** CLIENTS loops posting a one-passenger booking on a random flight until SECONDS have passed. */
const load = async (endpoint: URL, flights: ReadonlyArray<string>, seconds: number) => {
  const latencies: Array<number> = []
  let conflicts = 0
  let failures = 0
  const until = performance.now() + seconds * 1000
  const cpuBefore = process.cpuUsage()
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < until) {
      const index = posted++
      const flightId = flights[index % flights.length]
      const started = performance.now()
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}` },
        body: JSON.stringify({
          flightId,
          cabin: "economy",
          passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
          contact: { email: `ada.${index}@example.com` },
        }),
      })
      await response.arrayBuffer()
      latencies.push(performance.now() - started)
      if (response.status === 409) conflicts++
      else if (response.status !== 201) failures++
    }
  }))
  const cpu = process.cpuUsage(cpuBefore)
  return { latencies: latencies.toSorted((a, b) => a - b), conflicts, failures, cpuMillis: (cpu.user + cpu.system) / 1000 }
}

const summary = (label: string, result: Awaited<ReturnType<typeof load>>) => ({
  side: label,
  bookingsPerSecond: Math.round((result.latencies.length - result.conflicts - result.failures) / SECONDS),
  p50ms: Number(percentile(result.latencies, 0.5).toFixed(2)),
  p99ms: Number(percentile(result.latencies, 0.99).toFixed(2)),
  conflicts: result.conflicts,
  failures: result.failures,
  // This process's CPU (clients, server and, on the service's side, its relay) per booking: steadier
  // than bookings/s when other work shares the cores.
  cpuMsPerBooking: Number((result.cpuMillis / Math.max(1, result.latencies.length)).toFixed(3)),
})


/**
 * The service as it runs on Redis, flights seeded through its consumer. Its store is marked as
 * having had the index rebuild (`RedisIndexRebuild`), as a store that ran the current version has:
 * the one-time SCAN of a first start after an upgrade is not what this measures.
 */
const service = Effect.gen(function* () {
  const keys = keysFor(servicePrefix)
  yield* Effect.promise(async () => {
    const client = new Redis(url)
    await client.set(keys.indexes, String(RedisIndexRebuild.version))
    client.disconnect()
  })
  const { bus, deadLetters } = yield* InProcessBus.make()
  const running = yield* Booking.make({
    port: 0,
    redisUrl: Option.some(Redacted.make(new URL(url))),
    holdTtl: Duration.hours(1),
    redisKeyPrefix: servicePrefix,
    clientAddress: { header: Option.some("x-forwarded-for"), trustedProxies: ["127.0.0.1", "::1"] },
  }).pipe(
    Effect.provideService(MessageBus, bus), Effect.provideService(DeadLetters.DeadLetters, deadLetters),
  )
  const { warmUp: warmUpFlights, measured: flights, all } = flightSets()
  for (const flightId of all) {
    yield* bus.publish(yield* BenchFlights.scheduled(flightId as FlightId))
  }
  const client = new Redis(url)
  yield* Effect.promise(async () => {
    while ((await client.exists(...all.map((flight) => keys.seating(flight)))) < all.length) await Bun.sleep(20)
  })
  const endpoint = new URL("/api/bookings", running.url)
  yield* Effect.promise(() => load(endpoint, warmUpFlights, WARMUP))
  // The relay publishes what the warm-up left before the measured seconds begin (10 s at most).
  yield* Effect.promise(async () => {
    const until = performance.now() + 10_000
    const left = () => Promise.all(warmUpFlights.map((flight) => client.xlen(keys.outbox(flight))))
    while ((await left()).some((length) => length > 0) && performance.now() < until) await Bun.sleep(20)
  })
  client.disconnect()
  const result = summary("service (POST /api/bookings)", yield* Effect.promise(() => load(endpoint, flights, SECONDS)))
  // What its relay has not yet published when the load ends: a relay that falls behind leaves work
  // for after the measured seconds, which the CPU a booking above does not count.
  const unrelayed = yield* Effect.promise(async () => {
    const client = new Redis(url)
    const lengths = await Promise.all(flights.map((flight) => client.xlen(keys.outbox(flight))))
    client.disconnect()
    return lengths.reduce((sum, length) => sum + length, 0)
  })
  return { ...result, unrelayed }
}).pipe(Effect.scoped)

/** The floor: Bun.serve and the same hold script, nothing else. */
const floor = async () => {
  const keys = keysFor(floorPrefix)
  const client = new Redis(url)
  const { warmUp: warmUpFlights, measured: flights, all } = flightSets()
  for (const flightId of all) {
    await client.set(keys.seating(flightId), JSON.stringify({ flightId, flightNumber: "FB100", departureAt: "2027-01-01T10:00:00.000Z", status: "scheduled", cabins: BenchFlights.cabins }))
  }
  const server = Bun.serve({
    port: 0,
    fetch: async (request) => {
      const body = await request.json() as { flightId: string; cabin: string; passengers: Array<{ firstName: string; lastName: string }>; contact: { email: string } }
      const id = Bun.randomUUIDv7()
      const now = new Date().toISOString()
      const booking = {
        id, reference: "ABCDEF", flightId: body.flightId, cabin: body.cabin,
        passengers: body.passengers.map((p) => ({ ...p, seat: "1A" })), contact: body.contact,
        total: { amount: 0, currency: "XXX" }, status: "pending", holdExpiresAt: now, paymentId: null,
        cancellationReason: null, createdAt: now, updatedAt: now,
      }
      const event = { id: Bun.randomUUIDv7(), type: "booking.created", version: 1, occurredAt: now, correlationId: id, causationId: null, source: "booking", data: { bookingId: id, flightId: body.flightId, seats: ["1A"], passengers: booking.passengers, total: booking.total } }
      const f = body.flightId
      const { reply } = await RedisScript.evaluate(client, RedisHoldScript.hold, {
        keys: {
          seating: keys.seating(f), seats: keys.seats(f, body.cabin), booking: keys.booking(f, id), active: keys.active(f),
          expiries: keys.expiries(f), outbox: keys.outbox(f), status: keys.status(f),
          holders: keys.holders(f, id), bookings: keys.bookings(f),
          holderSets: [keys.holder(`email:${body.contact.email}`), keys.holder(`address:${request.headers.get("x-forwarded-for")}`)],
        },
        args: {
          booking: JSON.stringify(booking), event: JSON.stringify(event), traceparent: "", requested: JSON.stringify(body.passengers.map(() => "")),
          expiresAt: Date.now() + 3_600_000, id, messageId: event.id,
          totalAmount: String(45000 * body.passengers.length), totalCurrency: "GBP", maxSeats: 9, now: Date.now(),
        },
      })
      const [outcome, json] = reply as Array<string>
      return outcome === "ok"
        ? new Response(json, { status: 201, headers: { "content-type": "application/json" } })
        : new Response(JSON.stringify({ type: "seats-unavailable" }), { status: 409, headers: { "content-type": "application/json" } })
    },
  })
  const endpoint = new URL("/api/bookings", server.url)
  await load(endpoint, warmUpFlights, WARMUP)
  const result = summary("floor (Bun.serve + hold script)", await load(endpoint, flights, SECONDS))
  await server.stop(true)
  client.disconnect()
  return result
}

/** One side alone (`--only floor|service`), for a profile of it: its row, and no ratio. */
const oneSide = Effect.gen(function* () {
  const row = only === "floor" ? yield* Effect.promise(floor).pipe(Effect.ensuring(Effect.promise(() => deletePrefix(url, floorPrefix)))) : yield* service
  console.table([row])
})

const program = only !== undefined ? oneSide : Effect.gen(function* () {
  const floorRow = yield* Effect.promise(floor).pipe(Effect.ensuring(Effect.promise(() => deletePrefix(url, floorPrefix))))
  const serviceRow = yield* service
  console.log(`POST /api/bookings: ${CLIENTS} clients, ${SECONDS} s each, 1 passenger a booking, Redis ${new URL(url).host}`)
  console.table([floorRow, serviceRow])
  const ratio = serviceRow.bookingsPerSecond / floorRow.bookingsPerSecond
  console.log(`ratio service / floor: ${ratio.toFixed(2)}`)
  // One line for `bun run bench:all`.
  console.log(`bench-result ${JSON.stringify({ name: "booking POST /api/bookings", figure: serviceRow.bookingsPerSecond, floor: floorRow.bookingsPerSecond, ratio: Number(ratio.toFixed(2)), unit: "bookings/s" })}`)
})

Effect.runPromise(program.pipe(Logger.withMinimumLogLevel(LogLevel.Warning), Effect.ensuring(Effect.promise(() => deletePrefix(url, servicePrefix)))))
  .then(() => process.exit(0))
