import { describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { Tracing } from "../src/index.ts"

const withEnv = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const tracedWork = Effect.gen(function*() {
  const span = yield* Effect.orDie(Effect.currentSpan)
  return { traceId: span.traceId, spanId: span.spanId }
}).pipe(Effect.withSpan("booking.create"))

describe("Tracing.layer", () => {
  test("without OTEL_EXPORTER_OTLP_ENDPOINT spans still have trace ids", async () => {
    const ids = await Effect.runPromise(
      tracedWork.pipe(Effect.provide(Tracing.layer("booking")), Effect.provide(withEnv({}))),
    )
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(ids.spanId).toMatch(/^[0-9a-f]{16}$/)
  })

  test("with OTEL_EXPORTER_OTLP_ENDPOINT spans are exported over OTLP/HTTP to /v1/traces", async () => {
    const received: Array<{ path: string; body: string }> = []
    const collector = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        received.push({ path: new URL(request.url).pathname, body: await request.text() })
        return new Response("{}", { headers: { "content-type": "application/json" } })
      },
    })
    try {
      const ids = await Effect.runPromise(
        tracedWork.pipe(
          Effect.provide(Tracing.layer("booking")),
          Effect.provide(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}/` })),
        ),
      )
      // Closing the layer flushes the batch processor.
      expect(received.map((r) => r.path)).toEqual(["/v1/traces"])
      expect(received[0]!.body).toContain("booking.create")
      expect(received[0]!.body).toContain(ids.traceId)
      expect(received[0]!.body).toContain("booking")
    } finally {
      await collector.stop(true)
    }
  })

  test("a malformed endpoint stops the start naming the variable", async () => {
    const exit = await Effect.runPromiseExit(
      tracedWork.pipe(
        Effect.provide(Tracing.layer("booking")),
        Effect.provide(withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })),
      ),
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(String(Exit.isFailure(exit) && exit.cause)).toContain("OTEL_EXPORTER_OTLP_ENDPOINT")
  })
})
