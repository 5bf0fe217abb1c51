/** A client that goes away mid-request: the gateway's request to the service is aborted with it. */
import { TestIssuer } from "@flight/auth/testing"
import { beforeAll, describe, test } from "bun:test"
import { Duration, Effect } from "effect"
import { config, echoes, lifetime, start, urlsOf } from "./support/Gateway.ts"

const hold = lifetime()

describe("a client that goes away", () => {
  let base: string
  let upstreamAborted: Promise<void>
  let received: Promise<void>

  beforeAll(async () => {
    let onReceived = () => {}
    let onAborted = () => {}
    received = new Promise((resolve) => onReceived = resolve)
    upstreamAborted = new Promise((resolve) => onAborted = resolve)
    base = await hold(Effect.gen(function* () {
      const issuer = yield* TestIssuer.make()
      const servers = yield* echoes
      const slow = yield* Effect.acquireRelease(
        Effect.sync(() =>
          Bun.serve({
            port: 0,
            hostname: "127.0.0.1",
            fetch: (request) => {
              request.signal.addEventListener("abort", onAborted)
              onReceived()
              return new Promise<Response>(() => {})
            },
          })
        ),
        (server) => Effect.promise(() => server.stop(true)),
      )
      const base = config({ ...urlsOf(servers), flight: new URL(`http://127.0.0.1:${slow.port}`) }, issuer.settings)
      // A timeout far beyond the test's own, so that only the client's going away can end the request in time.
      return yield* start({ ...base, upstreams: { ...base.upstreams, flight: { ...base.upstreams.flight, timeout: Duration.minutes(10) } } })
    }))
  })

  test("takes the service's request with it, long before the route's timeout", async () => {
    const client = new AbortController()
    const sent = fetch(`${base}/api/flights/slow`, { signal: client.signal }).catch(() => undefined)
    await received
    client.abort()
    await sent
    await upstreamAborted
  })
})
