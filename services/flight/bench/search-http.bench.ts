/**
 * What HTTP costs a search: `GET /api/flights` served by the flight service's app (`FlightApi.make`
 * on the in-memory repository, as it runs) against a floor on the same catalogue, in one process,
 * back to back.
 *
 *   bun run bench:search-http                                   # 50,000 flights, 8 clients, 10 s, 1 round
 *   bun run bench:search-http -- --flights 50000 --seconds 10 --clients 8 --rounds 2
 *   bun --cpu-prof --cpu-prof-dir /tmp/prof services/flight/bench/search-http.bench.ts --only service
 *
 * The floor is a bare `Bun.serve` whose handler reads the same query by hand (no Schema, no span, no
 * metrics, no Effect per request), calls the same repository's `search` on the same index, and
 * answers `JSON.stringify` of the page as the service shows it (`FlightViews.viewOf`, a cursor when
 * more follow). Both are asked the same sequence of queries by CLIENTS `fetch` loops in this
 * process, for SECONDS each after a one-second warm-up of each; `--rounds` repeats floor, service.
 * `cpuUsPerRequest` is this process's CPU time (server and clients) per request, steadier than the
 * throughput when other processes share the cores. The last line is `bench-result {...}` with the
 * medians over the rounds.
 */
import { AuthConfig, TokenVerifier } from "@flight/auth"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { HttpApp } from "@flight/runtime"
import { Context, DateTime, Effect, Layer, Logger, LogLevel, Option, Schema } from "effect"
import * as FlightApi from "../src/api/FlightApi.ts"
import * as FlightViews from "../src/api/FlightViews.ts"
import { FlightCommands } from "../src/application/FlightCommands.ts"
import * as Catalogue from "./Catalogue.ts"
import { FlightRepository, type SearchCriteria } from "../src/domain/FlightRepository.ts"
import { inMemoryLayer } from "../src/main.ts"
import { BenchArguments } from "@flight/runtime/testing"

const argument = BenchArguments.number
const FLIGHTS = argument("flights", 50_000)
const SECONDS = argument("seconds", 10)
const CLIENTS = argument("clients", 8)
const ROUNDS = argument("rounds", 1)
/** `--only service` or `--only floor`: one side alone (e.g. under `--cpu-prof`). */
const ONLY = BenchArguments.text("only")

const schedules = Catalogue.schedules(FLIGHTS)

/** The queries both sides are asked, in the same order. */
const queries = Array.from({ length: 4096 }, Catalogue.searchPath)

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
const median = (values: ReadonlyArray<number>) => {
  const sorted = values.toSorted((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** CLIENTS `fetch` loops against `origin` for `seconds`. */
const load = async (origin: URL, seconds: number) => {
  const latencies: Array<number> = []
  let results = 0
  let failures = 0
  let bytes = 0
  let next = 0
  const cpu = process.cpuUsage()
  const until = performance.now() + seconds * 1000
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < until) {
      const started = performance.now()
      const response = await fetch(new URL(queries[next++ % queries.length]!, origin))
      const text = await response.text()
      latencies.push(performance.now() - started)
      bytes += text.length
      if (response.status !== 200) failures++
      else results += (JSON.parse(text) as { items: Array<unknown> }).items.length
    }
  }))
  const used = process.cpuUsage(cpu)
  const sorted = latencies.toSorted((a, b) => a - b)
  return {
    perSecond: Math.round(latencies.length / seconds),
    // The process's CPU (server and clients) per request: steadier than throughput on a shared machine.
    cpuUsPerRequest: Math.round((used.user + used.system) / Math.max(1, latencies.length)),
    p50ms: Number(percentile(sorted, 0.5).toFixed(2)),
    p99ms: Number(percentile(sorted, 0.99).toFixed(2)),
    meanResults: Number((results / Math.max(1, latencies.length)).toFixed(1)),
    meanBytes: Math.round(bytes / Math.max(1, latencies.length)),
    failures,
  }
}

