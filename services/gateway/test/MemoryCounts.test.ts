/** The memory counts: fixed windows per key, opened by the key's first request, as RateLimiterMemory counts. */
import { describe, expect, test } from "bun:test"
import * as MemoryCounts from "../src/infrastructure/MemoryCounts.ts"

describe("MemoryCounts", () => {
  test("a key's window opens at its first request and counts every request until it ends; keys are counted apart", () => {
    const counts = MemoryCounts.make(60_000)
    const first = counts.count("203.0.113.9")
    expect(first).toEqual({ consumed: 1, msBeforeNext: 60_000 })
    const second = counts.count("203.0.113.9")
    expect(second.consumed).toBe(2)
    expect(second.msBeforeNext).toBeGreaterThan(59_000)
    expect(second.msBeforeNext).toBeLessThanOrEqual(60_000)
    expect(counts.count("198.51.100.7").consumed).toBe(1)
  })

  test("after the window a key starts again from one", async () => {
    const counts = MemoryCounts.make(30)
    counts.count("key")
    counts.count("key")
    await Bun.sleep(40)
    expect(counts.count("key")).toEqual({ consumed: 1, msBeforeNext: 30 })
  })
})
