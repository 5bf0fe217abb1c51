/**
 * The gateway's shared cache (RFC 9111, decision 36): a service's answer to a GET is kept in memory
 * for as long as the service says a shared cache may keep it (`s-maxage`, or `max-age` and the rules
 * of a shared cache), and the same GET is answered from it until then. Which answers may be kept,
 * and for how long, is `http-cache-semantics`'s word, as a shared cache with no heuristic freshness:
 * an answer without an explicit lifetime is never kept. On top of its rules, the gateway keeps
 * nothing that sets a cookie nor a part of an answer (`206`, `Range`), and treats a request's cookies
 * as it treats credentials (an answer to one is kept only when the service marks it for shared
 * caches: `public` or `s-maxage`).
 *
 * The answers kept are bounded in bytes, their keys and headers counted (least recently used first
 * out, `lru-cache`); one over `maxEntryBytes`, of unknown length, or for a target over
 * `maxTargetLength`, goes through unkept, and so does one to a read sent before its path was changed
 * (`invalidate`). A kept answer is never given stale. A client's `Cache-Control: no-cache` is
 * honoured: it gets the service's answer. Every GET's answer says what the cache did in a
 * `Cache-Status` header (RFC 9211): `gateway; hit`, or `gateway; fwd=<why>` and `stored`.
 */
import { Metric, MetricLabel } from "effect"
import CachePolicy from "http-cache-semantics"
import { LRUCache } from "lru-cache"

export interface Settings {
  /** The bytes of answers kept at most; 0 keeps none. */
  readonly maxBytes: number
}

/** The largest answer kept: a page of flights is a few kilobytes. */
export const maxEntryBytes = 512 * 1024

export const statusHeader = "cache-status"

/**
 * Why a GET went to its service (RFC 9211 §2.2's `fwd`): nothing kept, kept but stale, the client
 * asked for a fresh answer, or what is kept was for another value of a header it varies by.
 */
export type Forwarded = "miss" | "stale" | "request" | "vary-miss"

/**
 * What the cache has for a GET: an answer, or why it goes to the service, with how many drops the
 * cache had made when it was asked (an answer to a request sent before its key's last drop is not kept).
 */
export type Lookup =
  | { readonly _tag: "Hit"; readonly response: Response }
  | Forward

export interface Forward {
  readonly _tag: "Forward"
  readonly reason: Forwarded
  readonly asked: number
}

export interface ResponseCache {
  /** The answer kept for this GET (`key` names its service and target), when it is fresh and the client accepts it. */
  readonly lookup: (key: string, request: Request) => Lookup
  /** The service's answer to send on, kept (read whole) when the rules allow it, with its `Cache-Status`. */
  readonly offer: (key: string, request: Request, response: Response, lookup: Forward) => Promise<Response>
  /** After an unsafe request's success, what is kept for its target is dropped (RFC 9111 §4.4). */
  readonly invalidate: (key: string) => void
}

interface Entry {
  readonly policy: CachePolicy
  readonly status: number
  readonly body: Uint8Array
  /** What the entry costs beyond its body: its key, the headers kept, and the policy's own. */
  readonly overhead: number
}

/** What an entry's policy costs beyond the headers counted. */
const entryOverhead = 512

/** The longest path and query kept: a search is about a hundred characters; a longer target goes through unkept. */
export const maxTargetLength = 2048

/** How many dropped keys are remembered, for the reads in flight when they were dropped. */
const droppedRemembered = 10_000

const hit = "gateway; hit"

/** The GETs the cache was asked for, by what became of them: the hit ratio an operator sizes it by. */
export const answersTotal = Metric.counter("gateway_cache_answers_total", {
  description: "GETs the gateway's cache was asked for, by result: hit (answered from it), stored (forwarded and kept), forwarded (not kept)",
  incremental: true,
})

/** Each result's labels, made once (a metric finds its series by the labels array). */
const results = {
  hit: [MetricLabel.make("result", "hit")],
  stored: [MetricLabel.make("result", "stored")],
  forwarded: [MetricLabel.make("result", "forwarded")],
} as const

const count = (result: keyof typeof results) => answersTotal.unsafeUpdate(1, results[result])

/** `ours` after what a cache nearer the service said (RFC 9211 §2: the list runs from the origin outwards). */
const appendStatus = (headers: Headers, ours: string) => {
  const theirs = headers.get(statusHeader)
  headers.set(statusHeader, theirs === null ? ours : `${theirs}, ${ours}`)
}

/**
 * A request as `http-cache-semantics` reads it: its URL is the key (the service and target), its host
 * the gateway's own (every client's `Host` names the one origin), and its cookies count as credentials.
 */
const requestOf = (key: string, request: Request): CachePolicy.Request => {
  const headers: Record<string, string> = Object.fromEntries(request.headers)
  headers["host"] = "gateway"
  // (The library reads an empty `Authorization` as none: so does this.)
  if (!headers["authorization"] && headers["cookie"]) headers["authorization"] = "cookie"
  return { url: key, method: request.method, headers }
}

/**
 * Whether an answer names a lifetime at all (`max-age`, `s-maxage` or `Expires`): without one, with no
 * heuristic freshness, it is never kept, and the common answer is told so without parsing it.
 */
