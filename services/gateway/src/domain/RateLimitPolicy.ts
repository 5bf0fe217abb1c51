/**
 * Who may send how many requests (OWASP API4): the budgets, which of them a request spends, and how
 * the answer tells the client, with the fields of draft-ietf-httpapi-ratelimit-headers-09
 * (`RateLimit-Policy` and `RateLimit`, structured-field lists of named policies). Pure: the counting
 * is the store's (`RateLimitStore`), the decision the application's (`Admission`).
 */
import { BookingReference } from "@flight/contracts"
import { ClientAddress } from "@flight/runtime"
import { Duration, Schema } from "effect"

/** A budget: `points` requests per `window`, counted per key. */
export interface Budget {
  readonly points: number
  readonly window: Duration.Duration
}

/**
 * The policies. `ip` and `principal` cover every forwarded request; the others are the stricter
 * budgets of the routes an attacker would hammer: sign-in and sign-up (credential stuffing), booking
 * creation (seat hoarding), and reference lookups (guessing a reference and a surname: `POST
 * /api/bookings/manage` and `GET /api/bookings?reference=&lastName=`), the last also per reference,
 * so that many addresses cannot share the guessing of one booking.
 */
export const PolicyNames = ["ip", "principal", "sign-in", "booking-create", "manage", "manage-reference"] as const
export type PolicyName = (typeof PolicyNames)[number]

export type Budgets = Readonly<Record<PolicyName, Budget>>

export const defaultBudgets: Budgets = {
  ip: { points: 300, window: Duration.minutes(1) },
  principal: { points: 600, window: Duration.minutes(1) },
  "sign-in": { points: 10, window: Duration.minutes(1) },
  "booking-create": { points: 20, window: Duration.minutes(1) },
  manage: { points: 10, window: Duration.minutes(1) },
  "manage-reference": { points: 5, window: Duration.minutes(15) },
}

/** One budget to spend: the policy and the key it is counted under (a client's network, a `sub`, a reference). */
export interface Charge {
  readonly policy: PolicyName
  readonly key: string
}

/** What the gateway knows of a request when it decides. */
export interface RequestFacts {
  readonly method: string
  /** As the router decodes it (the upstream decodes it the same way). */
  readonly path: string
  readonly clientIp: string
  /** The verified token's `sub`; none for an anonymous caller. */
  readonly principal: string | undefined
  /** The booking reference looked up: a manage body's, or the query's of `GET /api/bookings`; none when there is none. */
  readonly reference: string | undefined
  /** The query string (`?...`, or empty): `GET /api/bookings?reference=&lastName=` is a lookup too. */
  readonly search?: string | undefined
}

/** Whether a `GET /api/bookings` query looks a booking up by reference and last name (rather than listing "my trips"). */
const isLookupQuery = (search: string): boolean => {
  const query = new URLSearchParams(search)
  return query.has("reference") || query.has("lastName")
}

/** The stricter policy of a route, if it has one. */
export const strictPolicyOf = (method: string, path: string, search = ""): PolicyName | undefined => {
  // The lookup by query (DESIGN §3) answers what manage answers: the same budgets.
  if (method === "GET" && path === "/api/bookings" && isLookupQuery(search)) return "manage"
  if (method !== "POST") return undefined
  switch (path) {
    case "/api/auth/sign-in/email":
    case "/api/auth/sign-up/email":
      return "sign-in"
    case "/api/bookings":
      return "booking-create"
    case "/api/bookings/manage":
      return "manage"
    default:
      return undefined
  }
}

/** Whether the route's body holds a booking reference worth a budget of its own. */
export const readsReference = (method: string, path: string): boolean => method === "POST" && strictPolicyOf(method, path) === "manage"

/** The reference of a lookup's query (`GET /api/bookings?reference=`), when it is one. */
export const queryReferenceOf = (method: string, path: string, search: string): string | undefined =>
  strictPolicyOf(method, path, search) === "manage" && method === "GET"
    ? referenceOf({ reference: new URLSearchParams(search).get("reference") })
    : undefined

/**
 * Every budget a request spends. The budgets of an address count its network (`ClientAddress.networkOf`:
 * an IPv4 address, an IPv6 /64), since a client picks any address of its /64 at will.
 */
export const chargesOf = (facts: RequestFacts): ReadonlyArray<Charge> => {
  const network = ClientAddress.networkOf(facts.clientIp)
  const charges: Array<Charge> = [{ policy: "ip", key: network }]
  if (facts.principal !== undefined) charges.push({ policy: "principal", key: facts.principal })
  const strict = strictPolicyOf(facts.method, facts.path, facts.search)
  if (strict !== undefined) charges.push({ policy: strict, key: network })
  if (strict === "manage" && facts.reference !== undefined) charges.push({ policy: "manage-reference", key: facts.reference })
  return charges
}

const isReference = Schema.is(BookingReference)

/** The reference of a manage request's body, when it is one (anything else the booking service refuses with a 400). */
export const referenceOf = (body: unknown): string | undefined => {
  const value = typeof body === "object" && body !== null ? (body as { readonly reference?: unknown }).reference : undefined
  return isReference(value) ? value : undefined
}

/** How much of one budget is left after a request. */
export interface Standing {
  readonly policy: PolicyName
  readonly budget: Budget
  readonly remaining: number
  /** Until the window ends and the budget is whole again. */
  readonly reset: Duration.Duration
  readonly exceeded: boolean
}

const seconds = (duration: Duration.Duration): number => Math.max(0, Math.ceil(Duration.toMillis(duration) / 1000))

/** `RateLimit-Policy`: each policy spent, its quota `q` and window `w` in seconds. */
export const policyHeader = (standings: ReadonlyArray<Standing>): string =>
  standings.map((standing) => `"${standing.policy}";q=${standing.budget.points};w=${seconds(standing.budget.window)}`).join(", ")

/** `RateLimit`: each policy spent, what remains `r` and the seconds `t` until it is whole again. */
export const limitHeader = (standings: ReadonlyArray<Standing>): string =>
  standings.map((standing) => `"${standing.policy}";r=${Math.max(0, standing.remaining)};t=${seconds(standing.reset)}`).join(", ")

/** `Retry-After` of a refusal: when the last exceeded budget is whole again (at least 1 second). */
export const retryAfterSeconds = (standings: ReadonlyArray<Standing>): number =>
  Math.max(1, ...standings.filter((standing) => standing.exceeded).map((standing) => seconds(standing.reset)))

/** The response headers that report `standings`. */
export const headersOf = (standings: ReadonlyArray<Standing>): Record<string, string> =>
  standings.length === 0 ? {} : { "ratelimit-policy": policyHeader(standings), ratelimit: limitHeader(standings) }
