/**
 * The request headers only the gateway may set, and the request id it forwards. A client may send
 * any of them; the services behind believe them only from the gateway (`AUTH_TRUSTED_PROXIES`), so
 * the gateway drops what the client sent and sets its own.
 */

/**
 * Dropped from every forwarded request: the client's address and how it connected (RFC 7239
 * `Forwarded` and the de facto `X-Forwarded-*` family, and the vendors' variants some frameworks
 * read), the trace context (replaced by the gateway's span) and the request id (replaced by one the
 * gateway vouches for). `Host` goes too: the upstream sees its own.
 */
export const stripped: ReadonlyArray<string> = [
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-forwarded-server",
  "x-real-ip",
  "x-client-ip",
  "true-client-ip",
  "cf-connecting-ip",
  "fastly-client-ip",
  "x-cluster-client-ip",
  "x-original-forwarded-for",
  "x-request-id",
  "x-correlation-id",
  "traceparent",
  "tracestate",
  "host",
]

/** Where the gateway puts the client's address: the header the services read (`AUTH_CLIENT_IP_HEADER`). */
export const clientIpHeader = "x-forwarded-for"

export const requestIdHeader = "x-request-id"

/** A client's request id is kept when it looks like one (a UUID, a ULID, a short token); otherwise a new one is made. */
export const isWellFormedRequestId = (value: string | null | undefined): value is string =>
  value !== null && value !== undefined && /^[A-Za-z0-9._:-]{8,128}$/.test(value)