const mayLast = (headers: Headers): boolean => {
  const directives = headers.get("cache-control")
  return (directives !== null && (directives.includes("max-age") || directives.includes("s-maxage"))) || headers.has("expires")
}

/** The characters of a record of headers, as kept. */
const sizeOf = (headers: Readonly<Record<string, string>>): number => {
  let size = 0
  for (const name in headers) size += name.length + headers[name]!.length
  return size
}

/** A cache of at most `settings.maxBytes`; `undefined` when that is 0 (every GET goes to its service, as it is). */
export const make = (settings: Settings): ResponseCache | undefined => {
  if (settings.maxBytes <= 0) return undefined
  const entries = new LRUCache<string, Entry>({
    maxSize: settings.maxBytes,
    maxEntrySize: settings.maxBytes,
    sizeCalculation: (entry) => entry.body.byteLength + entry.overhead,
  })
  // Each drop is numbered and a key's last drop remembered, so that a read sent before it (answered
  // after it) does not put back what was dropped.
  let drops = 0
  const dropped = new LRUCache<string, number>({ max: droppedRemembered })

  const lookup = (key: string, request: Request): Lookup => {
    const entry = entries.get(key)
    if (entry === undefined) return { _tag: "Forward", reason: "miss", asked: drops }
    // Never stale, whatever the client accepts (`max-stale`): `s-maxage` forbids it (RFC 9111 §5.2.2.10).
    const fresh = !entry.policy.stale()
    if (fresh && entry.policy.satisfiesWithoutRevalidation(requestOf(key, request))) {
      const headers = new Headers(entry.policy.responseHeaders() as Record<string, string>)
      appendStatus(headers, hit)
      count("hit")
      return { _tag: "Hit", response: new Response(entry.body, { status: entry.status, headers }) }
    }
    if (fresh) {
      const asksFresh = request.headers.has("cache-control") || request.headers.has("pragma")
      return { _tag: "Forward", reason: asksFresh ? "request" : "vary-miss", asked: drops }
    }
    entries.delete(key)
    return { _tag: "Forward", reason: "stale", asked: drops }
  }

  const offer = async (key: string, request: Request, response: Response, lookup: Forward): Promise<Response> => {
    const forwarded = `gateway; fwd=${lookup.reason}`
    const headers = response.headers
    const length = Number(headers.get("content-length") ?? Number.NaN)
    // A part of an answer (206, or one asked for by `Range`) is not the answer to keep for the path.
    const keep = mayLast(headers) && !headers.has("set-cookie") && Number.isInteger(length) && length <= maxEntryBytes &&
      request.body === null && response.status !== 206 && !request.headers.has("range") && targetOf(key).length <= maxTargetLength &&
      (dropped.get(key) ?? -1) < lookup.asked
    const passOn = () => {
      appendStatus(headers, forwarded)
      count("forwarded")
      return response
    }
    if (!keep) return passOn()
    const asked = requestOf(key, request)
    const kept = Object.fromEntries(headers)
    const policy = new CachePolicy(asked, { status: response.status, headers: kept }, { shared: true, cacheHeuristic: 0 })
    if (!policy.storable() || policy.timeToLive() <= 0) return passOn()
    const body = await response.bytes()
    // The policy keeps the request's headers too when the answer varies by some of them.
    const overhead = key.length + sizeOf(kept) + (kept["vary"] === undefined ? 0 : sizeOf(asked.headers as Record<string, string>)) + entryOverhead
    entries.set(key, { policy, status: response.status, body, overhead })
    appendStatus(headers, `${forwarded}; stored`)
    count("stored")
    return new Response(body, { status: response.status, headers })
  }

  const invalidate = (key: string) => {
    dropped.set(key, drops++)
    entries.delete(key)
  }

  return { lookup, offer, invalidate }
}

/** Methods that change what they name (RFC 9110 §9.2.1): a success drops what is kept for the target. */
const safe: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * The service's answer to a request, as the client gets it: a GET's offered to the cache (`kept` is
 * what the lookup said), and an unsafe request's success (below 400) drops what was kept for its
 * target, and for the paths its `Location` and `Content-Location` name (RFC 9111 §4.4): a flight's
 * status change names the flight it changed, so its next read through this gateway is fresh.
 */
export const settle = (
  cache: ResponseCache,
  upstream: string,
  target: string,
  request: Request,
  response: Response,
  kept: Lookup | undefined,
): Response | Promise<Response> => {
  if (kept?._tag === "Forward") return cache.offer(keyOf(upstream, target), request, response, kept)
  if (safe.has(request.method) || response.status >= 400) return response
  cache.invalidate(keyOf(upstream, target))
  for (const name of ["location", "content-location"]) {
    const path = response.headers.get(name)
    // A path of the same service's (an absolute URL is not this origin's to name).
    if (path !== null && path.startsWith("/") && !path.startsWith("//")) cache.invalidate(keyOf(upstream, path))
  }
  return response
}

/** What a request's answer is kept under: its service, and its path and query as received. */
export const keyOf = (upstream: string, target: string): string => `${upstream} ${target}`

/** The path and query of a key. */
const targetOf = (key: string): string => key.slice(key.indexOf(" ") + 1)
