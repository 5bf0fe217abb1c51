/**
 * The gateway's shared cache (decision 36), in front of a service whose answers say how they may be
 * cached: a GET marked for shared caches is answered from the cache while it is fresh, with the
 * same body, and every other answer (no lifetime, private, setting a cookie, too large, to a client's
 * credentials) goes through unkept. Rate limits count a cached answer; an unsafe request's success
 * drops what was kept for its target; a client asking for a fresh answer gets one.
 */
import { TestIssuer } from "@flight/auth/testing"
import { beforeAll, describe, expect, test } from "bun:test"
import { Duration, Effect } from "effect"
import * as ResponseCache from "../src/api/ResponseCache.ts"
import { defaultBudgets } from "../src/domain/RateLimitPolicy.ts"
import { allUpstreams, type Upstream } from "../src/domain/Upstream.ts"
import { config, echoes, lifetime, start, urlsOf } from "./support/Gateway.ts"

const hold = lifetime()

/** How each path of the flight service below answers a GET: its `cache-control`, and more. */
const answers: Record<string, { readonly cacheControl?: string; readonly vary?: string; readonly cookie?: boolean; readonly bytes?: number; readonly expires?: boolean; readonly status?: number; readonly delay?: number; readonly upstreamStatus?: string }> = {
  slow: { cacheControl: "s-maxage=60", delay: 300 },
  behindCache: { cacheControl: "s-maxage=60", upstreamStatus: "edge-of-service; hit" },
  page: { cacheControl: "max-age=60" },
  partial: { cacheControl: "s-maxage=60", status: 206 },
  expires: { expires: true },
  shared: { cacheControl: "max-age=0, s-maxage=1" },
  long: { cacheControl: "s-maxage=60" },
  plain: {},
  private: { cacheControl: "private, max-age=60" },
  browser: { cacheControl: "max-age=60" },
  cookie: { cacheControl: "s-maxage=60", cookie: true },
  publicCookie: { cacheControl: "public, s-maxage=60", cookie: true },
  sized: { cacheControl: "s-maxage=60", bytes: 20 * 1024 },
  large: { cacheControl: "s-maxage=60", bytes: ResponseCache.maxEntryBytes + 1 },
  language: { cacheControl: "s-maxage=60", vary: "accept-language" },
}

/** How many requests the flight service answered, by path and query. */
const served = new Map<string, number>()
const servedFor = (target: string) => served.get(target) ?? 0

const flight = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  development: false,
  fetch: async (request) => {
    const url = new URL(request.url)
    const target = `${url.pathname}${url.search}`
    const count = servedFor(target) + 1
    served.set(target, count)
    // A change names what it changed, as the flight service's status change does.
    if (request.method !== "GET") return Response.json({ changed: target }, { headers: { "content-location": url.pathname.replace(/\/status$/, "") } })
    const answer = answers[url.pathname.split("/").at(-1) ?? ""]
    if (answer === undefined) return Response.json({ title: "Not found" }, { status: 404, headers: { "cache-control": "s-maxage=60" } })
    if (answer.delay !== undefined) await Bun.sleep(answer.delay)
    const headers = new Headers({ "content-type": "application/json" })
    if (answer.upstreamStatus !== undefined) headers.set("cache-status", answer.upstreamStatus)
    if (answer.cacheControl !== undefined) headers.set("cache-control", answer.cacheControl)
    if (answer.vary !== undefined) headers.set("vary", answer.vary)
    if (answer.cookie === true) headers.set("set-cookie", "tracking=1; Path=/")
    if (answer.expires === true) headers.set("expires", new Date(Date.now() + 60_000).toUTCString())
    const body = { target, count, language: request.headers.get("accept-language"), padding: "x".repeat(answer.bytes ?? 0) }
    return new Response(JSON.stringify(body), { status: answer.status ?? 200, headers })
  },
})

let base: string
let uncached: string
let limited: string
let small: string
let issuer: TestIssuer.TestIssuer

