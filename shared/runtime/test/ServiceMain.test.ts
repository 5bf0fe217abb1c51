import { describe, expect, test } from "bun:test"

const fixture = new URL("./fixtures/service-main.ts", import.meta.url).pathname

const start = (env: Record<string, string>) =>
  Bun.spawn(["bun", fixture], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  })

const linesOf = async (stream: ReadableStream<Uint8Array>) =>
  (await new Response(stream).text()).split("\n").filter((line) => line.trim() !== "")

/** Reads stdout until `text` appears, then hands back a function reading the rest. */
const waitFor = async (child: ReturnType<typeof start>, text: string) => {
  const reader = child.stdout.getReader()
  const decoder = new TextDecoder()
  let seen = ""
  while (!seen.includes(text)) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`process ended before printing ${text}: ${seen}`)
    seen += decoder.decode(value, { stream: true })
  }
  return async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return seen.split("\n").filter((line) => line.trim() !== "")
      seen += decoder.decode(value, { stream: true })
    }
  }
}

describe("ServiceMain.runMain", () => {
  test("SIGTERM interrupts the program and closes its resources in reverse order, exit code 0", async () => {
    const child = start({ PORT: "4321" })
    const rest = await waitFor(child, "ready")
    child.kill("SIGTERM")
    const code = await child.exited
    const lines = await rest()
    const messages = lines.map((line) => JSON.parse(line) as { message: string; annotations?: { service?: string } })
    expect(messages.map((m) => m.message)).toEqual([
      "store opened",
      "server started on 4321",
      "ready",
      "server stopped",
      "store closed",
    ])
    expect(messages.every((m) => m.annotations?.service === "fixture")).toBe(true)
    expect(code).toBe(0)
  }, 15_000)

  test("a bad variable stops the service with one JSON line naming it, without the secret, exit code 1", async () => {
    const child = start({ PORT: "4321", REDIS_URL: "postgres://admin:hunter2@db" })
    const code = await child.exited
    const output = [...(await linesOf(child.stdout)), ...(await linesOf(child.stderr))]
    expect(code).toBe(1)
    expect(output).toHaveLength(1)
    const entry = JSON.parse(output[0]!) as { level: string; message: string }
    expect(entry.level).toBe("error")
    expect(entry.message).toContain("REDIS_URL")
    expect(output[0]).not.toContain("hunter2")
  }, 15_000)

  test("a bad LOG_LEVEL is reported the same way", async () => {
    const child = start({ LOG_LEVEL: "loud" })
    expect(await child.exited).toBe(1)
    const output = await linesOf(child.stdout)
    expect(output).toHaveLength(1)
    expect(output[0]).toContain("LOG_LEVEL")
  }, 15_000)

  test("a defect is logged with its cause and gives exit code 1", async () => {
    const child = start({ FAIL: "1" })
    expect(await child.exited).toBe(1)
    const output = (await linesOf(child.stdout)).map((line) => JSON.parse(line) as { message: string; cause?: string })
    const last = output[output.length - 1]!
    expect(last.message).toBe("Service stopped")
    expect(last.cause).toContain("startup went wrong")
    expect(output.map((o) => o.message)).toContain("store closed")
  }, 15_000)
})
