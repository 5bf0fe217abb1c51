import { describe, expect, test } from "bun:test"
import { Either, FastCheck, Schema } from "effect"
import { Problem } from "../src/index.ts"

describe("Problem", () => {
  test("serializes as RFC 9457 problem+json, extra headers outside the body", async () => {
    const response = Problem.toResponse(Problem.unavailable("Redis is down", 30), "/api/bookings")
    expect(response.status).toBe(503)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect(response.headers.get("retry-after")).toBe("30")
    expect(await response.json()).toEqual({
      type: "service-unavailable",
      title: "Service unavailable",
      status: 503,
      detail: "Redis is down",
      instance: "/api/bookings",
    })
  })

  test("constructors carry their status and stable type", () => {
    const cases = [
      [Problem.badRequest("bad"), 400, "validation-failed"],
      [Problem.notFound("flight-not-found", "x"), 404, "flight-not-found"],
      [Problem.conflict("seats-unavailable", "x"), 409, "seats-unavailable"],
      [Problem.unprocessable("idempotency-key-reused", "x"), 422, "idempotency-key-reused"],
      [Problem.payloadTooLarge(10), 413, "payload-too-large"],
      [Problem.unsupportedMediaType("text/plain"), 415, "unsupported-media-type"],
      [Problem.unavailable("x"), 503, "service-unavailable"],
    ] as const
    for (const [problem, status, type] of cases) expect([problem.status, problem.type]).toEqual([status, type])
  })

  test("a conflict can ask the client to retry later", () => {
    expect(Problem.conflict("payment-intent-pending", "x", { retryAfterSeconds: 2 }).headers).toEqual({ "retry-after": "2" })
  })

  test("a 429 names its title and asks to retry after at least a second", async () => {
    const problem = Problem.tooManyRequests("too-many-holds", "Too many seats held", "Too many seats are held", 90.5)
    const response = Problem.toResponse(problem)
    expect([response.status, response.headers.get("retry-after")]).toEqual([429, "91"])
    expect(await response.json()).toEqual({ type: "too-many-holds", title: "Too many seats held", status: 429, detail: "Too many seats are held" })
    expect(Problem.tooManyRequests("slow-down", "Slow down", "x", 0.02).headers).toEqual({ "retry-after": "1" })
    expect(Problem.tooManyRequests("slow-down", "Slow down", "x", 0).headers).toEqual({ "retry-after": "1" })
    expect(Problem.titleFor(429)).toBe("Too many requests")
  })

  test("fromParseError lists every offending field with its path", () => {
    const Body = Schema.Struct({
      flightId: Schema.UUID,
      passengers: Schema.Array(Schema.Struct({ lastName: Schema.NonEmptyString })),
    })
    const result = Schema.decodeUnknownEither(Body)(
      { flightId: "x", passengers: [{ lastName: "Lovelace" }, { lastName: "" }], extra: true },
      { errors: "all", onExcessProperty: "error" },
    )
    if (Either.isRight(result)) throw new Error("expected a parse error")
    const problem = Problem.fromParseError("body", result.left)
    expect(problem.status).toBe(400)
    expect(problem.errors?.map((e) => e.path)).toEqual(["body.extra", "body.flightId", "body.passengers.1.lastName"])
  })

  test("is a typed failure: its tag is Problem and it survives a schema round trip", () => {
    const problem = Problem.notFound("booking-not-found", "No booking b-1")
    expect(problem._tag).toBe("Problem")
    const encoded = Schema.encodeSync(Problem.Problem)(problem)
    expect(Schema.decodeSync(Problem.Problem)(encoded)).toEqual(problem)
  })
})

describe("Problem.excerpt", () => {
  test("short values are echoed whole", () => {
    expect(Problem.excerpt("Lovelace")).toBe("Lovelace")
    expect(Problem.excerpt("x".repeat(40))).toBe("x".repeat(40))
  })

  test("a long value becomes a marked prefix of at most 40 code points, never half of one", () => {
    FastCheck.assert(FastCheck.property(FastCheck.string({ unit: "grapheme", minLength: 41, maxLength: 500 }), (text) => {
      const echoed = Problem.excerpt(text)
      const [prefix = "", mark = ""] = echoed.split("… (")
      expect(text.startsWith(prefix)).toBe(true)
      expect(Array.from(prefix).length).toBeLessThanOrEqual(40)
      expect(prefix).not.toMatch(/[\uD800-\uDBFF]$/)
      expect(mark).toBe(`${text.length} characters)`)
    }))
  })
})