beforeAll(async () => {
  await hold(Effect.gen(function* () {
    issuer = yield* TestIssuer.make()
    const urls = { ...urlsOf(yield* echoes), flight: new URL(flight.url) } as Record<Upstream, URL>
    base = yield* start(config(urls, issuer.settings))
    uncached = yield* start(config(urls, issuer.settings, { cacheBytes: 0 }))
    small = yield* start(config(urls, issuer.settings, { cacheBytes: 48 * 1024 }))
    limited = yield* start(config(urls, issuer.settings, { budgets: { ...defaultBudgets, ip: { points: 3, window: Duration.minutes(1) } } }))
  }))
  return () => void flight.stop(true)
})

/** A GET through the gateway at `origin`: its status, Cache-Status, Age and body. */
const get = async (path: string, headers: Record<string, string> = {}, origin = base) => {
  const response = await fetch(`${origin}${path}`, { headers })
  const text = await response.text()
  return {
    status: response.status,
    cacheStatus: response.headers.get(ResponseCache.statusHeader),
    age: response.headers.get("age"),
    cacheControl: response.headers.get("cache-control"),
    requestId: response.headers.get("x-request-id"),
    body: response.status === 200 ? JSON.parse(text) as { target: string; count: number; language: string | null } : undefined,
  }
}

let unique = 0
/** A path of `answer`'s with a query of its own, so that no test sees another's entries. */
const fresh = (answer: keyof typeof answers) => `/api/flights/${answer}?n=${++unique}`

describe("answers marked for shared caches", () => {
  test("are answered from the cache, with the service's body and headers, until their lifetime ends", async () => {
    const path = fresh("shared")
    const first = await get(path)
    expect(first).toMatchObject({ status: 200, cacheStatus: "gateway; fwd=miss; stored", cacheControl: "max-age=0, s-maxage=1" })
    const second = await get(path)
    expect(second).toMatchObject({ status: 200, cacheStatus: "gateway; hit", cacheControl: "max-age=0, s-maxage=1", body: first.body })
    expect(second.age).toBe("0")
    // Each answer is the gateway's own: its request id is not the first one's.
    expect(second.requestId).not.toBe(first.requestId)
    expect(servedFor(path)).toBe(1)
    await Bun.sleep(1_100)
    const later = await get(path)
    expect(later).toMatchObject({ cacheStatus: "gateway; fwd=stale; stored", body: { count: 2 } })
    expect(servedFor(path)).toBe(2)
  })

  test("an Expires in the future is a lifetime too", async () => {
    const path = fresh("expires")
    await get(path)
    expect(await get(path)).toMatchObject({ cacheStatus: "gateway; hit", body: { count: 1 } })
  })

  test("are never given stale, even to a client that accepts it (max-stale)", async () => {
    const path = fresh("shared")
    await get(path)
    await Bun.sleep(1_100)
    expect(await get(path, { "cache-control": "max-stale" })).toMatchObject({ cacheStatus: "gateway; fwd=stale; stored", body: { count: 2 } })
  })

  test("say what the cache did after what a cache of the service's said", async () => {
    const path = fresh("behindCache")
    expect((await get(path)).cacheStatus).toBe("edge-of-service; hit, gateway; fwd=miss; stored")
    expect((await get(path)).cacheStatus).toBe("edge-of-service; hit, gateway; hit")
  })

  test("are kept per path and query: another query is another answer", async () => {
    const [one, other] = [fresh("long"), fresh("long")]
    await get(one)
    expect((await get(other)).cacheStatus).toBe("gateway; fwd=miss; stored")
    expect((await get(one)).body?.target).toBe(one)
    expect((await get(other)).body?.target).toBe(other)
  })

  test("a client asking for a fresh answer gets the service's, which is kept in its place", async () => {
    const path = fresh("long")
    await get(path)
    // (`max-age=0` is not one: an answer kept this very second is 0 seconds old, which it accepts.)
    for (const headers of [{ "cache-control": "no-cache" }, { pragma: "no-cache" }]) {
      expect(await get(path, headers)).toMatchObject({ cacheStatus: "gateway; fwd=request; stored" })
    }
    expect(await get(path)).toMatchObject({ cacheStatus: "gateway; hit", body: { count: 3 } })
  })

  test("an answer that varies by a header is given only to requests with the same value of it", async () => {
    const path = fresh("language")
    await get(path, { "accept-language": "fr" })
    expect(await get(path, { "accept-language": "de" })).toMatchObject({ cacheStatus: "gateway; fwd=vary-miss; stored", body: { language: "de" } })
    expect(await get(path, { "accept-language": "de" })).toMatchObject({ cacheStatus: "gateway; hit", body: { language: "de" } })
  })

  test("an answer to a token or to cookies is kept, since the service marked it for shared caches", async () => {
    const token = await Effect.runPromise(issuer.customer("alice"))
    const path = fresh("long")
    expect((await get(path, { authorization: `Bearer ${token}` })).cacheStatus).toBe("gateway; fwd=miss; stored")
    expect((await get(path, { cookie: "session=s1" })).cacheStatus).toBe("gateway; hit")
  })
})

