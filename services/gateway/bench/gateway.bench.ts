/**
 * What the gateway costs: requests per second and p50 / p99 latency of `GET /api/flights/{id}` and
 * `POST /api/bookings`, straight to the service and through the gateway, measured in one run.
 *
 *   bun services/gateway/bench/gateway.bench.ts [--seconds 5 --clients 32 --rounds 2]
 *   bun services/gateway/bench/gateway.bench.ts --only GET --cpu-prof /tmp/gateway-profile
 *
 * Separate processes, as in the infra mode: the services (identity, booking, flight in memory on one
 * in-process bus, `bench/upstreams.ts`), the gateway (`src/main.ts`, memory counts, budgets raised
 * out of the way so that every request is counted and none refused), and the clients in this
 * process. Beside them, the floor (`bench/floor.ts`): a bare Bun proxy in a process of its own, the
 * least any proxy costs here, since on this machine the proxy's process takes CPU the services
 * would otherwise have. Each phase runs CLIENTS requests in flight for SECONDS after a one-second
 * warm-up; the phases alternate (direct, floor, gateway) for ROUNDS rounds. Bookings go to 50
 * flights of 600 seats, one passenger each, each with a contact email of its own; holds last 2
 * seconds and the holding limit is raised to its maximum (1,000 seats), since every client here
 * has the same address.
 * `--only` keeps the scenarios whose name starts with it; `--cpu-prof DIR` runs the gateway under
 * `bun --cpu-prof` and leaves its profile (and a Markdown summary) in DIR when it stops; `--compare
 * MAIN` runs a second gateway from another checkout's `src/main.ts` in each round (a row of its own,
 * against the same direct and floor phases), to measure a change before and after in one run.
 * The cheap read runs twice: as clients make it (the gateway answers from its shared cache what the
 * flight service lets it keep, a second: decision 36), and with `Cache-Control: no-cache`, each read
 * forwarded (the bare proxy forwards every request either way).
 * Goal (DESIGN §10): through the gateway at least 0.8 of the direct throughput, at most 1 ms more at p50.
 */
import { BenchArguments, ChildProcess, ProcessCpu } from "@flight/runtime/testing"

const argument = BenchArguments.number
const SECONDS = argument("seconds", 5)
const CLIENTS = argument("clients", 32)
const ROUNDS = argument("rounds", 2)
const FLIGHTS = 50
const text = BenchArguments.text
const ONLY = text("only") ?? ""
const CPU_PROF = text("cpu-prof")
const COMPARE = text("compare")

const root = new URL("../", import.meta.url).pathname
const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN

interface Phase {
  readonly count: number
  readonly rate: number
  readonly p50: number
  readonly p99: number
  readonly statuses: Record<string, number>
}

/** CLIENTS loops sending `request(n)` until `seconds` have passed. */
const load = async (request: (n: number) => Promise<Response>, seconds: number): Promise<Phase> => {
  const latencies: Array<number> = []
  const statuses: Record<string, number> = {}
  const until = performance.now() + seconds * 1000
  let n = 0
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < until) {
      const started = performance.now()
      const response = await request(n++)
      await response.arrayBuffer()
      latencies.push(performance.now() - started)
      statuses[response.status] = (statuses[response.status] ?? 0) + 1
      // Answers from the gateway's cache are counted apart too.
      if (response.headers.get("cache-status") === "gateway; hit") statuses["cached"] = (statuses["cached"] ?? 0) + 1
    }
  }))
  latencies.sort((a, b) => a - b)
  return { count: latencies.length, rate: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), statuses }
}

/** CPU time (user + system) a process has used, in microseconds; undefined where /proc is not there. */
const cpuMicros = (pid: number | undefined): number | undefined => {
  const millis = pid === undefined ? undefined : ProcessCpu.cpuMillisOf(pid)
  return millis === undefined ? undefined : millis * 1000
}

/** A phase, and the CPU the proxy's process (if any) spent per request in it: steadier than throughput on a shared machine. */
const measure = async (request: (n: number) => Promise<Response>, proxyPid?: number) => {
  await load(request, 1)
  const before = cpuMicros(proxyPid)
  const phase = await load(request, SECONDS)
  const after = cpuMicros(proxyPid)
  return { ...phase, cpuPerRequest: before === undefined || after === undefined ? undefined : (after - before) / phase.count }
}

