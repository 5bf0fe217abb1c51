/**
 * The client's address as the booking routes see it (what the holding limit counts under), and the
 * warning at start when a client-address header is set without a proxy to believe it from.
 */
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Effect, Logger, Option } from "effect"
import { Hono } from "hono"
import * as ClientAddresses from "../src/api/ClientAddresses.ts"
import * as Booking from "../src/main.ts"

/** An app answering the address its handler reads for the request. */
const echo = () => {
  const inner = new Hono()
  inner.get("/", (c) => c.json({ address: ClientAddresses.of(c.req.raw) }))
  return inner
}

const from = (address: string) => ({ requestIP: () => ({ address, family: "IPv4", port: 40000 }) })

const addressOf = async (app: Hono, env: unknown, headers: Record<string, string> = {}) =>
  ((await (await app.fetch(new Request("http://booking.test/", { headers }), env)).json()) as { address: string | null }).address

describe("the client's address for the routes", () => {
  test("the connection's own address; a forwarded one only from a trusted proxy; none when the server does not say", async () => {
    const settings = { header: Option.some("x-forwarded-for"), trustedProxies: ["10.0.0.1"] }
    const app = ClientAddresses.found(echo(), settings)
    expect(await addressOf(app, from("192.0.2.9"))).toBe("192.0.2.9")
    expect(await addressOf(app, from("10.0.0.1"), { "x-forwarded-for": "198.51.100.1, 203.0.113.7" })).toBe("203.0.113.7")
    expect(await addressOf(app, from("192.0.2.9"), { "x-forwarded-for": "203.0.113.7" })).toBe("192.0.2.9")
    expect(await addressOf(app, undefined)).toBe(null)
    // The app behind it answers as it would alone: its own 404s and all.
    expect((await app.fetch(new Request("http://booking.test/nowhere"), from("192.0.2.9"))).status).toBe(404)
  })

  EffectTest.effect("a client-address header without a trusted proxy is a warning at start", () =>
    Effect.gen(function* () {
      const logged: Array<string> = []
      const capture = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => {
        logged.push(String(Array.isArray(message) ? message.join(" ") : message))
      }))
      const { bus, deadLetters } = yield* InProcessBus.make()
      yield* Booking.make({
        port: 0,
        redisUrl: Option.none(),
        clientAddress: { header: Option.some("x-forwarded-for"), trustedProxies: [] },
      }).pipe(Effect.provideService(MessageBus, bus), Effect.provideService(DeadLetters.DeadLetters, deadLetters), Effect.provide(capture))
      expect(logged.filter((line) => line.includes("AUTH_TRUSTED_PROXIES is not"))).toHaveLength(1)
    }))
})
