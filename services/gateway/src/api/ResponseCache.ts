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
 * The answers kept are bounded in bytes (least recently used first out, `lru-cache`), and one over
 * `maxEntryBytes`, or of unknown length, goes through unkept. A client's `Cache-Control: no-cache`
 * is honoured: it gets the service's answer. Every GET's answer says what the cache
 * did in a `Cache-Status` header (RFC 9211): `gateway; hit`, or `gateway; fwd=<why>` and `stored`.
 */
import CachePolicy from "http-cache-semantics"
import { LRUCache } from "lru-cache"

export interface Settings {
  /** The bytes of answers kept at most; 0 keeps none. */
  readonly maxBytes: number
}

/** The largest answer kept: a page of flights is a few kilobytes, a page of the site's assets less than this. */
export const maxEntryBytes = 512 * 1024

export const statusHeader = "cache-status"

/**
 * Why a GET went to its service (RFC 9211 §2.2's `fwd`): nothing kept, kept but stale, the client
 * asked for a fresh answer, or what is kept was for another value of a header it varies by.
 */
export type Forwarded = "miss" | "stale" | "request" | "vary-miss"

/** What the cache has for a GET: an answer, or why it goes to the service. */
export type Lookup =
  | { readonly _tag: "Hit"; readonly response: Response }
  | { readonly _tag: "Forward"; readonly reason: Forwarded }

export interface ResponseCache {
  /** The answer kept for this GET (`key` names its service and target), when it is fresh and the client accepts it. */
  readonly lookup: (key: string, request: Request) => Lookup
  /** The service's answer to send on, kept (read whole) when the rules allow it, with its `Cache-Status`. */
  readonly offer: (key: string, request: Request, response: Response, reason: Forwarded) => Promise<Response>
  /** After an unsafe request's success, what is kept for its target is dropped (RFC 9111 §4.4). */
  readonly invalidate: (key: string) => void
}

interface Entry {
  readonly policy: CachePolicy
  readonly status: number
  readonly body: Uint8Array
}

/** What an entry costs beyond its body (its headers and policy), counted against `maxBytes`. */
const entryOverhead = 1024

const forward: Record<Forwarded, Lookup> = {
  miss: { _tag: "Forward", reason: "miss" },
  stale: { _tag: "Forward", reason: "stale" },
  request: { _tag: "Forward", reason: "request" },
  "vary-miss": { _tag: "Forward", reason: "vary-miss" },
}

const hit = "gateway; hit"

/**
 * A request as `http-cache-semantics` reads it: its URL is the key (the service and target), its host
 * the gateway's own (every client's `Host` names the one origin), and its cookies count as credentials.
 */
const requestOf = (key: string, request: Request): CachePolicy.Request => {
  const headers: Record<string, string> = Object.fromEntries(request.headers)
  headers["host"] = "gateway"
  if (headers["authorization"] === undefined && headers["cookie"] !== undefined) headers["authorization"] = "cookie"
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

const responseOf = (response: Response): CachePolicy.Response => ({ status: response.status, headers: Object.fromEntries(response.headers) })

/** A cache of at most `settings.maxBytes`; `undefined` when that is 0 (every GET goes to its service, as it is). */
export const make = (settings: Settings): ResponseCache | undefined => {
  if (settings.maxBytes <= 0) return undefined
  const entries = new LRUCache<string, Entry>({
    maxSize: settings.maxBytes,
    maxEntrySize: Math.min(settings.maxBytes, maxEntryBytes + entryOverhead),
    sizeCalculation: (entry) => entry.body.byteLength + entryOverhead,
  })

  const lookup = (key: string, request: Request): Lookup => {
    const entry = entries.get(key)
    if (entry === undefined) return forward.miss
    if (entry.policy.satisfiesWithoutRevalidation(requestOf(key, request))) {
      const headers = new Headers(entry.policy.responseHeaders() as Record<string, string>)
      headers.set(statusHeader, hit)
      return { _tag: "Hit", response: new Response(entry.body, { status: entry.status, headers }) }
    }
    if (entry.policy.timeToLive() > 0) return request.headers.has("cache-control") || request.headers.has("pragma") ? forward.request : forward["vary-miss"]
    entries.delete(key)
    return forward.stale
  }

  const offer = async (key: string, request: Request, response: Response, reason: Forwarded): Promise<Response> => {
    const forwarded = `gateway; fwd=${reason}`
    const headers = response.headers
    const length = Number(headers.get("content-length") ?? Number.NaN)
    // A part of an answer (206, or one asked for by `Range`) is not the answer to keep for the path.
    const keep = mayLast(headers) && !headers.has("set-cookie") && Number.isInteger(length) && length <= maxEntryBytes &&
      request.body === null && response.status !== 206 && !request.headers.has("range")
    const policy = keep ? new CachePolicy(requestOf(key, request), responseOf(response), { shared: true, cacheHeuristic: 0 }) : undefined
    if (policy === undefined || !policy.storable() || policy.timeToLive() <= 0) {
      headers.set(statusHeader, forwarded)
      return response
    }
    const body = await response.bytes()
    entries.set(key, { policy, status: response.status, body })
    headers.set(statusHeader, `${forwarded}; stored`)
    return new Response(body, { status: response.status, headers })
  }

  return { lookup, offer, invalidate: (key) => void entries.delete(key) }
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
  if (kept?._tag === "Forward") return cache.offer(keyOf(upstream, target), request, response, kept.reason)
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
