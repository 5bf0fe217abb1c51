/**
 * A forwarded request's body, read whole before it goes on (`RequestBody`): what arrives in time and
 * within the limit is the body, whether its length was declared or it came in chunks; one that does
 * not arrive in time is the client's 408, one over the limit a 413.
 */
import { describe, expect, test } from "bun:test"
import { Duration, Either } from "effect"
import * as RequestBody from "../src/api/RequestBody.ts"

const encoder = new TextEncoder()

/** A body sent in chunks, `parts` one after another `gapMillis` apart; it ends after the last unless `open`. */
const chunked = (parts: ReadonlyArray<string>, gapMillis: number, open = false) =>
  new ReadableStream<Uint8Array>({
    start: async (controller) => {
      for (const [index, part] of parts.entries()) {
        if (index > 0) await Bun.sleep(gapMillis)
        controller.enqueue(encoder.encode(part))
      }
      if (!open) controller.close()
    },
  })

const post = (body: string | ReadableStream<Uint8Array> | null, headers: Record<string, string> = {}) =>
  new Request("http://gateway.example/api/payments", { method: "POST", body, headers: { "content-type": "application/json", ...headers } })

const statusOf = (read: Either.Either<Uint8Array | null, { readonly status: number }>) => Either.match(read, { onLeft: (problem) => problem.status, onRight: () => 200 })

describe("RequestBody.read", () => {
  test("a body that arrives, declared or in chunks: the whole of it", async () => {
    const json = JSON.stringify({ bookingId: "x", method: { type: "card", token: "tok_visa" } })
    const declared = await RequestBody.read(post(json), Duration.seconds(5), 1024)
    expect(Either.map(declared, (bytes) => new TextDecoder().decode(bytes!))).toEqual(Either.right(json))
    const inChunks = await RequestBody.read(post(chunked([json.slice(0, 10), json.slice(10)], 20)), Duration.seconds(5), 1024)
    expect(Either.map(inChunks, (bytes) => new TextDecoder().decode(bytes!))).toEqual(Either.right(json))
    expect(await RequestBody.read(new Request("http://gateway.example/api/flights"), Duration.seconds(5), 1024)).toEqual(Either.right(null))
  })

  test("a body that stops coming is a 408 after the route's timeout, named request-timeout", async () => {
    const startedAt = performance.now()
    const read = await RequestBody.read(post(chunked([`{"bookingId":`], 0, true)), Duration.millis(150), 1024)
    expect(performance.now() - startedAt).toBeLessThan(1_000)
    expect(Either.isLeft(read) && [read.left.status, read.left.type]).toEqual([408, "request-timeout"])
  })

  test("chunks that trickle past the timeout are a 408 too, not waited for (each chunk in time, the whole late)", async () => {
    const parts = Array.from({ length: 10 }, () => " ")
    expect(statusOf(await RequestBody.read(post(chunked(parts, 60)), Duration.millis(200), 1024))).toBe(408)
  })

  test("chunks past the limit are a 413, counted as they come", async () => {
    expect(statusOf(await RequestBody.read(post(chunked(["x".repeat(600), "x".repeat(600)], 0)), Duration.seconds(5), 1024))).toBe(413)
    expect(statusOf(await RequestBody.read(post(chunked(["x".repeat(600), "x".repeat(424)], 0)), Duration.seconds(5), 1024))).toBe(200)
  })

  test("a declared length over the limit is refused before the body is read; chunks declare nothing", () => {
    expect(RequestBody.declaredTooLarge(post("x", { "content-length": "1025" }), 1024)).toBe(true)
    expect(RequestBody.declaredTooLarge(post("x", { "content-length": "1024" }), 1024)).toBe(false)
    expect(RequestBody.declaredTooLarge(post(chunked(["x"], 0), { "transfer-encoding": "chunked", "content-length": "5000" }), 1024)).toBe(false)
  })
})
