/**
 * The floor of the gateway benchmark: the least a reverse proxy in a process of its own can cost
 * on this machine. A bare `Bun.serve` handing each request to its service with `fetch`, nothing
 * else: no token, no rate limit, no headers of its own, no span, no metrics. Reads the routes from
 * FLOOR_ROUTES (`{"/api/flights": "http://127.0.0.1:3002", ...}`) and prints `FLOOR <port>`.
 */
const routes = Object.entries(JSON.parse(process.env["FLOOR_ROUTES"] ?? "{}") as Record<string, string>)

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  development: false,
  fetch: (request) => {
    const url = new URL(request.url)
    const route = routes.find(([prefix]) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))
    if (route === undefined) return new Response(null, { status: 404 })
    const headers = new Headers(request.headers)
    headers.delete("host")
    return fetch(`${route[1].replace(/\/$/, "")}${url.pathname}${url.search}`, { method: request.method, headers, body: request.body })
  },
})
console.log(`FLOOR ${server.port}`)
process.on("SIGTERM", () => server.stop(true).then(() => process.exit(0)))
