import { describe, expect, test } from "bun:test"
import { FastCheck } from "effect"
import { JsonNesting } from "../src/index.ts"

/** The depth of a parsed JSON value, counted as the scan counts it (a scalar is 0). */
const depthOf = (value: unknown): number =>
  value === null || typeof value !== "object"
    ? 0
    : 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))

describe("JSON nesting", () => {
  test("the scan agrees with the depth of any JSON value, whatever its strings hold", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.jsonValue({ maxDepth: 8 }), FastCheck.integer({ min: 0, max: 9 }), (value, limit) => {
        expect(JsonNesting.exceeds(JSON.stringify(value), limit)).toBe(depthOf(value) > limit)
      }),
    )
  })

  test("brackets and escaped quotes inside strings do not count", () => {
    expect(JsonNesting.exceeds(JSON.stringify({ a: "[[[[{{{{\"[[[[\\" }), 1)).toBe(false)
    expect(JsonNesting.exceeds(JSON.stringify(["\\", ["x"]]), 1)).toBe(true)
  })

  test("a document ten thousand levels deep is found without using the stack", () => {
    expect(JsonNesting.exceeds("[".repeat(10_000) + "]".repeat(10_000))).toBe(true)
    expect(JsonNesting.exceeds("{\"a\":".repeat(7_200) + "1" + "}".repeat(7_200))).toBe(true)
  })

  test("the cap is well above what a contract nests: 32 levels pass, 33 do not", () => {
    expect(JsonNesting.exceeds("[".repeat(32) + "]".repeat(32))).toBe(false)
    expect(JsonNesting.exceeds("[".repeat(33) + "]".repeat(33))).toBe(true)
  })
})
