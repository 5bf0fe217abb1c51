/**
 * The services behind the gateway and which paths each one serves (DESIGN §10: one origin for every
 * API). A pure table: the gateway forwards a request to the first route whose prefix its path has.
 */
/** The services whose APIs the gateway routes (and documents at `/docs`). */
export const Upstreams = ["booking", "flight", "payment", "notification", "identity"] as const
/** Every upstream: the APIs, and the web site, which serves every other path (`/`, `/ops`, ...). */
export const allUpstreams = [...Upstreams, "web"] as const
export type Upstream = (typeof allUpstreams)[number]

export interface RoutePrefix {
  readonly upstream: Upstream
  /** A path prefix: the path itself or anything below it (`/api/flights`, `/api/flights/...`). */
  readonly prefix: string
  /**
   * Whether a bearer token sent here is an access token the gateway verifies. Identity's routes take
   * better-auth's opaque session token as a bearer (`GET /api/auth/token`), which only it can read.
   */
  readonly verifiesTokens: boolean
}

export const routes: ReadonlyArray<RoutePrefix> = [
  { upstream: "flight", prefix: "/api/flights", verifiesTokens: true },
  { upstream: "booking", prefix: "/api/bookings", verifiesTokens: true },
  { upstream: "booking", prefix: "/api/seatmaps", verifiesTokens: true },
  { upstream: "payment", prefix: "/api/payments", verifiesTokens: true },
  { upstream: "notification", prefix: "/api/notifications", verifiesTokens: true },
  // Each bus service's dead letters and queue depth (admins only, decided by the service). One prefix
  // a service, not `/api/operations`: the gateway answers other paths below it itself.
  { upstream: "booking", prefix: "/api/operations/booking", verifiesTokens: true },
  { upstream: "flight", prefix: "/api/operations/flight", verifiesTokens: true },
  { upstream: "payment", prefix: "/api/operations/payment", verifiesTokens: true },
  { upstream: "notification", prefix: "/api/operations/notification", verifiesTokens: true },
  // better-auth's routes, the JWKS (`/api/auth/jwks`) among them, and the OpenID discovery document.
  { upstream: "identity", prefix: "/api/auth", verifiesTokens: false },
  { upstream: "identity", prefix: "/.well-known/openid-configuration", verifiesTokens: false },
]

/** The route serving `path` (as the router decodes it), if any. */
export const routeOf = (path: string): RoutePrefix | undefined =>
  routes.find((route) => path === route.prefix || path.startsWith(`${route.prefix}/`))

/** The web site: its pages carry a session cookie, never a bearer token for the gateway to verify. */
export const siteRoute: RoutePrefix = { upstream: "web", prefix: "/", verifiesTokens: false }

/** The gateway's own paths: its health, metrics and OpenAPI document, and the API reference. */
const ownPaths = ["/health", "/metrics", "/openapi.json", "/openapi", "/docs"]

/** Whether `path` is the web site's: neither an API's nor one of the gateway's own. */
export const isSitePath = (path: string): boolean =>
  routeOf(path) === undefined && !ownPaths.some((own) => path === own || path.startsWith(`${own}/`)) &&
  path !== "/api" && !path.startsWith("/api/")

/** Where each service listens when run alone or in the embedded mode (`./run start`). */
export const defaultPorts: Readonly<Record<Upstream, number>> = {
  booking: 3001,
  flight: 3002,
  payment: 3003,
  notification: 3004,
  identity: 3005,
  web: 3006,
}
