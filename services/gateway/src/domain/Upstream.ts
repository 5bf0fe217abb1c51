/**
 * The services behind the gateway and which paths each one serves (DESIGN §10: one origin for every
 * API). A pure table: the gateway forwards a request to the first route whose prefix its path has.
 */
export const Upstreams = ["booking", "flight", "payment", "notification", "identity"] as const
export type Upstream = (typeof Upstreams)[number]

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
  // better-auth's routes, the JWKS (`/api/auth/jwks`) among them, and the OpenID discovery document.
  { upstream: "identity", prefix: "/api/auth", verifiesTokens: false },
  { upstream: "identity", prefix: "/.well-known/openid-configuration", verifiesTokens: false },
]

/** The route serving `path` (as the router decodes it), if any. */
export const routeOf = (path: string): RoutePrefix | undefined =>
  routes.find((route) => path === route.prefix || path.startsWith(`${route.prefix}/`))

/** Where each service listens when run alone or in the embedded mode (`./run start`). */
export const defaultPorts: Readonly<Record<Upstream, number>> = {
  booking: 3001,
  flight: 3002,
  payment: 3003,
  notification: 3004,
  identity: 3005,
}
