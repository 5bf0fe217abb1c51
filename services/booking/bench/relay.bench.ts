/**
 * What booking's outbox relay costs an entry, apart from the requests that write the entries: the
 * bookings are made through `BookingCommands.create` (no HTTP, no relay running) for SECONDS, then
 * the relay is started and drains the outbox; this process's CPU over the drain, per entry.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 bun run bench:relay [-- --seconds 6 --flights 300 --publish none|rabbitmq --window 32]
 *
 * `--publish none` gives the relay a bus whose publish does nothing, so the figure is the relay's
 * own work (claim, decode, renewals, acknowledgement); by default it publishes on the in-process bus;
 * `--publish rabbitmq` on the RabbitMQ adapter (RABBITMQ_URL), with confirms, where the drain's rate
 * shows what the relay's window of publishes awaiting their confirm (`--window`, 1 for one at a
 * time) is worth.
 * The bookings first run as many seconds unmeasured, so the code is warm. The same figures time the
 * creates alone (CPU a booking without HTTP, guest token or relay).
 */
import { InProcessBus, MessageBus, Outbox, RabbitMqBus, Topology, withPublish } from "@flight/bus"

import type { FlightId } from "@flight/contracts"
import { Duration, Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Option, Redacted, Scope } from "effect"
import * as amqp from "amqplib"
import { Redis } from "ioredis"
import { BookingCommands } from "../src/application/BookingCommands.ts"
import { redisLayer } from "../src/main.ts"
import { keysFor } from "../src/infrastructure/RedisBookingRepository.ts"
import * as RedisIndexRebuild from "../src/infrastructure/RedisIndexRebuild.ts"
import { deletePrefix, testPrefix } from "../test/support/Fixtures.ts"
import * as BenchFlights from "./BenchFlights.ts"
import { BenchArguments } from "@flight/runtime/testing"

const SECONDS = BenchArguments.number("seconds", 6)
const FLIGHTS = BenchArguments.number("flights", 300)
const CLIENTS = 32
const publishing = BenchArguments.text("publish") ?? "in-process"
if (!["none", "in-process", "rabbitmq"].includes(publishing)) throw new Error("--publish is none, in-process or rabbitmq")
const WINDOW = BenchArguments.number("window", Outbox.defaultWindow)
const url = BenchArguments.required("REDIS_URL", "(e.g. REDIS_URL=redis://127.0.0.1:6379)")

const prefix = testPrefix().replace("booking-test", "booking-bench")
// Marked as having had the index rebuild, as a store that ran the current version has.
const marker = new Redis(url)
await marker.set(keysFor(prefix).indexes, String(RedisIndexRebuild.version))
marker.disconnect()

const runtime = ManagedRuntime.make(
  redisLayer(Redacted.make(new URL(url)), Duration.hours(1), prefix).pipe(Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))),
)
const commands = await runtime.runPromise(BookingCommands)
const flights = Array.from({ length: FLIGHTS }, () => Bun.randomUUIDv7() as FlightId)
for (const flightId of flights) await runtime.runPromise(Effect.flatMap(BenchFlights.scheduled(flightId), commands.seed))

let made = 0
/** CLIENTS loops creating one-passenger bookings for `seconds`; answers the CPU a booking (ms). */
const book = async (seconds: number) => {
  const until = performance.now() + seconds * 1000
  const cpu = process.cpuUsage()
  let done = 0
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < until) {
      const index = made++
      await runtime.runPromise(commands.create({
        flightId: flights[index % flights.length]!,
        cabin: "economy",
        passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
        contact: { email: `ada.${index}@example.com` } as never,
        owner: null,
        clientAddress: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      }, Option.none()))
      done++
    }
  }))
  const used = process.cpuUsage(cpu)
  return { bookings: done, cpuMsPerBooking: (used.user + used.system) / 1000 / done }
}

await book(SECONDS)
const creates = await book(SECONDS)

const scope = Effect.runSync(Scope.make())
const rabbitMqUrl = publishing === "rabbitmq" ? BenchArguments.required("RABBITMQ_URL", "(e.g. RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672)") : ""
const connected = await Effect.runPromise(Scope.extend(
  publishing === "rabbitmq"
    ? Effect.map(Effect.tap(RabbitMqBus.make({ url: rabbitMqUrl, prefix }), (made) => made.started), ({ bus, topology }) => ({ bus, topology: topology as Topology.Topology | undefined }))
    : Effect.map(InProcessBus.make(), ({ bus }) => ({ bus, topology: undefined as Topology.Topology | undefined })),
  scope,
).pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
const { bus } = connected
let published = 0
/** The bus, counting what it confirmed; with `--publish none`, confirming at once what it is given. */
const counting: typeof bus = {
  ...withPublish(bus, (message, options) => publishing === "none" ? Effect.void : bus.publish(message, options)),
  send: (message, options, answered) =>
    publishing === "none"
      ? Effect.sync(() => {
        published++
        answered(Exit.void)
      })
      : bus.send(message, options, (exit) => {
        if (Exit.isSuccess(exit)) published++
        answered(exit)
      }),
}
const store = await runtime.runPromise(Outbox.Store)
const cpu = process.cpuUsage()
const startedAt = performance.now()
await Effect.runPromise(Scope.extend(Outbox.startRelay(store, { idleDelay: "1 second", window: WINDOW }).pipe(Effect.provideService(MessageBus, counting)), scope))
while (published < made) await Bun.sleep(20)
const used = process.cpuUsage(cpu)
const seconds = (performance.now() - startedAt) / 1000

const onto = { none: "to nothing", "in-process": "on the in-process bus", rabbitmq: `on RabbitMQ with confirms, ${WINDOW} at once` }[publishing]
console.log(`booking's relay on Redis ${new URL(url).host}: ${made} entries on ${FLIGHTS} flights, published ${onto}`)
console.table([{
  createsPerSecond: Math.round(creates.bookings / SECONDS),
  cpuMsPerCreate: Number(creates.cpuMsPerBooking.toFixed(3)),
  entriesDrained: published,
  drainSeconds: Number(seconds.toFixed(2)),
  entriesPerSecond: Math.round(published / seconds),
  cpuUsPerEntry: Number(((used.user + used.system) / published).toFixed(1)),
}])
await Effect.runPromise(Scope.close(scope, Exit.void))
if (connected.topology !== undefined) {
  const admin = await amqp.connect(rabbitMqUrl)
  await Effect.runPromise(RabbitMqBus.deleteTopology(await admin.createChannel(), connected.topology))
  await admin.close()
}
await runtime.dispose()
await deletePrefix(url, prefix)
process.exit(0)
