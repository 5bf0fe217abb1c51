/**
 * Hands a request to the service behind with `fetch`, by the rules `hono/proxy` follows (the
 * hop-by-hop headers dropped both ways, the encoding left to the runtime) but without its copies of
 * the request and of the answer (decision 30): the headers only the gateway may set are replaced by
 * its own, and the answer must come within the route's timeout (`UpstreamDeadline`). The body goes on
 * as the gateway read it, whole (`RequestBody`). A service that refuses the connection is a 503, one
 * too slow a 504, one that answers something that is not HTTP a 502, each a problem+json naming the
 * service; the other routes go on being served.
 */
import { Problem } from "@flight/runtime"
import { Duration, Effect } from "effect"
import { clientIpHeader, requestIdHeader, stripped } from "../domain/ForwardedHeaders.ts"
import type { Upstream } from "../domain/Upstream.ts"
import type { UpstreamSettings } from "../infrastructure/GatewayConfig.ts"
import * as UpstreamDeadline from "./UpstreamDeadline.ts"

export interface Forwarded {
  readonly upstream: Upstream
  readonly settings: UpstreamSettings
  /** The path and query as received (not decoded): the service decodes them as it would. */
  readonly target: string
  /** The client's address (the connection's, or a trusted proxy's word for it), when the app is served by Bun. */
  readonly clientIp: string | undefined
  readonly requestId: string
  /** The gateway's span, the parent of the service's. */
  readonly traceparent: string
}

/** Bun's codes for a connection that could not be made: nobody listens, or no route to the host. */
const unreachable = new Set(["ECONNREFUSED", "ConnectionRefused", "FailedToOpenSocket", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"])

export const unavailable = (upstream: Upstream): Problem.Problem =>
  Problem.make({
    status: 503,
    type: "upstream-unavailable",
    title: "Service unavailable",
    detail: `The ${upstream} service cannot be reached; try again shortly`,
    headers: { "retry-after": "1" },
  })

export const timedOut = (upstream: Upstream, timeout: Duration.Duration): Problem.Problem =>
  Problem.make({
    status: 504,
    type: "upstream-timeout",
    title: "Gateway timeout",
    detail: `The ${upstream} service did not answer within ${Duration.format(timeout)}`,
  })

export const badGateway = (upstream: Upstream): Problem.Problem =>
  Problem.make({ status: 502, type: "bad-gateway", title: "Bad gateway", detail: `The ${upstream} service answered something that is not HTTP` })

/** The failure of a request to `upstream` as the client is told it. */
export const problemOf = (upstream: Upstream, timeout: Duration.Duration, error: unknown): Problem.Problem => {
  const name = error instanceof Error ? error.name : undefined
  const code = codeOf(error)
  if (name === "TimeoutError") return timedOut(upstream, timeout)
  if (code !== undefined && unreachable.has(code)) return unavailable(upstream)
  if (name === "AbortError") return Problem.unavailable("The request was interrupted")
  return badGateway(upstream)
}

const codeOf = (error: unknown): string | undefined => {
  const code = typeof error === "object" && error !== null ? (error as { readonly code?: unknown }).code : undefined
  return typeof code === "string" ? code : undefined
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}${codeOf(error) === undefined ? "" : ` ${codeOf(error)}`}: ${error.message}` : String(error)

/** A header's name (RFC 9110 §5.1): what else a `Connection` header lists is not a header to drop. */
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Hop-by-hop headers (RFC 9110 §7.6.1), which are the connection's, not the message's: dropped both ways. */
const hopByHop: ReadonlyArray<string> = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]

/**
 * The headers of the request as the service sees it: the client's own, less the hop-by-hop ones,
 * `accept-encoding` (the runtime asks for the encodings it decodes) and those only the gateway sets,
 * plus the gateway's. One copy of the client's headers.
 */
export const upstreamHeaders = (request: Request, forwarded: Forwarded): Headers => {
  const headers = new Headers(request.headers)
  for (const name of hopByHop) headers.delete(name)
  headers.delete("accept-encoding")
  for (const name of stripped) headers.delete(name)
  if (forwarded.clientIp !== undefined) headers.set(clientIpHeader, forwarded.clientIp)
  headers.set(requestIdHeader, forwarded.requestId)
  headers.set("traceparent", forwarded.traceparent)
  return headers
}

/** The upstream URL of `target`: the service's URL (any base path kept) followed by the path and query received. */
export const targetUrl = (settings: UpstreamSettings, target: string): string => `${settings.url.href.replace(/\/+$/, "")}${target}`

/**
 * The service's answer as the client gets it: the answer itself (its headers are this process's to
 * change), less the hop-by-hop headers and those its `connection` names, and less its encoding, which
 * the runtime has decoded. A status no HTTP answer has is not an answer (a 502, as `failure` tells it).
 */
export const answerOf = (response: Response): Response => {
  if (response.status > 599) throw new RangeError(`status ${response.status} is not an HTTP status`)
  const headers = response.headers
  const listed = headers.get("connection")
  if (listed !== null) {
    for (const name of listed.split(",").map((listedName) => listedName.trim())) if (headerName.test(name)) headers.delete(name)
  }
  for (const name of hopByHop) headers.delete(name)
  if (headers.has("content-encoding")) {
    headers.delete("content-encoding")
    headers.delete("content-length")
  }
  return response
}

const deadline = UpstreamDeadline.make()

/**
 * The service's answer to the request with `body` (read whole, `RequestBody`); rejects when there is
 * none (see `failure`). A plain promise: it runs on every request, outside Effect (see `GatewayApi`).
 * Without Effect's own abort signal (a controller per request): the deadline and the client going
 * away (Bun aborts the request's signal) are what end a forwarded request.
 */
export const send = (request: Request, forwarded: Forwarded, body: Uint8Array | null): Promise<Response> =>
  fetch(targetUrl(forwarded.settings, forwarded.target), {
    method: request.method,
    headers: upstreamHeaders(request, forwarded),
    body,
    // A service's redirect is the client's to follow, not the gateway's.
    redirect: "manual",
    signal: AbortSignal.any([deadline(Duration.toMillis(forwarded.settings.timeout)), request.signal]),
  }).then(answerOf)

/** Why `send` got no answer, logged (with the request id) and told as the client's problem. */
export const failure = (request: Request, forwarded: Forwarded, error: unknown): Effect.Effect<never, Problem.Problem> =>
  Effect.logWarning(`${forwarded.upstream} did not answer ${request.method} ${Problem.excerpt(forwarded.target.split("?")[0] ?? "", 4 * Problem.echoLimit)}`).pipe(
    Effect.annotateLogs({ upstream: forwarded.upstream, requestId: forwarded.requestId, error: describe(error) }),
    Effect.zipRight(Effect.fail(problemOf(forwarded.upstream, forwarded.settings.timeout, error))),
  )