describe("answers never kept", () => {
  test("an answer without a lifetime, a private one, one setting a cookie (even public), and one over the entry limit go to the service every time", async () => {
    for (const answer of ["plain", "private", "cookie", "publicCookie", "large"] as const) {
      const path = fresh(answer)
      for (let request = 1; request <= 2; request++) {
        expect(await get(path)).toMatchObject({ status: 200, cacheStatus: "gateway; fwd=miss", body: { count: request } })
      }
    }
  })

  test("a part of an answer is never kept: a 206, or the answer to a request with a Range", async () => {
    const partial = fresh("partial")
    for (let request = 1; request <= 2; request++) expect(await get(partial)).toMatchObject({ status: 206, cacheStatus: "gateway; fwd=miss" })
    const ranged = fresh("long")
    expect((await get(ranged, { range: "bytes=0-9" })).cacheStatus).toBe("gateway; fwd=miss")
    expect((await get(ranged)).cacheStatus).toBe("gateway; fwd=miss; stored")
  })

  test("an answer kept by browsers only (max-age) is kept for an anonymous client, never for a token or cookies", async () => {
    const token = await Effect.runPromise(issuer.customer("alice"))
    for (const headers of [{ authorization: `Bearer ${token}` }, { cookie: "session=s1" }]) {
      const path = fresh("browser")
      expect((await get(path, headers)).cacheStatus).toBe("gateway; fwd=miss")
      expect((await get(path, headers)).body?.count).toBe(2)
    }
    const path = fresh("browser")
    await get(path)
    expect((await get(path)).cacheStatus).toBe("gateway; hit")
  })

  test("an empty Authorization beside cookies does not make an answer to them anyone's", async () => {
    const path = fresh("page")
    expect((await get(path, { cookie: "session=alice", authorization: "" })).cacheStatus).toBe("gateway; fwd=miss")
    expect(await get(path)).toMatchObject({ cacheStatus: "gateway; fwd=miss; stored", body: { count: 2 } })
  })

  test("a target longer than the cache keeps goes through unkept", async () => {
    const path = `/api/flights/long?n=${++unique}&pad=${"x".repeat(ResponseCache.maxTargetLength)}`
    for (let request = 1; request <= 2; request++) expect(await get(path)).toMatchObject({ cacheStatus: "gateway; fwd=miss", body: { count: request } })
  })

  test("a problem is not kept unless marked: the 404 here is, and says so", async () => {
    const path = `/api/flights/nowhere?n=${++unique}`
    expect((await get(path)).cacheStatus).toBe("gateway; fwd=miss; stored")
    expect(await get(path)).toMatchObject({ status: 404, cacheStatus: "gateway; hit" })
  })

  test("the cache holds at most its bytes: the answer used least recently goes first", async () => {
    const [first, second, third] = [fresh("sized"), fresh("sized"), fresh("sized")]
    await get(first, {}, small)
    await get(second, {}, small)
    expect((await get(first, {}, small)).cacheStatus).toBe("gateway; hit")
    expect((await get(third, {}, small)).cacheStatus).toBe("gateway; fwd=miss; stored")
    expect((await get(second, {}, small)).cacheStatus).toBe("gateway; fwd=miss; stored")
    expect((await get(third, {}, small)).cacheStatus).toBe("gateway; hit")
  })

  test("with GATEWAY_CACHE_BYTES=0 every GET goes to the service, without a Cache-Status", async () => {
    const path = fresh("long")
    for (let request = 1; request <= 2; request++) expect(await get(path, {}, uncached)).toMatchObject({ cacheStatus: null, body: { count: request } })
  })
})

