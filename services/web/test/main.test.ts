/** The web service run alone (`bun src/main.ts`) as an operator runs it: starts, serves, stops on SIGTERM, refuses bad configuration. */
import { ChildProcess, RunAlone } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"

const main = new URL("../src/main.ts", import.meta.url).pathname

describe("web run alone (bun src/main.ts)", () => {
  test("starts with sessions in memory, serves its pages, and stops on SIGTERM with exit code 0", async () => {
    const port = ChildProcess.freePort()
    const child = ChildProcess.spawn(["bun", main], { PORT: String(port), WEB_API_URL: `http://127.0.0.1:${ChildProcess.freePort()}` })
    try {
      await RunAlone.ready(child, `http://127.0.0.1:${port}`)
      const page = await fetch(`http://127.0.0.1:${port}/manage`)
      expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=UTF-8"])
      const logs = ChildProcess.logLines(child.lines())
      expect(logs.find((line) => line.message.startsWith("Starting web"))?.annotations).toMatchObject({ store: "in-memory" })
      await RunAlone.expectStopsCleanly(child)
    } finally {
      RunAlone.killIfRunning(child)
    }
  }, 30_000)

  test("a bad value stops the start with one line naming the variable", async () => {
    const child = ChildProcess.spawn(["bun", main], { PORT: String(ChildProcess.freePort()), WEB_API_URL: "nope", WEB_SESSION_TTL: "never" })
    await RunAlone.expectRefused(child, { naming: ["WEB_API_URL", "WEB_SESSION_TTL"] })
  }, 30_000)

  RunAlone.refusesUnreachableRedis(main)
})
