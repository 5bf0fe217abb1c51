/**
 * What each thing a proxy may do costs a request, one at a time, beside a bare proxy: in one process
 * a service, a proxy in front of it and the clients, so the figure (this process's CPU a request) is
 * the same for every variant but what the variant adds. Steadier than `gateway.bench.ts`, whose
 * processes share two cores with the services; it measures the pieces, that one the gateway.
 *
 *   bun services/gateway/bench/proxy-costs.bench.ts [-- --requests 20000 --rounds 3]
 *
 * Each variant forwards `GET /api/flights/abc` with the client's headers less `Host`; the last row is
 * the whole gateway (`src/main.ts`, memory counts, budgets out of the way) in this process, in front of
 * the same service. The variants alternate, each round, after a warm-up of as many requests.
 */
import { BenchArguments, ChildProcess } from "@flight/runtime/testing"
import { secureHeaders } from "hono/secure-headers"
import { Hono } from "hono"
import { proxy } from "hono/proxy"
import { ConfigProvider, Duration, Effect, Exit, Logger, LogLevel, Scope } from "effect"
import * as Forwarding from "../src/api/Forwarding.ts"
import * as UpstreamDeadline from "../src/api/UpstreamDeadline.ts"
import { GatewayConfig } from "../src/infrastructure/GatewayConfig.ts"
import * as Gateway from "../src/main.ts"

const REQUESTS = BenchArguments.number("requests", 20_000)
const ROUNDS = BenchArguments.number("rounds", 3)
const CLIENTS = 32

const service = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () => Response.json({ id: "0193b5a6-0000-7000-8000-000000000001", cabins: [{ name: "economy", availableSeats: 100 }] }),
})
const base = `http://127.0.0.1:${service.port}`
const timeout = 10_000

const headersOf = (request: Request) => {
  const headers = new Headers(request.headers)
  headers.delete("host")
  return headers
}
const targetOf = (request: Request) => {
  const url = new URL(request.url)
  return `${base}${url.pathname}${url.search}`
}
const bare = (request: Request, signal?: AbortSignal) =>
  fetch(targetOf(request), { method: request.method, headers: headersOf(request), body: request.body, ...(signal === undefined ? {} : { signal }) })
const deadline = UpstreamDeadline.make()
// hono/secure-headers as the gateway uses it, on an app that answers with the bare proxy.
const secured = new Hono().use(secureHeaders()).get("*", (c) => bare(c.req.raw))

type Variant = (request: Request, server: Bun.Server<undefined>) => Response | Promise<Response>
const variants: Record<string, Variant> = {
  "bare proxy (fetch)": (request) => bare(request),
  "+ hono/proxy's copies": (request) => proxy(targetOf(request), { method: request.method, headers: headersOf(request), body: request.body }),
  "+ a timer a request and the client's abort": (request) => bare(request, AbortSignal.any([AbortSignal.timeout(timeout), request.signal])),
  "+ a shared deadline and the client's abort": (request) => bare(request, AbortSignal.any([deadline(timeout), request.signal])),
  "+ the client's address (requestIP)": (request, server) => {
    server.requestIP(request)
    return bare(request)
  },
  "+ secure headers (hono/secure-headers)": (request) => secured.fetch(request),
  "the gateway's Forwarding.send": (request) =>
    Forwarding.send(request, {
      upstream: "flight",
      settings: { url: new URL(base), timeout: Duration.millis(timeout) },
      target: new URL(request.url).pathname,
      clientIp: "127.0.0.1",
      requestId: "0193b5a6-0000-7000-8000-000000000001",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }, null),
}

/** The gateway as it runs alone, every service behind it being `service`. */
const scope = Effect.runSync(Scope.make())
const budget = "9999999/1 minute"
const gateway = await Effect.runPromise(
  Effect.flatMap(GatewayConfig, Gateway.make).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([
      ["PORT", String(ChildProcess.freePort())],
      ...["IDENTITY", "BOOKING", "FLIGHT", "PAYMENT", "NOTIFICATION", "WEB"].map((name): [string, string] => [`GATEWAY_UPSTREAM_${name}`, base]),
      ["AUTH_ISSUER", base],
      ["AUTH_JWKS_URL", `${base}/jwks`],
      ["AUTH_GUEST_ISSUER", base],
      ["AUTH_GUEST_JWKS_URL", `${base}/guest-jwks`],
      ["GATEWAY_RATE_LIMIT_IP", budget],
      ["GATEWAY_RATE_LIMIT_PRINCIPAL", budget],
      ["GATEWAY_RATE_LIMIT_BOOKING_CREATE", budget],
    ]))),
    Scope.extend(scope),
    Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)),
  ),
)

let current: Variant = variants["bare proxy (fetch)"]!
const proxyServer = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request, server) => current(request, server) })
const proxied = `http://127.0.0.1:${proxyServer.port}/api/flights/abc`
const throughGateway = new URL("/api/flights/abc", gateway.url).href

const load = async (target: string) => {
  let sent = 0
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (sent++ < REQUESTS) await (await fetch(target)).arrayBuffer()
  }))
}
const measure = async (name: string, target: string) => {
  await load(target)
  const cpu = process.cpuUsage()
  await load(target)
  const used = process.cpuUsage(cpu)
  figures.set(name, [...(figures.get(name) ?? []), (used.user + used.system) / REQUESTS])
}

const figures = new Map<string, Array<number>>()
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, variant] of Object.entries(variants)) {
    current = variant
    await measure(name, proxied)
  }
  await measure("the whole gateway (src/main.ts, memory counts)", throughGateway)
}

const median = (values: ReadonlyArray<number>) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!
const floor = median(figures.get("bare proxy (fetch)")!)
console.log(`CPU a request of this process (clients, proxy and service), ${REQUESTS} requests, ${CLIENTS} clients, ${ROUNDS} rounds`)
console.log("| variant | µs a request, each round | median | over the bare proxy |")
console.log("|---|---|---|---|")
for (const [name, values] of figures) {
  console.log(`| ${name} | ${values.map((value) => value.toFixed(0)).join(", ")} | ${median(values).toFixed(0)} | ${(median(values) - floor).toFixed(0)} |`)
}
await Effect.runPromise(Scope.close(scope, Exit.void))
await proxyServer.stop(true)
await service.stop(true)
process.exit(0)
