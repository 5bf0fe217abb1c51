/**
 * `<executable> healthcheck`'s check: live only on a 200 from /health/live within the deadline, and
 * the port read as the service reads it.
 */
import { describe, expect, test } from "bun:test"
import { ConfigProvider, type Duration, Effect, Either } from "effect"
import * as Executable from "../src/Executable.ts"

/** A server answering /health/live with `status`, after `delay` ms. */
const serving = (status: number, delay = 0) =>
  Bun.serve({
    port: 0,
    fetch: async (request) => {
      await Bun.sleep(delay)
      return new URL(request.url).pathname === Executable.livePath ? new Response("{}", { status }) : new Response(null, { status: 404 })
    },
  })

const check = (url: URL, timeout?: Duration.DurationInput) => Effect.runPromise(Effect.either(Executable.checkLive(url, timeout)))

const withPort = (port: string | undefined) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(port === undefined ? [] : [["PORT", port]])))

describe("Executable health check", () => {
  test("a 200 from /health/live is live", async () => {
    const server = serving(200)
    try {
      expect(Either.isRight(await check(new URL(Executable.livePath, server.url)))).toBe(true)
    } finally {
      void server.stop(true)
    }
  })

  test("any other status is not live, and says which", async () => {
    const server = serving(503)
    try {
      const result = await check(new URL(Executable.livePath, server.url))
      expect(Either.isLeft(result) && result.left.message).toBe(`${new URL(Executable.livePath, server.url).href} is not live: status 503`)
    } finally {
      void server.stop(true)
    }
  })

  test("no answer within the deadline is not live", async () => {
    const server = serving(200, 2_000)
    try {
      const result = await check(new URL(Executable.livePath, server.url), "100 millis")
      expect(Either.isLeft(result) && result.left.reason).toBe("no answer in 100ms")
    } finally {
      void server.stop(true)
    }
  })

  test("the URL is loopback on PORT, or on the service's default port", async () => {
    const url = (port: string | undefined) => Effect.runPromise(Executable.localLiveUrl(3001).pipe(withPort(port)))
    expect((await url("8080")).href).toBe("http://127.0.0.1:8080/health/live")
    expect((await url(undefined)).href).toBe("http://127.0.0.1:3001/health/live")
  })

  test("a wrong PORT is exit code 1 naming the variable, before anything is asked", async () => {
    const result = await Effect.runPromise(Effect.either(Executable.localLiveUrl(3001).pipe(withPort("http"))))
    expect(Either.isLeft(result) && result.left.issues.map((issue) => issue.variable)).toEqual(["PORT"])
    expect(await Effect.runPromise(Executable.exitCodeOfCheck(3001).pipe(withPort("http")))).toBe(1)
  })
})
