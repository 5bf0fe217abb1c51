import { describe, expect, test } from "bun:test"
import { freePort, logLines, spawn, waitForStatus } from "./support/Process.ts"
import { describeWith } from "./support/RealServer.ts"

const main = new URL("../src/main.ts", import.meta.url).pathname

describe("notification run alone (bun src/main.ts)", () => {
  test("starts on PORT with in-memory adapters, says so once, is ready, and stops cleanly on SIGTERM", async () => {
    const port = freePort()
    const child = spawn(["bun", main], { PORT: String(port) })
    await child.waitFor((line) => line.includes("Listening on"))
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
    child.process.kill("SIGTERM")
    expect(await child.process.exited).toBe(0)
    const logs = logLines(child.lines())
    const adapters = logs.filter((line) => line.message.startsWith("Starting notification"))
    expect(adapters).toHaveLength(1)
    expect(adapters[0]!.annotations).toMatchObject({ store: "in-memory", bus: "in-process", service: "notification" })
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
    const child = spawn(["bun", main], { PORT: "99999", RABBITMQ_URL: "http://admin:s3cret@broker" })
    expect(await child.process.exited).toBe(1)
    const lines = child.lines()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("PORT")
    expect(lines[0]).toContain("RABBITMQ_URL")
    expect(lines[0]).not.toContain("s3cret")
  }, 30_000)

  test("APP_ENV=production without RABBITMQ_URL refuses to start, naming it", async () => {
    const child = spawn(["bun", main], { APP_ENV: "production", PORT: String(freePort()) })
    expect(await child.process.exited).toBe(1)
    const [line] = logLines(child.lines())
    expect(line?.message).toContain("RABBITMQ_URL")
    expect(line?.message).toContain("APP_ENV=production")
  }, 30_000)
})

describeWith("RABBITMQ_URL", "notification run alone on RabbitMQ", (rabbitmqUrl) => {
  test("uses RabbitMQ when RABBITMQ_URL is set, is ready, and logs it without credentials", async () => {
    const port = freePort()
    const child = spawn(["bun", main], { PORT: String(port), RABBITMQ_URL: rabbitmqUrl })
    await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
    child.process.kill("SIGTERM")
    expect(await child.process.exited).toBe(0)
    const [adapters] = logLines(child.lines()).filter((line) => line.message.startsWith("Starting notification"))
    expect(adapters?.message).toContain("message bus: RabbitMQ ")
    const password = new URL(rabbitmqUrl).password
    if (password !== "") expect(child.lines().join("\n")).not.toContain(password)
  }, 30_000)
})
