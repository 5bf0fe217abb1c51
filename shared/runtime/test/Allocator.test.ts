import { describe, expect, test } from "bun:test"
import { Allocator } from "@flight/runtime"
import { ChildProcess } from "@flight/runtime/testing"

/**
 * The purge delay Bun's allocator took in a child started as the harness starts services, as the
 * allocator prints its settings when MIMALLOC_VERBOSE is set; this run's own setting put aside
 * meanwhile (`inherited`), so that the child's value is the harness's and not this environment's.
 */
const purgeDelayOf = async (env: Record<string, string>, inherited?: string) => {
  const own = process.env[Allocator.variable]
  if (inherited === undefined) delete process.env[Allocator.variable]
  else process.env[Allocator.variable] = inherited
  try {
    const child = ChildProcess.spawn([process.execPath, "-e", "0"], { MIMALLOC_VERBOSE: "1", ...env })
    expect(await child.process.exited).toBe(0)
    await child.waitFor(() => false, 10_000).catch(() => undefined)
    const line = child.lines().find((each) => each.includes("option 'purge_delay'"))
    return line?.match(/option 'purge_delay': (-?\d+)/)?.[1]
  } finally {
    if (own === undefined) delete process.env[Allocator.variable]
    else process.env[Allocator.variable] = own
  }
}

describe("Allocator", () => {
  test("keeps freed memory unless the environment already says how long to wait; an empty value is unset", () => {
    expect(Allocator.environment({})).toEqual({ MIMALLOC_PURGE_DELAY: "-1" })
    expect(Allocator.environment({ MIMALLOC_PURGE_DELAY: "" })).toEqual({ MIMALLOC_PURGE_DELAY: "-1" })
    expect(Allocator.environment({ MIMALLOC_PURGE_DELAY: "250" })).toEqual({ MIMALLOC_PURGE_DELAY: "250" })
  })

  test("a process started as the services are runs with Bun's allocator keeping what it frees", async () => {
    // Read back from the allocator itself: a Bun whose allocator no longer reads the variable fails here.
    expect(await purgeDelayOf({})).toBe(Allocator.keep)
  }, 30_000)

  test("a delay set where the harness runs, or given to the process, wins", async () => {
    expect(await purgeDelayOf({}, "250")).toBe("250")
    expect(await purgeDelayOf({ MIMALLOC_PURGE_DELAY: "300" }, "250")).toBe("300")
  }, 30_000)
})
