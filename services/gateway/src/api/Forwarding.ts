/**
 * Hands a request to the service behind, with `hono/proxy` (which drops the hop-by-hop headers both
 * ways and lets the runtime choose the encoding): the headers only the gateway may set are replaced
 * by its own, and the answer must come within the route's timeout. A service that refuses the
 * connection is a 503, one too slow a 504, one that answers something that is not HTTP a 502,
 * each a problem+json naming the service; the other routes go on being served.
 */
import { Problem } from "@flight/runtime"
import { Duration, Effect } from "effect"
import { proxy } from "hono/proxy"
import { clientIpHeader, requestIdHeader, stripped } from "../domain/ForwardedHeaders.ts"
import type { Upstream } from "../domain/Upstream.ts"
import type { UpstreamSettings } from "../infrastructure/GatewayConfig.ts"

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

/** Hop-by-hop headers, which `hono/proxy` drops from a request it is given as `raw`; the gateway hands it the headers instead. */
const hopByHop: ReadonlyArray<string> = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]

/**
 * The headers of the request as the service sees it: the client's own, less the hop-by-hop ones and
 * those only the gateway sets, plus the gateway's. One copy of the client's headers, handed to
 * `proxy` as they are (a `raw` request would be copied twice more, its headers and itself).
 */
export const upstreamHeaders = (request: Request, forwarded: Forwarded): Headers => {
  const headers = new Headers(request.headers)
  for (const name of hopByHop) headers.delete(name)
  for (const name of stripped) headers.delete(name)
  if (forwarded.clientIp !== undefined) headers.set(clientIpHeader, forwarded.clientIp)
  headers.set(requestIdHeader, forwarded.requestId)
  headers.set("traceparent", forwarded.traceparent)
  return headers
}

/** The upstream URL of `target`: the service's URL (any base path kept) followed by the path and query received. */
export const targetUrl = (settings: UpstreamSettings, target: string): string => `${settings.url.href.replace(/\/+$/, "")}${target}`

/**
 * The service's answer; rejects when there is none (see `failure`). A plain promise: it runs on
 * every request, outside Effect (see `GatewayApi`).
 */
export const send = (request: Request, forwarded: Forwarded): Promise<Response> =>
  proxy(targetUrl(forwarded.settings, forwarded.target), {
    method: request.method,
    headers: upstreamHeaders(request, forwarded),
    body: request.body,
    ...(request.body === null ? {} : { duplex: "half" }),
    // A service's redirect is the client's to follow, not the gateway's.
    redirect: "manual",
    // Without Effect's own abort signal (a controller per request): the timeout and the client going
    // away (Bun aborts the request's signal) are what end a forwarded request.
    signal: AbortSignal.any([AbortSignal.timeout(Duration.toMillis(forwarded.settings.timeout)), request.signal]),
  })

/** Why `send` got no answer, logged (with the request id) and told as the client's problem. */
export const failure = (request: Request, forwarded: Forwarded, error: unknown): Effect.Effect<never, Problem.Problem> =>
  Effect.logWarning(`${forwarded.upstream} did not answer ${request.method} ${Problem.excerpt(forwarded.target.split("?")[0] ?? "", 4 * Problem.echoLimit)}`).pipe(
    Effect.annotateLogs({ upstream: forwarded.upstream, requestId: forwarded.requestId, error: describe(error) }),
    Effect.zipRight(Effect.fail(problemOf(forwarded.upstream, forwarded.settings.timeout, error))),
  )
