/** Which budgets a request spends, and how the answer reports them: pure rules, no store. */
import { describe, expect, test } from "bun:test"
import { Duration } from "effect"
import { chargesOf, headersOf, queryReferenceOf, readsReference, referenceOf, retryAfterSeconds, type Standing, strictPolicyOf } from "../src/domain/RateLimitPolicy.ts"
import { routeOf } from "../src/domain/Upstream.ts"

const facts = { method: "GET", path: "/api/flights", clientIp: "203.0.113.9", principal: undefined, reference: undefined }

describe("chargesOf", () => {
  test("every request spends its address's budget, and a signed-in caller's their own", () => {
    expect(chargesOf(facts)).toEqual([{ policy: "ip", key: "203.0.113.9" }])
    expect(chargesOf({ ...facts, principal: "alice" })).toEqual([{ policy: "ip", key: "203.0.113.9" }, { policy: "principal", key: "alice" }])
  })

  test("an IPv6 client spends its /64's budgets, the strict ones too", () => {
    const lookup = { ...facts, method: "POST", path: "/api/bookings/manage", clientIp: "2001:db8:0:7::50", reference: "X7K2QP" }
    expect(chargesOf(lookup)).toEqual([
      { policy: "ip", key: "2001:db8:0:7::/64" },
      { policy: "manage", key: "2001:db8:0:7::/64" },
      { policy: "manage-reference", key: "X7K2QP" },
    ])
  })

  test("sign-in, sign-up, booking creation and lookups spend a stricter budget; lookups also their reference's", () => {
    expect(strictPolicyOf("POST", "/api/auth/sign-in/email")).toBe("sign-in")
    expect(strictPolicyOf("POST", "/api/auth/sign-up/email")).toBe("sign-in")
    expect(strictPolicyOf("POST", "/api/bookings")).toBe("booking-create")
    expect(strictPolicyOf("POST", "/api/bookings/manage")).toBe("manage")
    expect(strictPolicyOf("GET", "/api/bookings")).toBeUndefined()
    expect(strictPolicyOf("POST", "/api/bookings/x/cancel")).toBeUndefined()
    expect(chargesOf({ ...facts, method: "POST", path: "/api/bookings/manage", reference: "X7K2QP" }).map((charge) => charge.policy)).toEqual([
      "ip",
      "manage",
      "manage-reference",
    ])
  })

  test("the lookup by query, GET /api/bookings?reference=&lastName=, spends the lookup budgets as manage does; my trips does not", () => {
    const lookup = "?reference=X7K2QP&lastName=Lovelace"
    expect(strictPolicyOf("GET", "/api/bookings", lookup)).toBe("manage")
    expect(strictPolicyOf("GET", "/api/bookings", "?lastName=Lovelace")).toBe("manage")
    expect(strictPolicyOf("GET", "/api/bookings", "?mine=true")).toBeUndefined()
    expect(strictPolicyOf("GET", "/api/bookings/X7K2QP", lookup)).toBeUndefined()
    expect(readsReference("GET", "/api/bookings")).toBe(false)
    expect(queryReferenceOf("GET", "/api/bookings", lookup)).toBe("X7K2QP")
    expect(queryReferenceOf("GET", "/api/bookings", "?reference=x7k2qp&lastName=L")).toBeUndefined()
    expect(queryReferenceOf("POST", "/api/bookings/manage", lookup)).toBeUndefined()
    expect(chargesOf({ ...facts, path: "/api/bookings", search: lookup, reference: "X7K2QP" })).toEqual([
      { policy: "ip", key: "203.0.113.9" },
      { policy: "manage", key: "203.0.113.9" },
      { policy: "manage-reference", key: "X7K2QP" },
    ])
  })

  test("only a booking reference is a reference", () => {
    expect(referenceOf({ reference: "X7K2QP", lastName: "Lovelace" })).toBe("X7K2QP")
    for (const body of [null, [], "X7K2QP", { reference: "x7k2qp" }, { reference: 7 }, { reference: "X7K2QP0" }, {}]) expect(referenceOf(body)).toBeUndefined()
  })
})

describe("the RateLimit fields (draft-ietf-httpapi-ratelimit-headers-09)", () => {
  const standing = (policy: Standing["policy"], points: number, remaining: number, resetMs: number, exceeded = false): Standing => ({
    policy,
    budget: { points, window: Duration.minutes(1) },
    remaining,
    reset: Duration.millis(resetMs),
    exceeded,
  })

  test("one item per policy spent, quota and window in the policy, remaining and seconds to reset in the limit", () => {
    const headers = headersOf([standing("ip", 300, 299, 59_001), standing("sign-in", 10, 0, 12_400, true)])
    expect(headers).toEqual({
      "ratelimit-policy": '"ip";q=300;w=60, "sign-in";q=10;w=60',
      ratelimit: '"ip";r=299;t=60, "sign-in";r=0;t=13',
    })
    expect(headersOf([])).toEqual({})
  })

  test("Retry-After is when the last exceeded budget is whole again, at least a second", () => {
    expect(retryAfterSeconds([standing("ip", 3, 0, 59_001, true), standing("principal", 2, 0, 1_000, true), standing("manage", 9, 5, 900_000)])).toBe(60)
    expect(retryAfterSeconds([standing("ip", 3, 0, 10, true)])).toBe(1)
  })
})

describe("routeOf", () => {
  test("a prefix is the path itself or a path below it", () => {
    expect(routeOf("/api/flights")?.upstream).toBe("flight")
    expect(routeOf("/api/seatmaps/x")?.upstream).toBe("booking")
    expect(routeOf("/api/auth/jwks")?.verifiesTokens).toBe(false)
    expect(routeOf("/api/flightsx")).toBeUndefined()
    expect(routeOf("/")).toBeUndefined()
  })
})