const encodeCursor = Schema.encodeSync(FlightViews.Cursor)
const cabins = new Set(["economy", "premium", "business", "first"])

/**
 * The floor's handler: the query read by hand (the search's own parameters, defaults as the API's),
 * the repository's search, the page as JSON. A bad query is a bare 400.
 */
const floorHandler = (repository: FlightRepository["Type"]) => (request: Request): Response => {
  const url = new URL(request.url)
  if (url.pathname !== "/api/flights") return new Response(null, { status: 404 })
  const parameters = url.searchParams
  const origin = parameters.get("origin")
  const destination = parameters.get("destination")
  const date = parameters.get("date")
  const cabin = parameters.get("cabin") ?? "economy"
  const passengers = Number(parameters.get("passengers") ?? "1")
  if (origin === null || destination === null || date === null || !cabins.has(cabin) || !(passengers >= 1 && passengers <= 9)) {
    return new Response(null, { status: 400 })
  }
  const criteria = { origin, destination, date, cabin, passengers, limit: 20, after: Option.none() } as unknown as SearchCriteria
  const page = Effect.runSync(repository.search(criteria))
  const body = {
    items: page.items.map(FlightViews.viewOf),
    nextCursor: Option.isSome(page.next) ? encodeCursor(page.next.value) : null,
  }
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } })
}

const program = Effect.gen(function* () {
  const { bus, deadLetters } = yield* InProcessBus.make()
  // Search is open to anyone: the verifier is there for the app's bridge and never asked.
  const verifier = TokenVerifier.layerSettings(AuthConfig.defaults)
  const runtime = yield* Layer.toRuntime(
    Layer.mergeAll(inMemoryLayer, Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters.DeadLetters, deadLetters), verifier),
  )
  const commands = yield* Effect.provide(FlightCommands, runtime)
  const repository = Context.get(runtime.context, FlightRepository)

  const seedStart = performance.now()
  yield* Effect.forEach(schedules, (schedule) => commands.schedule(schedule, Option.none()), { concurrency: 16, discard: true })
  const seedSeconds = (performance.now() - seedStart) / 1000

  const service = yield* HttpApp.serve(FlightApi.make(runtime), { port: 0 })
  const floor = Bun.serve({ port: 0, development: false, fetch: floorHandler(repository) })
  yield* Effect.addFinalizer(() => Effect.promise(() => floor.stop(true)))

  const sides = [
    { side: "floor: Bun.serve + search + JSON.stringify", key: "floor", url: floor.url },
    { side: "service: FlightApi on HttpApp", key: "service", url: service.url },
  ].filter((side) => ONLY === undefined || side.key === ONLY)
  const rows: Array<Record<string, unknown>> = []
  const figures: Record<string, Array<number>> = { floor: [], service: [] }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const side of sides) {
      yield* Effect.promise(() => load(side.url, 1)) // warm-up
      const result = yield* Effect.promise(() => load(side.url, SECONDS))
      figures[side.key]!.push(result.perSecond)
      rows.push({ round, side: side.side, ...result })
    }
  }
  console.log(
    `search over HTTP: ${FLIGHTS} flights (seeded at ${Math.round(FLIGHTS / seedSeconds)}/s), ${CLIENTS} clients, ` +
      `${SECONDS} s a side, ${ROUNDS} round(s), ${DateTime.formatIso(yield* DateTime.now)}`,
  )
  console.table(rows)
  if (ONLY === undefined) {
    const figure = median(figures.service!)
    const floorFigure = median(figures.floor!)
    console.log(`bench-result ${JSON.stringify({
      name: "search over HTTP, in memory",
      figure,
      floor: floorFigure,
      ratio: Number((figure / floorFigure).toFixed(2)),
      unit: "req/s",
    })}`)
  }
}).pipe(Effect.scoped)

Effect.runPromise(program.pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
