/**
 * The client's address behind a proxy: the connection's address unless the connection is a trusted
 * proxy's, whose header is then read (its last entry, when it is an IP address). The configuration
 * names its variable when wrong, and a header without a trusted proxy is warned about.
 */
import { describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Either, Option } from "effect"
import * as AppConfig from "../src/AppConfig.ts"
import * as ClientAddress from "../src/ClientAddress.ts"

const read = (env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(ClientAddress.settings, ConfigProvider.fromMap(new Map(Object.entries(env))))))

/** A Bun server as the fetch handler's env sees it, whose connection comes from `address`. */
const from = (address: string) => ({ requestIP: () => ({ address, family: "IPv4", port: 40000 }) })

const request = (headers: Record<string, string> = {}) => new Request("http://service.test/", { headers })

const behindGateway: ClientAddress.Settings = { header: Option.some("x-forwarded-for"), trustedProxies: ["10.0.0.5", "::1"] }

describe("ClientAddress", () => {
  test("unset: no header, no proxies; the connection's address, IPv4-mapped addresses as IPv4", () => {
    expect(Either.getOrThrow(read({}))).toEqual(ClientAddress.direct)
    expect(ClientAddress.of(request({ "x-forwarded-for": "1.2.3.4" }), from("::ffff:192.0.2.7"), ClientAddress.direct)).toBe("192.0.2.7")
  })

  test("from a trusted proxy, the last entry of its header; from anyone else, the header is ignored", () => {
    const forwarded = request({ "x-forwarded-for": "6.6.6.6, 198.51.100.20" })
    expect(ClientAddress.of(forwarded, from("10.0.0.5"), behindGateway)).toBe("198.51.100.20")
    expect(ClientAddress.of(forwarded, from("::1"), behindGateway)).toBe("198.51.100.20")
    expect(ClientAddress.of(forwarded, from("203.0.113.9"), behindGateway)).toBe("203.0.113.9")
  })

  test("a trusted proxy's header that does not end in an IP address, or is absent, gives the proxy's own address", () => {
    for (const value of ["198.51.100.20, not-an-address", "", " , "]) {
      expect(ClientAddress.of(request({ "x-forwarded-for": value }), from("10.0.0.5"), behindGateway)).toBe("10.0.0.5")
    }
    expect(ClientAddress.of(request(), from("10.0.0.5"), behindGateway)).toBe("10.0.0.5")
  })

  test("without a Bun server (an app called directly) there is no address", () => {
    expect(ClientAddress.of(request({ "x-forwarded-for": "1.2.3.4" }), undefined, behindGateway)).toBeUndefined()
  })

  test("AUTH_CLIENT_IP_HEADER and AUTH_TRUSTED_PROXIES are read, lower-cased and normalised; bad values name their variable", () => {
    expect(Either.getOrThrow(read({ AUTH_CLIENT_IP_HEADER: "X-Forwarded-For", AUTH_TRUSTED_PROXIES: "10.0.0.5, ::FFFF:10.0.0.6" }))).toEqual({
      header: Option.some("x-forwarded-for"),
      trustedProxies: ["10.0.0.5", "10.0.0.6"],
    })
    for (const [variable, value] of [["AUTH_CLIENT_IP_HEADER", "x forwarded"], ["AUTH_TRUSTED_PROXIES", "10.0.0.5,gateway"]] as const) {
      const result = read({ [variable]: value })
      expect(Either.isLeft(result) && AppConfig.issues(result.left).map((issue) => issue.variable)).toEqual([variable])
    }
  })

  test("a header without a trusted proxy is warned about, naming both variables; with a proxy, or without a header, nothing", () => {
    const [warning, ...rest] = ClientAddress.warnings({ header: Option.some("x-forwarded-for"), trustedProxies: [] })
    expect(rest).toEqual([])
    expect(warning).toContain("AUTH_CLIENT_IP_HEADER (x-forwarded-for) is set but AUTH_TRUSTED_PROXIES is not")
    expect(ClientAddress.warnings(behindGateway)).toEqual([])
    expect(ClientAddress.warnings(ClientAddress.direct)).toEqual([])
  })
})