const services = ChildProcess.spawn(["bun", `${root}bench/upstreams.ts`], {
  LOG_LEVEL: "warning",
  BOOKING_HOLD_TTL: "2 seconds",
  BOOKING_MAX_HELD_SEATS: "1000",
})
let gateway: ChildProcess.Child | undefined
let compared: ChildProcess.Child | undefined
let floor: ChildProcess.Child | undefined
try {
  const line = await services.waitFor((text) => text.startsWith("UPSTREAMS "), 30_000)
  const upstreams = JSON.parse(line.slice("UPSTREAMS ".length)) as Record<string, string>
  const port = ChildProcess.freePort()
  const budget = "9999999/1 minute"
  const profiler = CPU_PROF === undefined ? [] : ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${CPU_PROF}`]
  const gatewayEnv = (port: number) => ({
    PORT: String(port),
    LOG_LEVEL: "warning",
    GATEWAY_UPSTREAM_IDENTITY: upstreams["identity"]!,
    GATEWAY_UPSTREAM_BOOKING: upstreams["booking"]!,
    GATEWAY_UPSTREAM_FLIGHT: upstreams["flight"]!,
    AUTH_ISSUER: upstreams["issuer"]!,
    AUTH_AUDIENCE: upstreams["audience"]!,
    AUTH_JWKS_URL: upstreams["jwksUrl"]!,
    AUTH_GUEST_ISSUER: upstreams["guestIssuer"]!,
    AUTH_GUEST_JWKS_URL: upstreams["guestJwksUrl"]!,
    GATEWAY_RATE_LIMIT_IP: budget,
    GATEWAY_RATE_LIMIT_PRINCIPAL: budget,
    GATEWAY_RATE_LIMIT_BOOKING_CREATE: budget,
  })
  gateway = ChildProcess.spawn(["bun", ...profiler, `${root}src/main.ts`], gatewayEnv(port))
  const through = `http://127.0.0.1:${port}`
  await ChildProcess.waitForStatus(`${through}/health/ready`, 200)
  const comparedPort = ChildProcess.freePort()
  if (COMPARE !== undefined) compared = ChildProcess.spawn(["bun", COMPARE], gatewayEnv(comparedPort))
  const other = `http://127.0.0.1:${comparedPort}`
  if (COMPARE !== undefined) await ChildProcess.waitForStatus(`${other}/health/ready`, 200)
  floor = ChildProcess.spawn(["bun", `${root}bench/floor.ts`], {
    FLOOR_ROUTES: JSON.stringify({ "/api/flights": upstreams["flight"], "/api/bookings": upstreams["booking"] }),
  })
  const bare = `http://127.0.0.1:${(await floor.waitFor((text) => text.startsWith("FLOOR "))).slice("FLOOR ".length)}`

  // Staff schedule the flights, straight at the services.
  const session = await (await fetch(`${upstreams["identity"]}api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "ops@flight.local", password: "flight-ops-dev-only" }),
  })).json() as { token: string }
  const access = await (await fetch(`${upstreams["identity"]}api/auth/token`, { headers: { authorization: `Bearer ${session.token}` } })).json() as { token: string }
  const flights: Array<string> = []
  for (let i = 0; i < FLIGHTS; i++) {
    const response = await fetch(`${upstreams["flight"]}api/flights`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${access.token}` },
      body: JSON.stringify({
        flightNumber: `BA${100 + i}`,
        origin: "LHR",
        destination: "JFK",
        departureAt: "2027-12-01T10:00:00Z",
        arrivalAt: "2027-12-01T18:00:00Z",
        aircraft: "Boeing 777",
        cabins: [{ cabin: "economy", rows: { from: 1, to: 60 }, seatLetters: "ABCDEFGHJK", fare: { amount: 45000, currency: "GBP" } }],
      }),
    })
    if (response.status !== 201) throw new Error(`scheduling answered ${response.status}: ${await response.text()}`)
    flights.push(((await response.json()) as { id: string }).id)
  }
  for (const flightId of flights) {
    for (let tries = 0; (await fetch(`${upstreams["booking"]}api/seatmaps/${flightId}`)).status !== 200; tries++) {
      if (tries > 200) throw new Error("the booking service never learned of the flights")
      await Bun.sleep(25)
    }
  }

  let booking = 0
  const scenarios = {
    // As clients read a flight: the gateway answers from its cache what the service lets it keep (a second).
    "GET /api/flights/{id}": (base: string) => (n: number) => fetch(`${base}/api/flights/${flights[n % flights.length]}`),
    // A client asking for a fresh answer every time: each read forwarded, the proxying's own cost.
    "GET /api/flights/{id} uncached": (base: string) => (n: number) =>
      fetch(`${base}/api/flights/${flights[n % flights.length]}`, { headers: { "cache-control": "no-cache" } }),
    "POST /api/bookings": (base: string) => (n: number) =>
      fetch(`${base}/api/bookings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          flightId: flights[n % flights.length],
          cabin: "economy",
          passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
          contact: { email: `bench-${booking++}@example.com`, phone: "+447700900123" },
        }),
      }),
  }

  const flightUrl = upstreams["flight"]!.replace(/\/$/, "")
  const direct = { "GET /api/flights/{id}": flightUrl, "GET /api/flights/{id} uncached": flightUrl, "POST /api/bookings": upstreams["booking"]!.replace(/\/$/, "") }
  const ms = (value: number) => `${value.toFixed(2)} ms`
  const rate = (value: number) => Math.round(value).toLocaleString("en")
  console.log(`gateway benchmark: ${CLIENTS} clients, ${SECONDS} s per phase, ${ROUNDS} rounds; Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores\n`)
  console.log("| request | round | direct req/s | floor req/s | gateway req/s | gateway / direct | gateway / floor | p50 direct / floor / gateway | added p50 | p99 direct / floor / gateway | proxy CPU per request floor / gateway | statuses direct / floor / gateway |")
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|")
  const results: Array<string> = []
  for (const [name, scenario] of Object.entries(scenarios).filter(([name]) => name.startsWith(ONLY))) {
    const rounds: Array<{ readonly gateway: number; readonly direct: number }> = []
    for (let round = 1; round <= ROUNDS; round++) {
      const straight = await measure(scenario(direct[name as keyof typeof direct]))
      const floored = await measure(scenario(bare), floor.process.pid)
      const gateways = [{ label: "", phase: await measure(scenario(through), gateway.process.pid) }]
      if (compared !== undefined) gateways.push({ label: " (compared)", phase: await measure(scenario(other), compared.process.pid) })
      rounds.push({ gateway: gateways[0]!.phase.rate, direct: straight.rate })
      const cpu = (value: number | undefined) => value === undefined ? "-" : `${Math.round(value)} µs`
      for (const { label, phase: gated } of gateways) {
        console.log(
          `| ${name}${label} | ${round} | ${rate(straight.rate)} | ${rate(floored.rate)} | ${rate(gated.rate)} | ${(gated.rate / straight.rate).toFixed(2)} | ` +
            `${(gated.rate / floored.rate).toFixed(2)} | ${ms(straight.p50)} / ${ms(floored.p50)} / ${ms(gated.p50)} | ${ms(gated.p50 - straight.p50)} | ` +
            `${ms(straight.p99)} / ${ms(floored.p99)} / ${ms(gated.p99)} | ${cpu(floored.cpuPerRequest)} / ${cpu(gated.cpuPerRequest)} | ` +
            `${JSON.stringify(straight.statuses)} / ${JSON.stringify(floored.statuses)} / ${JSON.stringify(gated.statuses)} |`,
        )
      }
    }
    // The round with the median ratio, as one line for `bun run bench:all`.
    const middle = rounds.toSorted((a, b) => a.gateway / a.direct - b.gateway / b.direct)[Math.floor(rounds.length / 2)]!
    results.push(`bench-result ${JSON.stringify({
      name: `gateway ${name}, through / direct`,
      figure: Math.round(middle.gateway),
      floor: Math.round(middle.direct),
      ratio: Number((middle.gateway / middle.direct).toFixed(2)),
      unit: "req/s",
    })}`)
  }
  console.log("")
  for (const line of results) console.log(line)
} finally {
  for (const child of [gateway, compared, floor, services]) child?.process.kill("SIGTERM")
  await Promise.all([gateway?.process.exited, compared?.process.exited, floor?.process.exited, services.process.exited])
}
