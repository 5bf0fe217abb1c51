/**
 * `scripts/start.ts`, which starts the four services together. It lives with the booking tests
 * because the test runs cover `services/`; it checks all four services.
 */
import { describe, expect, test } from "bun:test"
import { ChildProcess, RealServer } from "@flight/runtime/testing"

const root = new URL("../", import.meta.url).pathname
const script = new URL("./start.ts", import.meta.url).pathname
const services = { booking: 3001, flight: 3002, payment: 3003, notification: 3004 } as const

const allReady = () =>
  Promise.all(Object.values(services).map((port) => ChildProcess.waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, 30_000)))

const nothingListens = async () => {
  for (const port of Object.values(services)) {
    const answer = await fetch(`http://127.0.0.1:${port}/health/live`).then(() => "answered", () => "refused")
    expect(`${port} ${answer}`).toBe(`${port} refused`)
  }
}

/** Stops a start script left running by a failed test, so the next one finds its ports free. */
const cleanUp = async (child: ChildProcess.Child) => {
  if (child.process.exitCode === null) {
    child.process.kill("SIGTERM")
    await child.process.exited
  }
}

describe("start (embedded)", () => {
  test("runs the four services in one process, ready on 3001-3004, and exits 0 on SIGINT", async () => {
    // A store URL is ignored in the embedded mode: this one would refuse every connection.
    const child = ChildProcess.spawn(["bun", script], { REDIS_URL: "redis://127.0.0.1:1" }, root)
    try {
      await allReady()
      child.process.kill("SIGINT")
      expect(await child.process.exited).toBe(0)
      const logs = ChildProcess.logLines(child.lines())
      for (const [name, port] of Object.entries(services)) {
        const line = logs.find((entry) => entry.message.startsWith(`${name} listening on`))
        expect(line?.message).toBe(
          `${name} listening on http://localhost:${port}/ (store: in-memory, message bus: in-process)`,
        )
      }
      expect(logs.some((entry) => entry.level === "warning" && entry.message.includes("REDIS_URL"))).toBe(true)
      await nothingListens()
    } finally {
      await cleanUp(child)
    }
  }, 60_000)

  test("refuses APP_ENV=production, naming APP_ENV", async () => {
    const child = ChildProcess.spawn(["bun", script], { APP_ENV: "production" }, root)
    expect(await child.process.exited).toBe(1)
    const [line] = ChildProcess.logLines(child.lines())
    expect(line?.message).toContain("APP_ENV")
    expect(line?.message).toContain("APP_MODE=infra")
  }, 30_000)

  test("a bad APP_MODE fails naming APP_MODE", async () => {
    const child = ChildProcess.spawn(["bun", script], { APP_MODE: "cluster" }, root)
    expect(await child.process.exited).toBe(1)
    expect(child.lines().join("\n")).toContain("APP_MODE")
  }, 30_000)
})

describe("start (infra)", () => {
  test("refuses to start without every server's URL, naming each missing one", async () => {
    const child = ChildProcess.spawn(["bun", script], { APP_MODE: "infra", REDIS_URL: "redis://127.0.0.1:6379" }, root)
    expect(await child.process.exited).toBe(1)
    const [line] = ChildProcess.logLines(child.lines())
    for (const variable of ["MONGODB_URL", "DATABASE_URL", "RABBITMQ_URL"]) expect(line?.message).toContain(variable)
    expect(line?.message).not.toContain("REDIS_URL")
  }, 30_000)

  const servers = ["REDIS_URL", "MONGODB_URL", "DATABASE_URL", "RABBITMQ_URL"].map((name) => [name, RealServer.url(name)] as const)
  const missing = servers.filter(([, value]) => value === undefined).map(([name]) => name)
  const env = Object.fromEntries(servers.filter(([, value]) => value !== undefined)) as Record<string, string>
  const withServers = missing.length === 0 ? test : test.skip
  const note = missing.length === 0 ? "" : ` (set ${missing.join(", ")} to run)`

  withServers(`runs each service as a child on the real servers, prefixes their output, and exits 0 on SIGINT${note}`, async () => {
    const child = ChildProcess.spawn(["bun", script], { ...env, APP_MODE: "infra" }, root)
    try {
      await allReady()
      child.process.kill("SIGINT")
      expect(await child.process.exited).toBe(0)
      const lines = child.lines()
      expect(lines.some((line) => /^booking +\| .*store: Redis /.test(line))).toBe(true)
      expect(lines.some((line) => /^flight +\| .*store: MongoDB /.test(line))).toBe(true)
      expect(lines.some((line) => /^payment +\| .*store: PostgreSQL /.test(line))).toBe(true)
      expect(lines.some((line) => /^notification \| .*message bus: RabbitMQ /.test(line))).toBe(true)
      for (const name of Object.keys(services)) {
        expect(lines.some((line) => new RegExp(`^${name} +\\| .*"message":"Stopped"`).test(line))).toBe(true)
      }
      await nothingListens()
    } finally {
      await cleanUp(child)
    }
  }, 90_000)

  withServers(`stops the others and exits non-zero when a child dies${note}`, async () => {
    const child = ChildProcess.spawn(["bun", script], { ...env, APP_MODE: "infra" }, root)
    try {
      await allReady()
      const started = ChildProcess.logLines(child.lines()).find((line) => line.message.startsWith("Started flight"))
      const pid = Number(started?.annotations?.["pid"])
      expect(pid).toBeGreaterThan(0)
      process.kill(pid, "SIGKILL")
      expect(await child.process.exited).toBe(1)
      expect(child.lines().join("\n")).toContain("flight was killed by SIGKILL")
      await nothingListens()
    } finally {
      await cleanUp(child)
    }
  }, 90_000)
})
