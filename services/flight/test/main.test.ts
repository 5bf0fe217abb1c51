import { describe, expect, test } from "bun:test"
import { freePort, logLines, spawn, waitForStatus } from "./support/Process.ts"
import { describeWith } from "./support/RealServer.ts"

const main = new URL("../src/main.ts", import.meta.url).pathname

describe("flight run alone (bun src/main.ts)", () => {
  test("starts on PORT with in-memory adapters, says so once, is ready, and stops cleanly on SIGTERM", async () => {
    const port = freePort()
    const child = spawn(["bun", main], { PORT: String(port) })
    await child.waitFor((line) => line.includes("Listening on"))
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
    child.process.kill("SIGTERM")
    expect(await child.process.exited).toBe(0)
    const logs = logLines(child.lines())
    const adapters = logs.filter((line) => line.message.startsWith("Starting flight"))
    expect(adapters).toHaveLength(1)
    expect(adapters[0]!.annotations).toMatchObject({ store: "in-memory", bus: "in-process", service: "flight" })
    expect(logs[logs.length - 1]!.message).toBe("Stopped")
  }, 30_000)

  test("SIGINT stops it cleanly too", async () => {
    const port = freePort()
    const child = spawn(["bun", main], { PORT: String(port) })
    await child.waitFor((line) => line.includes("Listening on"))
    child.process.kill("SIGINT")
    expect(await child.process.exited).toBe(0)
  }, 30_000)

  test("a bad variable stops it at start with one line naming it, without the secret", async () => {
    const child = spawn(["bun", main], { PORT: "99999", MONGODB_URL: "http://admin:s3cret@db" })
    expect(await child.process.exited).toBe(1)
    const lines = child.lines()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("PORT")
    expect(lines[0]).toContain("MONGODB_URL")
    expect(lines[0]).not.toContain("s3cret")
  }, 30_000)

  test("APP_ENV=production without MONGODB_URL and RABBITMQ_URL refuses to start, naming both", async () => {
    const child = spawn(["bun", main], { APP_ENV: "production", PORT: String(freePort()) })
    expect(await child.process.exited).toBe(1)
    const [line] = logLines(child.lines())
    expect(line?.message).toContain("MONGODB_URL")
    expect(line?.message).toContain("RABBITMQ_URL")
    expect(line?.message).toContain("APP_ENV=production")
  }, 30_000)
})

describeWith("MONGODB_URL", "flight run alone on MongoDB", (storeUrl) => {
  test("uses MongoDB when MONGODB_URL is set and logs it without credentials", async () => {
    const port = freePort()
    const child = spawn(["bun", main], { PORT: String(port), MONGODB_URL: storeUrl })
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
    child.process.kill("SIGTERM")
    expect(await child.process.exited).toBe(0)
    const [adapters] = logLines(child.lines()).filter((line) => line.message.startsWith("Starting flight"))
    expect(adapters?.message).toContain("store: MongoDB ")
    const password = new URL(storeUrl).password
    if (password !== "") expect(child.lines().join("\n")).not.toContain(password)
  }, 30_000)
})
