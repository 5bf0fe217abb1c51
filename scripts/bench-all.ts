/**
 * Every benchmark in one go, one after the other (each alone on the machine), and one table of the
 * figures issue 14 sets goals for: each service or adapter as a ratio of its floor measured in the
 * same run, the saga as an absolute rate and p99.
 *
 *   bun run bench:all [-- --runs 3] [--only booking]
 *
 * Reads the servers' URLs from the environment (REDIS_URL, DATABASE_URL, RABBITMQ_URL, MONGODB_URL);
 * a benchmark whose server is not set is skipped and says so. Each benchmark prints, last, one line
 * per figure: `bench-result {"name", "figure", "floor", "ratio", "unit", ...}`; with several runs the
 * table shows each run's ratio and their median.
 */
import { Allocator } from "@flight/runtime"
import { parseArgs } from "node:util"

interface Bench {
  readonly name: string
  readonly script: string
  readonly args: ReadonlyArray<string>
  /** The variables it cannot run without. */
  readonly needs: ReadonlyArray<string>
}

const benches: ReadonlyArray<Bench> = [
  { name: "bus", script: "shared/bus/bench/rabbitmq.bench.ts", args: [], needs: ["RABBITMQ_URL"] },
  { name: "search", script: "services/flight/bench/search-http.bench.ts", args: [], needs: [] },
  { name: "booking", script: "services/booking/bench/booking.bench.ts", args: [], needs: ["REDIS_URL"] },
  { name: "payment", script: "services/payment/bench/payment.bench.ts", args: [], needs: ["DATABASE_URL"] },
  // A few hundred events: FerretDB rewrites the whole flight document on every write, whose ledger
  // grows with each booking, so a longer run measures the document's size more than the consumer.
  { name: "flight-consumer", script: "services/flight/bench/consumer.bench.ts", args: ["--events", "400"], needs: ["MONGODB_URL"] },
  { name: "gateway", script: "services/gateway/bench/gateway.bench.ts", args: ["--rounds", "1"], needs: [] },
  { name: "saga", script: "scripts/saga.bench.ts", args: [], needs: ["REDIS_URL", "MONGODB_URL", "DATABASE_URL", "RABBITMQ_URL"] },
]

/**
 * Issue 14's goals, by the start of a result's name (the first that fits). Two rows are shown beside
 * them for what they tell, with no goal of their own: the flight consumer over ten flights (the goal
 * is one flight's), and the gateway's read forwarded every time (`no-cache`), whose ceiling is the
 * bare proxy's own ratio beside it, mostly 0.5-0.8 of direct on two cores (docs/benchmarks.md).
 */
const goals: ReadonlyArray<{ readonly prefix: string; readonly goal: string; readonly met: ((result: Result) => boolean) | null }> = [
  { prefix: "flight consumer, ten flights", goal: "-", met: null },
  { prefix: "gateway GET /api/flights/{id} uncached", goal: "-", met: null },
  { prefix: "booking", goal: "≥ 0.5", met: (r) => (r.ratio ?? 0) >= 0.5 },
  { prefix: "payment", goal: "≥ 0.3", met: (r) => (r.ratio ?? 0) >= 0.3 },
  { prefix: "bus", goal: "≥ 0.7", met: (r) => (r.ratio ?? 0) >= 0.7 },
  { prefix: "saga", goal: "≥ 60/s, p99 ≤ 150 ms", met: (r) => r.figure >= 60 && (r.p99ms ?? Infinity) <= 150 },
  { prefix: "flight consumer", goal: "≥ 200 events/s", met: (r) => r.figure >= 200 },
  { prefix: "search", goal: "≥ 0.5", met: (r) => (r.ratio ?? 0) >= 0.5 },
  { prefix: "gateway", goal: "≥ 0.8", met: (r) => (r.ratio ?? 0) >= 0.8 },
]

interface Result {
  readonly name: string
  readonly figure: number
  readonly floor: number | null
  readonly ratio: number | null
  readonly unit: string
  readonly p99ms?: number
  /** The saga's: the CPU of every process on the machine per saga (ms), steadier than its rate. */
  readonly cpuMsPerSaga?: number
  /** The saga's: how far the flight's availability lagged behind the bookings, p99 of the readings (ms). */
  readonly availabilityLagP99ms?: number
  /** The saga's: the machine's cores busy on average over its measured seconds (all processes), of `cores`. */
  readonly busyCores?: number
  readonly cores?: number
}

const { values } = parseArgs({ options: { runs: { type: "string", default: "1" }, only: { type: "string" } } })
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1 || runs > 10) {
  console.error("bench:all: --runs must be a whole number from 1 to 10")
  process.exit(2)
}

