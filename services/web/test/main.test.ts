/** The web service run alone (`bun src/main.ts`) as an operator runs it: starts, serves, stops on SIGTERM, refuses bad configuration. */
import { ChildProcess } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"

const main = new URL("../src/main.ts", import.meta.url).pathname

describe("web run alone (bun src/main.ts)", () => {
  test("starts with sessions in memory, serves its pages, and stops on SIGTERM with exit code 0", async () => {
    const port = ChildProcess.freePort()
    const child = ChildProcess.spawn(["bun", main], { PORT: String(port), WEB_API_URL: `http://127.0.0.1:${ChildProcess.freePort()}` })
    try {
      await child.waitFor((line) => line.includes("Listening on"))
      await ChildProcess.waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
      const page = await fetch(`http://127.0.0.1:${port}/manage`)
      expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=UTF-8"])
      const logs = ChildProcess.logLines(child.lines())
      expect(logs.find((line) => line.message.startsWith("Starting web"))?.annotations).toMatchObject({ store: "in-memory" })
      child.process.kill("SIGTERM")
      expect(await child.process.exited).toBe(0)
      const after = ChildProcess.logLines(child.lines())
      expect(after[after.length - 1]!.message).toBe("Stopped")
    } finally {
      if (child.process.exitCode === null) child.process.kill("SIGKILL")
    }
  }, 30_000)

  test("a bad value stops the start with one line naming the variable", async () => {
    const child = ChildProcess.spawn(["bun", main], { PORT: String(ChildProcess.freePort()), WEB_API_URL: "nope", WEB_SESSION_TTL: "never" })
    expect(await child.process.exited).toBe(1)
    const lines = child.lines()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("WEB_API_URL")
    expect(lines[0]).toContain("WEB_SESSION_TTL")
  }, 30_000)

  test("an unreachable REDIS_URL stops the start naming the store, never its password", async () => {
    const child = ChildProcess.spawn(["bun", main], { PORT: String(ChildProcess.freePort()), REDIS_URL: `redis://:hunter2@127.0.0.1:${ChildProcess.freePort()}` })
    expect(await child.process.exited).toBe(1)
    const text = child.lines().join("\n")
    expect(text).toContain("redis")
    expect(text).not.toContain("hunter2")
  }, 30_000)
})