describe("around the cache", () => {
  test("an unsafe request's success drops what was kept for its target", async () => {
    const path = fresh("long")
    await get(path)
    expect((await fetch(`${base}${path}`, { method: "DELETE" })).status).toBe(200)
    expect(await get(path)).toMatchObject({ cacheStatus: "gateway; fwd=miss; stored", body: { count: 3 } })
  })

  test("so does it for the path its answer names (Content-Location), and a failure drops nothing", async () => {
    const path = `/api/flights/f${++unique}/long`
    await get(path)
    expect((await fetch(`${base}/api/flights/nowhere`, { method: "PATCH" })).status).toBe(200)
    expect((await get(path)).cacheStatus).toBe("gateway; hit")
    expect((await fetch(`${base}${path}/status`, { method: "PATCH" })).status).toBe(200)
    expect((await get(path)).cacheStatus).toBe("gateway; fwd=miss; stored")
  })

  test("a read sent before a change and answered after it is not kept: the next read is fresh", async () => {
    const path = `/api/flights/f${++unique}/slow`
    const before = get(path)
    await Bun.sleep(100)
    expect((await fetch(`${base}${path}/status`, { method: "PATCH" })).status).toBe(200)
    expect((await before).cacheStatus).toBe("gateway; fwd=miss")
    expect(await get(path)).toMatchObject({ cacheStatus: "gateway; fwd=miss; stored", body: { count: 2 } })
  })

  test("rate limits count an answer from the cache as any other", async () => {
    const path = fresh("long")
    const statuses: Array<number> = []
    for (let request = 0; request < 4; request++) statuses.push((await get(path, {}, limited)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(servedFor(path)).toBe(1)
  })

  test("what became of each GET is counted in the gateway's metrics (admins), by result", async () => {
    const admin = { authorization: `Bearer ${await Effect.runPromise(issuer.staff("ada", ["admin"]))}` }
    const counts = async () => {
      const text = await (await fetch(`${base}/metrics`, { headers: admin })).text()
      const of = (result: string) => Number(text.match(new RegExp(`^gateway_cache_answers_total\\{result="${result}"\\} (\\d+)`, "m"))?.[1] ?? 0)
      return { hit: of("hit"), stored: of("stored"), forwarded: of("forwarded") }
    }
    const before = await counts()
    const path = fresh("long")
    await get(path)
    await get(path)
    await get(path)
    await get(fresh("plain"))
    const after = await counts()
    expect({ hit: after.hit - before.hit, stored: after.stored - before.stored, forwarded: after.forwarded - before.forwarded })
      .toEqual({ hit: 2, stored: 1, forwarded: 1 })
  })

  test("a bad token is refused before the cache is asked", async () => {
    const path = fresh("long")
    await get(path)
    expect((await get(path, { authorization: "Bearer not-a-token" })).status).toBe(401)
  })

  test("every upstream's GETs go through the same rules (the test's echoes mark nothing: none is kept)", async () => {
    for (const upstream of allUpstreams.filter((upstream) => upstream !== "flight" && upstream !== "identity" && upstream !== "web")) {
      const path = upstream === "booking" ? "/api/bookings/x" : `/api/${upstream}s/x`
      expect((await get(path)).cacheStatus).toBe("gateway; fwd=miss")
    }
  })
})
