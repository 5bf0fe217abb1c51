/**
 * Search throughput and latency of `GET /api/flights` over a realistic catalogue: 50,000 flights
 * over 200 routes and 60 days (about 4 a route a day), on the in-memory adapter and, when
 * MONGODB_URL is set, on MongoDB (a database of its own, dropped afterwards).
 *
 *   bun run bench:search                                  # in memory
 *   MONGODB_URL=mongodb://127.0.0.1:27017/bench bun run bench:search [-- --flights 50000 --seconds 10 --clients 8]
 *
 * The service runs as it does in production (Hono on Bun.serve, the same layers), the clients are
 * `fetch` loops in the same process keeping CLIENTS requests in flight for SECONDS, each asking a
 * random route, day, cabin and party size, 20 results a page.
 */
import { AuthConfig, TokenVerifier } from "@flight/auth"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { HttpApp, type StoreHealth } from "@flight/runtime"
import { Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { MongoClient } from "mongodb"
import * as FlightApi from "../src/api/FlightApi.ts"
import { FlightCommands } from "../src/application/FlightCommands.ts"
import type { FlightQueries } from "../src/application/FlightQueries.ts"
import * as Catalogue from "./Catalogue.ts"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"
import { inMemoryLayer, mongoLayer } from "../src/main.ts"
import { BenchArguments } from "@flight/runtime/testing"

const argument = BenchArguments.number
const FLIGHTS = argument("flights", 50_000)
const SECONDS = argument("seconds", 10)
const CLIENTS = argument("clients", 8)
/** Keep the MongoDB database afterwards, to look at it. */
const KEEP = process.argv.includes("--keep")

const schedules = Catalogue.schedules(FLIGHTS)

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

const measure = (label: string, layer: Layer.Layer<FlightCommands | FlightQueries | StoreHealth, unknown>) =>
  Effect.gen(function* () {
    const { bus, deadLetters } = yield* InProcessBus.make()
    // Search is open to anyone: the verifier is there for the app's bridge and never asked.
    const verifier = TokenVerifier.layerSettings(AuthConfig.defaults)
    const runtime = yield* Layer.toRuntime(Layer.mergeAll(layer, Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), verifier))
    const commands = yield* Effect.provide(FlightCommands, runtime)

    const seedStart = performance.now()
    yield* Effect.forEach(schedules, (schedule) => commands.schedule(schedule, Option.none()), { concurrency: 16, discard: true })
    const seedSeconds = (performance.now() - seedStart) / 1000

    const server = yield* HttpApp.serve(FlightApi.make(runtime), { port: 0 })
    const query = Catalogue.searchPath
    const run = async (seconds: number) => {
      const latencies: Array<number> = []
      let results = 0
      let failures = 0
      const until = performance.now() + seconds * 1000
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < until) {
          const started = performance.now()
          const response = await fetch(new URL(query(), server.url))
          const body = await response.json() as { items?: Array<unknown> }
          latencies.push(performance.now() - started)
          if (response.status !== 200) failures++
          else results += body.items?.length ?? 0
        }
      }))
      return { latencies: latencies.toSorted((a, b) => a - b), results, failures }
    }
    yield* Effect.promise(() => run(1)) // warm-up
    const { failures, latencies, results } = yield* Effect.promise(() => run(SECONDS))
    return {
      store: label,
      flights: FLIGHTS,
      seedPerSecond: Math.round(FLIGHTS / seedSeconds),
      searchesPerSecond: Math.round(latencies.length / SECONDS),
      p50ms: Number(percentile(latencies, 0.5).toFixed(2)),
      p99ms: Number(percentile(latencies, 0.99).toFixed(2)),
      meanResults: Number((results / latencies.length).toFixed(1)),
      failures,
    }
  }).pipe(Effect.scoped)

const program = Effect.gen(function* () {
  const rows = [yield* measure("in-memory", inMemoryLayer)]
  const url = process.env["MONGODB_URL"]
  if (url !== undefined && url !== "") {
    const name = `flight-bench-${Date.now()}`
    const href = url.replace(/^(mongodb(?:\+srv)?:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${name}`)
    rows.push(
      yield* measure(`MongoDB ${MongoStore.address(Redacted.make(Option.getOrThrow(MongoStore.parse(href))))}`, mongoLayer(Redacted.make(Option.getOrThrow(MongoStore.parse(href))))).pipe(
        Effect.ensuring(KEEP ? Effect.log(`kept database ${name}`) : Effect.promise(async () => {
          const client = await MongoClient.connect(href)
          await client.db(name).dropDatabase().finally(() => client.close())
        }).pipe(Effect.ignore)),
      ),
    )
  }
  console.log(`search: ${FLIGHTS} flights, ${Catalogue.ROUTES} routes, ${Catalogue.DAYS} days, ${CLIENTS} clients, ${SECONDS} s`)
  console.table(rows)
})

Effect.runPromise(program.pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
