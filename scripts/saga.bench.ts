/**
 * Saga latency and throughput in the infra mode: the four services as separate processes on
 * RabbitMQ, Redis, MongoDB and PostgreSQL. Each saga books one seat, pays as soon as the payment
 * intent is open, and waits until the booking is confirmed; CLIENTS sagas run at once for SECONDS.
 * The latency is the booking's own: from its `createdAt` to its `updatedAt` when confirmed (server
 * clocks), which spans booking.created reaching payment, the charge, payment.processed reaching
 * booking, and the confirmation.
 *
 *   REDIS_URL=... MONGODB_URL=... DATABASE_URL=... RABBITMQ_URL=... bun run bench:saga [-- --seconds 20 --clients 8 --warmup 30 --cabin small --phone]
 *
 * The sagas book flights of 180 seats (a new one scheduled when one is full), so scheduling flights
 * is a small part of what is measured, as it is of an airline's day.
 *
 * The services export their spans as they would in production when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set (and sample them as OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG say): what tracing costs.
 *
 * How far the flight service's availability lags behind the bookings (`AvailabilityLag`): the flight
 * being booked read every half second, each reading as far behind as the first booking it does not
 * show yet has waited.
 *
 * Beside the rate, the CPU each process spent per saga over the measured seconds (`ProcessCpu`, from
 * `/proc`): each service, this process (the clients), and the servers on this machine; and what the
 * servers did per saga as they count it (`ServerCounts`): Redis's commands, and the transactions of
 * payment's and notification's database and of FerretDB's (the database `ferretdb`, where it runs on
 * the same PostgreSQL).
 */
import { Effect, Exit, Scope } from "effect"
import * as AvailabilityLag from "./support/AvailabilityLag.ts"
import * as Confirmations from "./support/Confirmations.ts"
import * as Flows from "./support/Flows.ts"
import * as Infra from "./support/Infra.ts"
import * as ServerCounts from "./support/ServerCounts.ts"
import { BenchArguments, ProcessCpu } from "@flight/runtime/testing"

const argument = BenchArguments.number
const SECONDS = argument("seconds", 20)
const CLIENTS = argument("clients", 8)
/**
 * Seconds of sagas before the measured ones, unmeasured: the services' compilers work for the first
 * minutes of a run, and a system in service is warm (`--warmup 2`: the first seconds of a fresh one).
 */
const WARMUP = argument("warmup", 30)
/**
 * The flights' economy cabin: a narrow-body's 180 seats, as an airline sells them, or the flows' 9
 * (`--cabin small`: a flight scheduled every nine sagas, as the bench did before 2026-12-06).
 */
const CABIN = BenchArguments.text("cabin") === "small" ? Flows.smallCabin : Flows.narrowBodyCabin
/** `--phone`: contacts with a phone number too, so each booking step is told by email and by SMS. */
const PHONE = process.argv.includes("--phone")

const variable = (name: string) => BenchArguments.required(name, "(and REDIS_URL, MONGODB_URL, DATABASE_URL, RABBITMQ_URL)")

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/** The tracing settings of this run, given to every service (which inherit nothing else). */
const tracing = Object.fromEntries(
  ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_BSP_SCHEDULE_DELAY"]
    .flatMap((name) => process.env[name] === undefined ? [] : [[name, process.env[name]!]]),
)

const system = await Infra.start({
  redisUrl: variable("REDIS_URL"),
  mongoUrl: variable("MONGODB_URL"),
  databaseUrl: variable("DATABASE_URL"),
  rabbitUrl: variable("RABBITMQ_URL"),
}, tracing)
const api = Flows.apiOf(system.urls)
const confirmations = await Confirmations.listen(variable("RABBITMQ_URL"), system.busPrefix)

/** The connections reading the servers' counts, closed with the system. */
const counts = Effect.runSync(Scope.make())

const call = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** When each booking was answered, and the flight's availability read against it. */
const lag = AvailabilityLag.tracker()

/** One saga: answers the booking's created-to-confirmed time (ms), or null when it did not confirm. */
const saga = async (flightId: string): Promise<number | null> => {
  const booked = await call(api.booking("POST", "/api/bookings", {
    flightId,
    cabin: "economy",
    passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
    contact: PHONE ? { email: "ada@example.com", phone: "+447700900123" } : { email: "ada@example.com" },
  }))
  if (booked.status !== 201) return null
  lag.booked(flightId, performance.now())
  const bookingId = booked.body["id"] as string
  const paid = await call(Flows.pay(api, booked.body, "tok_visa"))
  if (paid.status !== 201) return null
  // Told by booking.confirmed on the broker (within 10 s), then the booking read once for its times.
  const confirmed = await Promise.race([confirmations.confirmed(bookingId).then(() => true), Bun.sleep(10_000).then(() => false)])
  if (!confirmed) return null
  const booking = await call(api.booking("GET", `/api/bookings/${bookingId}`, undefined, Flows.guest(booked.body)))
  if (booking.body["status"] !== "confirmed") return null
  return Date.parse(booking.body["updatedAt"]) - Date.parse(booking.body["createdAt"])
}

