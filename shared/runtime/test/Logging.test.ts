import { afterEach, describe, expect, spyOn, test } from "bun:test"
import { Cause, Effect, LogLevel, Redacted } from "effect"
import { Logging } from "../src/index.ts"

const captureStdout = () => {
  const lines: Array<string> = []
  const spy = spyOn(console, "log").mockImplementation((...args: Array<unknown>) => {
    lines.push(args.map(String).join(" "))
  })
  return { lines, restore: () => spy.mockRestore() }
}

let restore = () => {}
afterEach(() => restore())

const run = (level: LogLevel.LogLevel, program: Effect.Effect<unknown>) => {
  const stdout = captureStdout()
  restore = stdout.restore
  Effect.runSync(program.pipe(Effect.provide(Logging.layer({ level }))))
  stdout.restore()
  return stdout.lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}

describe("Logging", () => {
  test("writes one JSON object per line with level, message, fiber, annotations and spans", () => {
    const [entry, ...rest] = run(
      LogLevel.Info,
      Effect.logInfo("booking created").pipe(Effect.annotateLogs("bookingId", "b-1"), Effect.withLogSpan("create")),
    )
    expect(rest).toHaveLength(0)
    expect(entry).toMatchObject({ level: "info", message: "booking created", annotations: { bookingId: "b-1" } })
    expect(typeof entry!.timestamp).toBe("string")
    expect(typeof entry!.fiberId).toBe("string")
    expect(Object.keys(entry!.spans as object)).toEqual(["create"])
  })

  test("carries the trace and span ids of the current span", () => {
    let ids: { traceId: string; spanId: string } | undefined
    const [entry] = run(
      LogLevel.Info,
      Effect.gen(function*() {
        const span = yield* Effect.currentSpan
        ids = { traceId: span.traceId, spanId: span.spanId }
        yield* Effect.logInfo("inside")
      }).pipe(Effect.withSpan("work"), Effect.orDie),
    )
    expect(entry).toMatchObject(ids!)
  })

  test("has no trace ids outside a span", () => {
    const [entry] = run(LogLevel.Info, Effect.logInfo("outside"))
    expect(entry).not.toHaveProperty("traceId")
  })

  test("drops entries below the minimum level", () => {
    const entries = run(LogLevel.Warning, Effect.all([Effect.logInfo("quiet"), Effect.logWarning("loud")]))
    expect(entries.map((e) => e.message)).toEqual(["loud"])
    expect(entries[0]!.level).toBe("warning")
  })

  test("prints Redacted values as <redacted>, in messages and annotations", () => {
    const secret = Redacted.make("s3cret")
    const lines = run(
      LogLevel.Info,
      Effect.logInfo("connecting", { url: secret }).pipe(Effect.annotateLogs("password", secret)),
    )
    const text = JSON.stringify(lines)
    expect(text).not.toContain("s3cret")
    expect(text).toContain("<redacted>")
  })

  test("renders a failure's cause", () => {
    const [entry] = run(LogLevel.Info, Effect.logError("failed", Cause.die(new Error("boom"))))
    expect(entry!.level).toBe("error")
    expect(entry!.message).toBe("failed")
    expect(entry!.cause).toContain("boom")
  })
})
