/** A forwarded request's deadline: shared within a slice, never sooner than the timeout, at most a slice later. */
import { describe, expect, test } from "bun:test"
import * as UpstreamDeadline from "../src/api/UpstreamDeadline.ts"

const { sliceMillis } = UpstreamDeadline

/** When `signal` aborts (now, if it already has), in `performance.now()` milliseconds. */
const abortedAt = (signal: AbortSignal) =>
  new Promise<{ readonly at: number; readonly reason: unknown }>((resolve) => {
    const aborted = () => resolve({ at: performance.now(), reason: signal.reason })
    if (signal.aborted) aborted()
    else signal.addEventListener("abort", aborted, { once: true })
  })

describe("UpstreamDeadline", () => {
  test("requests sent with one timeout in the same slice share a signal; the next slice and another timeout have their own", () => {
    let now = 10 * sliceMillis
    const deadline = UpstreamDeadline.make(() => now)
    const first = deadline(5_000)
    now += sliceMillis - 1
    expect(deadline(5_000)).toBe(first)
    const otherTimeout = deadline(15_000)
    expect(otherTimeout).not.toBe(first)
    now += 1
    const next = deadline(5_000)
    expect(next).not.toBe(first)
    expect(deadline(15_000)).not.toBe(otherTimeout)
    expect(deadline(5_000)).toBe(next)
  })

  test("each request is ended no sooner than its timeout, and at most a slice after it, as a TimeoutError", async () => {
    const timeout = 40
    const deadline = UpstreamDeadline.make()
    // Two requests half a slice apart: mostly in one slice, sharing a signal made by the first.
    const sent = async (delay: number) => {
      await Bun.sleep(delay)
      const startedAt = performance.now()
      const ended = await abortedAt(deadline(timeout))
      return { ...ended, startedAt }
    }
    for (const { at, reason, startedAt } of await Promise.all([sent(0), sent(sliceMillis / 2)])) {
      expect(at - startedAt).toBeGreaterThanOrEqual(timeout - 1)
      // The timer's own lateness on a busy machine aside, a slice after the timeout at most.
      expect(at - startedAt).toBeLessThan(timeout + sliceMillis + 500)
      expect((reason as Error).name).toBe("TimeoutError")
    }
  })
})
