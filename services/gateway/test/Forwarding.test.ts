/**
 * A request handed to its service and the answer handed back (`Forwarding.send`), against a real
 * server: the hop-by-hop headers dropped both ways, the encoding left to the runtime, the answer's
 * own headers and body kept, and the route's timeout ending a service that does not answer.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { Duration } from "effect"
import * as Forwarding from "../src/api/Forwarding.ts"

/** What the service saw of the last request. */
let seen: Headers = new Headers()

const service = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: (request) => {
    seen = request.headers
    const path = new URL(request.url).pathname
    if (path === "/silent") return new Promise<Response>(() => {})
    if (path === "/gzip") {
      return new Response(Bun.gzipSync(JSON.stringify({ compressed: true })), {
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
      })
    }
    const headers = new Headers({
      "content-type": "application/json",
      // A list with something that is no header name in it: skipped, not a failure.
      connection: "keep-alive, x-hop, not a name",
      "keep-alive": "timeout=5",
      "x-hop": "connection's own",
      "x-kept": "yes",
    })
    headers.append("set-cookie", "a=1; Path=/")
    headers.append("set-cookie", "b=2; Path=/")
    return Response.json({ path }, { status: 201, headers })
  },
})
/** A service that answers every request with a status no HTTP answer has (a Response cannot be made with it). */
const odd = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: { data: (socket) => void socket.end("HTTP/1.1 999 Odd\r\ncontent-length: 3\r\n\r\nodd") },
})
afterAll(() => {
  void service.stop(true)
  odd.stop(true)
})

const forwarded = (target: string, timeout: Duration.Duration = Duration.seconds(5), url = new URL(service.url)): Forwarding.Forwarded => ({
  upstream: "flight",
  settings: { url, timeout },
  target,
  clientIp: "203.0.113.7",
  requestId: "0193b5a6-0000-7000-8000-000000000001",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
})

const clientRequest = (headers: Record<string, string> = {}) =>
  new Request("http://gateway.example/api/flights", { headers })

describe("Forwarding.send", () => {
  test("the answer keeps its status, body and own headers (every cookie), less the hop-by-hop ones and those its Connection names", async () => {
    const answer = await Forwarding.send(clientRequest(), forwarded("/api/flights?x=1"), null)
    expect(answer.status).toBe(201)
    expect(await answer.json()).toEqual({ path: "/api/flights" })
    expect(answer.headers.get("x-kept")).toBe("yes")
    expect(answer.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"])
    for (const name of ["connection", "keep-alive", "x-hop"]) expect(answer.headers.has(name)).toBe(false)
    // The gateway's own headers go on the answer afterwards.
    answer.headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01")
    expect(answer.headers.get("traceparent")).toBe("00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01")
  })

  test("an encoded answer reaches the client decoded, without the encoding it no longer has", async () => {
    const answer = await Forwarding.send(clientRequest({ "accept-encoding": "gzip" }), forwarded("/gzip"), null)
    expect(answer.headers.has("content-encoding")).toBe(false)
    expect(await answer.json()).toEqual({ compressed: true })
  })

  test("the service sees the client's headers less the hop-by-hop ones and the client's encodings, with the gateway's own", async () => {
    await Forwarding.send(
      clientRequest({
        "x-client": "kept",
        "keep-alive": "timeout=5",
        te: "trailers",
        "proxy-authorization": "Basic c2VjcmV0",
        "x-forwarded-for": "198.51.100.1",
        "accept-encoding": "identity;q=1, *;q=0",
      }),
      forwarded("/api/flights"),
      null,
    ).then((answer) => answer.arrayBuffer())
    expect(seen.get("x-client")).toBe("kept")
    for (const name of ["keep-alive", "te", "proxy-authorization"]) expect(seen.has(name)).toBe(false)
    expect(seen.get("accept-encoding")).not.toBe("identity;q=1, *;q=0")
    expect(seen.get("x-forwarded-for")).toBe("203.0.113.7")
    expect(seen.get("x-request-id")).toBe("0193b5a6-0000-7000-8000-000000000001")
    expect(seen.get("traceparent")).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
  })

  test("a service that answers with a status no HTTP answer has is a bad gateway, not passed on", async () => {
    const failed = await Forwarding.send(clientRequest(), forwarded("/", Duration.seconds(5), new URL(`http://127.0.0.1:${odd.port}`)), null).then(() => null, (error: unknown) => error)
    expect(failed).toBeInstanceOf(RangeError)
    expect(Forwarding.problemOf("flight", Duration.seconds(5), failed).status).toBe(502)
  })

  test("a service that does not answer within the route's timeout fails the request with a TimeoutError, a 504 for the client", async () => {
    const startedAt = performance.now()
    const failed = await Forwarding.send(clientRequest(), forwarded("/silent", Duration.millis(150)), null).then(
      () => null,
      (error: unknown) => error,
    )
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(149)
    expect((failed as Error).name).toBe("TimeoutError")
    expect(Forwarding.problemOf("flight", Duration.millis(150), failed).status).toBe(504)
  })
})
