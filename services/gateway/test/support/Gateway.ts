/** A gateway in the test's process on a free port, in front of upstreams the test starts. */
import type { AuthConfig } from "@flight/auth"
import { ClientAddress } from "@flight/runtime"
import { afterAll } from "bun:test"
import { Duration, Effect, Exit, Logger, LogLevel, Option, Scope } from "effect"
import net from "node:net"
import { defaultBudgets } from "../../src/domain/RateLimitPolicy.ts"
import { type Upstream, allUpstreams } from "../../src/domain/Upstream.ts"
import type { GatewayConfig } from "../../src/infrastructure/GatewayConfig.ts"
import { make } from "../../src/main.ts"

/**
 * A scope that lives until the test file ends (call it at the top level of the file): `hold` runs
 * an effect in it (servers, issuers), quietly, since the runtimes built inside inherit the log level.
 */
export const lifetime = () => {
  const scope = Effect.runSync(Scope.make())
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)), 30_000)
  return <A, E>(effect: Effect.Effect<A, E, Scope.Scope>): Promise<A> =>
    Effect.runPromise(effect.pipe(Scope.extend(scope), Logger.withMinimumLogLevel(LogLevel.None)))
}

/** What an echo upstream saw of a request. */
export interface Echo {
  readonly upstream: string
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
}

export interface EchoServer {
  readonly url: URL
  /** How many requests it answered. */
  readonly count: () => number
  readonly stop: () => Promise<void>
}

/** A service that answers what it received as JSON (an `Echo`), after `delay` ms; its `/openapi.json` names it. */
export const echo = (upstream: string, options: { readonly delay?: number } = {}): Effect.Effect<EchoServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let count = 0
      const server = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        development: false,
        fetch: async (request) => {
          count++
          if (options.delay !== undefined) await Bun.sleep(options.delay)
          const url = new URL(request.url)
          if (url.pathname.endsWith("/redirect")) return new Response(null, { status: 302, headers: { location: "/elsewhere" } })
          if (url.pathname === "/openapi.json") return Response.json({ openapi: "3.1.0", info: { title: `${upstream} service`, version: "0.1.0" }, paths: {} })
          // A page as the web site answers one: its own policy, and a session cookie.
          if (url.pathname.endsWith("/page")) {
            return new Response(`<p>${upstream}</p>`, {
              headers: { "content-type": "text/html", "content-security-policy": "default-src 'self'; form-action 'self'", "set-cookie": "session=s1; HttpOnly; Path=/; SameSite=Lax" },
            })
          }
          const seen: Echo = { upstream, method: request.method, path: `${url.pathname}${url.search}`, headers: Object.fromEntries(request.headers), body: await request.text() }
          return Response.json(seen, { headers: { traceparent: "00-11111111111111111111111111111111-2222222222222222-01" } })
        },
      })
      let stopped = false
      return {
        url: new URL(`http://127.0.0.1:${server.port}`),
        count: () => count,
        stop: async () => {
          if (!stopped) await server.stop(true)
          stopped = true
        },
      }
    }),
    (server) => Effect.promise(() => server.stop()),
  )

/** A TCP server that answers every request with bytes that are not HTTP. */
export const garbage = (): Effect.Effect<URL, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<net.Server>((resolve) => {
        const server = net.createServer((socket) => socket.on("data", () => socket.end("NOT HTTP AT ALL\r\n\r\n")))
        server.listen(0, "127.0.0.1", () => resolve(server))
      })
    ),
    (server) => Effect.sync(() => server.close()),
  ).pipe(Effect.map((server) => new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`)))

/** A gateway configuration for tests: port 0, memory counts under a prefix of its own, the tokens `auth` trusts. */
export const config = (
  upstreams: Readonly<Record<Upstream, URL>>,
  auth: AuthConfig.Settings,
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig => ({
  port: 0,
  appEnv: "test",
  upstreams: Object.fromEntries(allUpstreams.map((upstream) => [upstream, { url: upstreams[upstream], timeout: Duration.seconds(2) }])) as GatewayConfig["upstreams"],
  redisUrl: Option.none(),
  rateLimitPrefix: `gateway-test-${Bun.randomUUIDv7().slice(-12)}`,
  budgets: defaultBudgets,
  bodyLimitBytes: 64 * 1024,
  cacheBytes: 1024 * 1024,
  corsOrigins: [],
  auth,
  clientAddress: ClientAddress.direct,
  ...overrides,
})

/** Starts a gateway; its base URL on 127.0.0.1 (so the client's address is 127.0.0.1). */
export const start = (gatewayConfig: GatewayConfig) =>
  Effect.map(make(gatewayConfig), (running) => `http://127.0.0.1:${running.url.port}`)

/** One echo server per upstream, each naming itself. */
export const echoes = Effect.gen(function* () {
  const servers = {} as Record<Upstream, EchoServer>
  for (const upstream of allUpstreams) servers[upstream] = yield* echo(upstream)
  return servers
})

export const urlsOf = (servers: Readonly<Record<Upstream, EchoServer>>): Record<Upstream, URL> =>
  Object.fromEntries(allUpstreams.map((upstream) => [upstream, servers[upstream].url])) as Record<Upstream, URL>

export const json = async (response: Response) => ({ status: response.status, headers: response.headers, body: await response.json() as any })
