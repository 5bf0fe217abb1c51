import { describe, expect, test } from "bun:test"
import { Allocator } from "@flight/runtime"
import { ChildProcess } from "@flight/runtime/testing"

/** The purge delay Bun's allocator took, as it prints its settings when MIMALLOC_VERBOSE is set. */
const purgeDelayOf = async (env: Record<string, string>) => {
  const child = ChildProcess.spawn(["bun", "-e", "0"], { MIMALLOC_VERBOSE: "1", ...env })
  expect(await child.process.exited).toBe(0)
  await child.waitFor(() => false, 10_000).catch(() => undefined)
  const line = child.lines().find((each) => each.includes("option 'purge_delay'"))
  return line?.match(/option 'purge_delay': (-?\d+)/)?.[1]
}

describe("Allocator", () => {
  test("keeps freed memory unless the environment already says how long to wait", () => {
    expect(Allocator.environment({})).toEqual({ MIMALLOC_PURGE_DELAY: "-1" })
    expect(Allocator.environment({ MIMALLOC_PURGE_DELAY: "250" })).toEqual({ MIMALLOC_PURGE_DELAY: "250" })
  })

  test("a process started as the services are runs with Bun's allocator keeping what it frees", async () => {
    // Read back from the allocator itself: a Bun whose allocator no longer reads the variable fails
    // here. `keep`, unless this run was itself given a delay.
    expect(await purgeDelayOf({})).toBe(Allocator.environment()[Allocator.variable])
  }, 30_000)

  test("a delay given to the process wins", async () => {
    expect(await purgeDelayOf({ MIMALLOC_PURGE_DELAY: "250" })).toBe("250")
  }, 30_000)
})
