import { readFileSync } from "node:fs"
import { expect, test } from "bun:test"

/** Running: it exists and is not a zombie (an orphan's zombie waits for a reaper that may never come). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z"
  } catch {
    return true
  }
}

test("a process that crashes leaves none of the children it spawned running", async () => {
  const parent = Bun.spawn(["bun", new URL("./fixtures/crashes-with-a-child.ts", import.meta.url).pathname], {
    stdout: "pipe",
    stderr: "pipe",
  })
  const exitCode = await parent.exited
  expect(exitCode).not.toBe(0)
  const pid = Number((await new Response(parent.stdout).text()).trim())
  expect(pid).toBeGreaterThan(0)
  // SIGKILL is delivered at once; the kernel may take a moment to reap.
  for (let wait = 0; wait < 50 && alive(pid); wait++) await Bun.sleep(20)
  expect(alive(pid)).toBe(false)
}, 20_000)
