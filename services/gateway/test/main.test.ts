/** The gateway run alone (`bun src/main.ts`) as an operator runs it: it starts, routes, stops on SIGTERM, and refuses a bad configuration. */
import { ChildProcess, RunAlone } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"

const main = new URL("../src/main.ts", import.meta.url).pathname

describe("gateway run alone (bun src/main.ts)", () => {
  test("starts in memory, routes to its upstream, and stops on SIGTERM with exit code 0", async () => {
    const upstream = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => Response.json({ path: new URL(request.url).pathname }) })
    const port = ChildProcess.freePort()
    const child = ChildProcess.spawn(["bun", main], { PORT: String(port), GATEWAY_UPSTREAM_FLIGHT: `http://127.0.0.1:${upstream.port}` })
    try {
      await RunAlone.ready(child, `http://127.0.0.1:${port}`)
      const response = await fetch(`http://127.0.0.1:${port}/api/flights/abc`)
      expect(await response.json()).toEqual({ path: "/api/flights/abc" })
      const logs = ChildProcess.logLines(child.lines())
      expect(logs.find((line) => line.message.startsWith("Starting gateway"))?.annotations).toMatchObject({ store: "in-memory" })
      expect(logs.filter((line) => line.message.startsWith("Routing to")).length).toBe(6)
      await RunAlone.expectStopsCleanly(child)
    } finally {
      RunAlone.killIfRunning(child)
      await upstream.stop(true)
    }
  }, 30_000)

  test("a bad value stops the start with one line naming the variable", async () => {
    const child = ChildProcess.spawn(["bun", main], { PORT: String(ChildProcess.freePort()), GATEWAY_RATE_LIMIT_IP: "lots", GATEWAY_UPSTREAM_BOOKING: "nope" })
    await RunAlone.expectRefused(child, { naming: ["GATEWAY_RATE_LIMIT_IP", "GATEWAY_UPSTREAM_BOOKING"] })
  }, 30_000)

  RunAlone.refusesUnreachableRedis(main)
})