const resultsOf = (output: string): Array<Result> =>
  output.split("\n").filter((line) => line.startsWith("bench-result ")).map((line) => JSON.parse(line.slice("bench-result ".length)) as Result)

const median = (numbers: ReadonlyArray<number>): number => {
  const sorted = numbers.toSorted((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const byName = new Map<string, Array<Result>>()
const notes: Array<string> = []
for (const bench of benches.filter((bench) => values.only === undefined || bench.name.includes(values.only))) {
  const missing = bench.needs.filter((variable) => (process.env[variable] ?? "") === "")
  if (missing.length > 0) {
    notes.push(`${bench.name}: skipped, ${missing.join(", ")} not set`)
    continue
  }
  if (!(await Bun.file(bench.script).exists())) {
    notes.push(`${bench.name}: skipped, ${bench.script} does not exist`)
    continue
  }
  for (let run = 1; run <= runs; run++) {
    console.error(`bench:all: ${bench.name}, run ${run} of ${runs}`)
    const child = Bun.spawn(["bun", bench.script, ...bench.args], { stdout: "pipe", stderr: "inherit", env: { ...process.env, ...Allocator.environment() } })
    const output = await new Response(child.stdout).text()
    const code = await child.exited
    process.stdout.write(output)
    const results = resultsOf(output)
    if (code !== 0 || results.length === 0) notes.push(`${bench.name}, run ${run}: exited ${code} with ${results.length} result(s)`)
    for (const result of results) byName.set(result.name, [...(byName.get(result.name) ?? []), result])
  }
}

const format = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined ? "-" : value.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits })

console.log(`\n## bench:all, ${new Date().toISOString().slice(0, 10)}, ${runs} run(s) each; Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores\n`)
console.log("| figure | measured (median) | floor (median) | ratio per run | ratio (median) | goal | met |")
console.log("|---|---|---|---|---|---|---|")
for (const [name, results] of byName) {
  const goal = goals.find((goal) => name.startsWith(goal.prefix))
  const ratios = results.flatMap((result) => result.ratio === null ? [] : [result.ratio])
  const floors = results.flatMap((result) => result.floor === null ? [] : [result.floor])
  const p99s = results.flatMap((result) => result.p99ms === undefined ? [] : [result.p99ms])
  const cpus = results.flatMap((result) => result.cpuMsPerSaga === undefined ? [] : [result.cpuMsPerSaga])
  const lags = results.flatMap((result) => result.availabilityLagP99ms === undefined ? [] : [result.availabilityLagP99ms])
  const busy = results.flatMap((result) => result.busyCores === undefined ? [] : [result.busyCores])
  const middle: Result = {
    name,
    figure: median(results.map((result) => result.figure)),
    floor: floors.length === 0 ? null : median(floors),
    ratio: ratios.length === 0 ? null : median(ratios),
    unit: results[0]!.unit,
    ...(p99s.length === 0 ? {} : { p99ms: median(p99s) }),
    ...(cpus.length === 0 ? {} : { cpuMsPerSaga: median(cpus) }),
    ...(lags.length === 0 ? {} : { availabilityLagP99ms: median(lags) }),
    ...(busy.length === 0 ? {} : { busyCores: median(busy), cores: results[0]!.cores ?? navigator.hardwareConcurrency }),
  }
  const measured = `${format(middle.figure, middle.figure < 100 ? 1 : 0)} ${middle.unit}` +
    `${middle.p99ms === undefined ? "" : `, p99 ${format(middle.p99ms)} ms`}` +
    `${middle.cpuMsPerSaga === undefined ? "" : `, ${format(middle.cpuMsPerSaga, 1)} ms of CPU a saga`}` +
    `${middle.availabilityLagP99ms === undefined ? "" : `, the flight's availability behind by ${format(middle.availabilityLagP99ms)} ms at p99`}` +
    `${middle.busyCores === undefined ? "" : `, ${format(middle.busyCores, 2)} of ${middle.cores} cores busy`}`
  console.log(
    `| ${name} | ${measured} | ${format(middle.floor)} | ${ratios.map((ratio) => ratio.toFixed(2)).join(", ") || "-"} | ` +
      `${middle.ratio === null ? "-" : `**${middle.ratio.toFixed(2)}**`} | ${goal?.goal ?? "-"} | ${goal?.met == null ? "-" : goal.met(middle) ? "yes" : "no"} |`,
  )
}
for (const note of notes) console.log(`\n- ${note}`)
process.exit(notes.some((note) => note.includes("exited")) ? 1 : 0)
