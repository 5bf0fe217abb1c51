/**
 * The booking API's own choices in its problem table (`BookingProblems`) that no route test reaches:
 * a store that fails, a hold refused for a moment or for less than a second, a request that comes
 * while the first under its Idempotency-Key still runs.
 */
import { describe, expect, test } from "bun:test"
import { RequestInProgress } from "../src/application/BookingCommands.ts"
import { BookingStoreError } from "../src/domain/BookingRepository.ts"
import { HoldLimitReached } from "../src/domain/HoldLimit.ts"
import { problems } from "../src/api/BookingProblems.ts"

describe("BookingProblems", () => {
  test("a store that fails is a 503 with Retry-After 1; one holding what cannot be read is the bare 500", () => {
    const transient = problems.of(new BookingStoreError({ operation: "hold", reason: "connection refused" }))
    expect([transient.status, transient.type, transient.detail, transient.headers]).toEqual([
      503,
      "service-unavailable",
      "The booking store is unavailable",
      { "retry-after": "1" },
    ])
    const unreadable = problems.of(new BookingStoreError({ operation: "read", reason: "stored booking is invalid", transient: false }))
    expect([unreadable.status, unreadable.type]).toEqual([500, "internal-error"])
    // Nothing of the store's reason reaches the client.
    expect(JSON.stringify([transient, unreadable])).not.toContain("connection refused")
    expect(JSON.stringify([transient, unreadable])).not.toContain("stored booking")
  })

  test("a hold over the limit is a 429 too-many-holds whose Retry-After is whole seconds, rounded up, at least 1", () => {
    const retryAfter = (retryAfterMillis: number) =>
      problems.of(new HoldLimitReached({ limit: 9, held: 9, retryAfterMillis })).headers?.["retry-after"]
    expect([0, 1, 999, 1000, 1001, 1500, 900_000].map(retryAfter)).toEqual(["1", "1", "1", "1", "2", "2", "900"])
    const problem = problems.of(new HoldLimitReached({ limit: 9, held: 8, retryAfterMillis: 5000 }))
    expect([problem.status, problem.type, problem.title]).toEqual([429, "too-many-holds", "Too many seats held"])
    expect(problem.detail).toBe(new HoldLimitReached({ limit: 9, held: 8, retryAfterMillis: 5000 }).message)
  })

  test("a request while the first under its Idempotency-Key still runs is a 409 request-in-progress, to retry in a second", () => {
    const problem = problems.of(new RequestInProgress({ key: "k-1" }))
    expect([problem.status, problem.type, problem.headers]).toEqual([409, "request-in-progress", { "retry-after": "1" }])
  })
})