try {
  const readCounts = await Effect.runPromise(Scope.extend(ServerCounts.reader(
    { redisUrl: variable("REDIS_URL"), databaseUrl: variable("DATABASE_URL") },
    { "payment and notification": new URL(system.databaseUrl).pathname.slice(1), FerretDB: "ferretdb" },
  ), counts))
  // Flights with room for every saga: a new flight when one is full, scheduled once however many
  // clients reach it at the same moment (the n-th saga books flight n / seats per flight).
  const flights: Array<Promise<string>> = []
  const seatsPerFlight = (CABIN.rows.to - CABIN.rows.from + 1) * CABIN.seatLetters.length
  const flightFor = (n: number) => {
    const index = Math.floor(n / seatsPerFlight)
    while (flights.length <= index) flights.push(call(Flows.flightOnSale(api, CABIN)))
    return flights[index]!
  }
  let next = 0
  const latencies: Array<number> = []
  let failed = 0
  const run = async (seconds: number, record: boolean) => {
    const until = performance.now() + seconds * 1000
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const latency = await saga(await flightFor(next++))
        if (!record) continue
        if (latency === null) failed++
        else latencies.push(latency)
      }
    }))
  }
  await run(WARMUP, false)
  const { IDENTITY_URL, BOOKING_URL, FLIGHT_URL, NOTIFICATION_URL, PAYMENT_URL } = system.urls
  const pidOf = (url: string) => system.processOf(url).process.pid
  const pids = {
    booking: pidOf(BOOKING_URL),
    flight: pidOf(FLIGHT_URL),
    payment: pidOf(PAYMENT_URL),
    notification: pidOf(NOTIFICATION_URL),
    identity: pidOf(IDENTITY_URL),
    gateway: pidOf(system.gatewayUrl),
    "the bench's clients": process.pid,
  }
  const countsBefore = await Effect.runPromise(readCounts)
  const cpuBefore = ProcessCpu.reading(pids)
  const machineBefore = ProcessCpu.machine()
  // Every half second, the availability of the flight being booked (and of the one before it while
  // it lags): 2-4 reads a second from the flight service, beside its 100 or so MongoDB commands.
  let measuring = true
  const readings = (async () => {
    const shownAll = new Set<string>()
    while (measuring) {
      await Bun.sleep(500)
      const current = Math.floor(Math.max(0, next - 1) / seatsPerFlight)
      for (const index of [current - 1, current].filter((index) => index >= 0)) {
        const flightId = await flights[index]!
        if (shownAll.has(flightId)) continue
        const read = await call(api.flight("GET", `/api/flights/${flightId}`))
        const at = performance.now()
        if (read.status !== 200) continue
        const shown = AvailabilityLag.seatsTaken(read.body as never)
        lag.read(flightId, shown, at)
        if (index < current && shown >= seatsPerFlight) shownAll.add(flightId)
      }
    }
  })()
  await run(SECONDS, true)
  measuring = false
  await readings
  const cpu = ProcessCpu.perUnit(cpuBefore, ProcessCpu.reading(pids), latencies.length + failed)
  const machineAfter = ProcessCpu.machine()
  const machine = machineBefore === undefined || machineAfter === undefined ? undefined : ProcessCpu.machineBetween(machineBefore, machineAfter)
  const work = ServerCounts.perUnit(countsBefore, await Effect.runPromise(readCounts), latencies.length + failed)
  const oneDecimal = (millis: number) => Number(millis.toFixed(1))
  /** Every process counted, a saga, unrounded. */
  const cpuMsAll = cpu.reduce((total, { cpuMsPerUnit }) => total + cpuMsPerUnit, 0)
  const cpuMsPerSaga = oneDecimal(cpuMsAll)
  const sorted = latencies.toSorted((a, b) => a - b)
  const lags = lag.lags().toSorted((a, b) => a - b)
  console.log(`sagas (book, pay, confirmed) in the infra mode: ${CLIENTS} at once, ${SECONDS} s`)
  console.table([{
    sagasPerSecond: Number((latencies.length / SECONDS).toFixed(1)),
    confirmedP50ms: percentile(sorted, 0.5),
    confirmedP99ms: percentile(sorted, 0.99),
    sagas: latencies.length,
    failed,
    availabilityLagP50ms: Math.round(percentile(lags, 0.5)),
    availabilityLagP99ms: Math.round(percentile(lags, 0.99)),
    availabilityReadings: lags.length,
  }])
  if (cpu.length > 0) {
    console.log(`CPU a saga by process (ms), ${cpuMsPerSaga} in all:`)
    console.table(cpu.map(({ cpuMsPerUnit, process }) => ({ process, cpuMsPerSaga: oneDecimal(cpuMsPerUnit) })))
  }
  if (machine !== undefined) {
    const cores = (value: number) => value.toFixed(2)
    console.log(
      `The machine over the measured seconds: ${cores(machine.busyCores)} of its ${machine.cores} cores busy ` +
        `(the processes above ${cores((cpuMsAll * (latencies.length + failed)) / machine.millis)}), ` +
        `${cores(machine.idleCores)} idle, ` +
        `${cores(machine.iowaitCores)} waiting for the disk, ${cores(machine.stealCores)} taken by the host`,
    )
  }
  console.log(`What the servers did a saga: Redis ${oneDecimal(work.redisCommands)} commands; PostgreSQL ${
    work.commits.map(({ database, perUnit }) => `${oneDecimal(perUnit)} transactions (${database})`).join(", ")
  }`)
  // One line for `bun run bench:all`: an absolute figure, the goal being sagas/s and a p99.
  console.log(`bench-result ${JSON.stringify({
    name: `saga created → confirmed, infra mode, ${CLIENTS} clients`,
    figure: Number((latencies.length / SECONDS).toFixed(1)),
    floor: null,
    ratio: null,
    unit: "sagas/s",
    p50ms: percentile(sorted, 0.5),
    p99ms: percentile(sorted, 0.99),
    failed,
    cpuMsPerSaga,
    availabilityLagP99ms: Math.round(percentile(lags, 0.99)),
    ...(machine === undefined ? {} : { cores: machine.cores, busyCores: Number(machine.busyCores.toFixed(2)), idleCores: Number(machine.idleCores.toFixed(2)) }),
  })}`)
} finally {
  await confirmations.close()
  await Effect.runPromise(Scope.close(counts, Exit.void))
  await system.stop()
}
process.exit(0)
