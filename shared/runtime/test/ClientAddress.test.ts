/**
 * The client's address behind a proxy: the connection's address unless the connection is a trusted
 * proxy's, whose header is then read (its last entry, when it is an IP address). The configuration
 * names its variable when wrong, and a header without a trusted proxy is warned about.
 */
import { describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Either, Option } from "effect"
import fc from "fast-check"
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

  test("the network counted as one client: an IPv4 address itself, an IPv6 address's /64 however it is written", () => {
    expect(ClientAddress.networkOf("203.0.113.9")).toBe("203.0.113.9")
    for (const mapped of ["::ffff:203.0.113.9", "::FFFF:cb00:7109", "0:0:0:0:0:ffff:cb00:7109", "0:0:0:0:0:ffff:203.0.113.9", "::ffff:203.0.113.9%eth0"]) {
      expect([mapped, ClientAddress.networkOf(mapped)]).toEqual([mapped, "203.0.113.9"])
    }
    expect(ClientAddress.networkOf("2001:db8::50")).toBe("2001:db8:0:0::/64")
    expect(ClientAddress.networkOf("2001:DB8:0:7:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:0:7::/64")
    expect(ClientAddress.networkOf("fe80::1%eth0")).toBe("fe80:0:0:0::/64")
    expect(ClientAddress.networkOf("::1")).toBe("0:0:0:0::/64")
    expect(ClientAddress.networkOf("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64")
    expect(ClientAddress.networkOf("unknown")).toBe("unknown")
  })

  test("property: every way of writing an IPv6 address gives its first 64 bits, so two addresses share a network exactly when those bits match", () => {
    const group = fc.integer({ min: 0, max: 0xffff })
    const hex = (groups: ReadonlyArray<number>) => groups.map((one) => one.toString(16)).join(":")
    // An IPv4 address mapped into IPv6 (::ffff:0:0/96) is counted as the IPv4 address: its own property, below.
    const isMapped = (groups: ReadonlyArray<number>) => groups.slice(0, 5).every((one) => one === 0) && groups[5] === 0xffff
    const address = fc.array(group, { minLength: 8, maxLength: 8 }).filter((groups) => !isMapped(groups))
    fc.assert(fc.property(address, address, (a, b) => {
      const full = hex(a)
      const compressed = new URL(`http://[${full}]/`).hostname.slice(1, -1)
      const dotted = `${hex(a.slice(0, 6))}:${a[6]! >> 8}.${a[6]! & 255}.${a[7]! >> 8}.${a[7]! & 255}`
      const network = `${hex(a.slice(0, 4))}::/64`
      for (const written of [full, compressed, dotted, full.toUpperCase()]) expect([written, ClientAddress.networkOf(written)]).toEqual([written, network])
      expect(ClientAddress.networkOf(hex([...a.slice(0, 4), ...b.slice(4)]))).toBe(network)
      const sameNetwork = a.slice(0, 4).every((one, index) => one === b[index])
      expect(ClientAddress.networkOf(hex(b)) === network).toBe(sameNetwork)
    }), { numRuns: 2000 })
    fc.assert(fc.property(group, group, (high, low) => {
      const ipv4 = `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
      for (const written of [`::ffff:${ipv4}`, `::ffff:${hex([high, low])}`, hex([0, 0, 0, 0, 0, 0xffff, high, low]), `0:0:0:0:0:ffff:${ipv4}`]) {
        expect([written, ClientAddress.networkOf(written), ClientAddress.normalAddress(written)]).toEqual([written, ipv4, ipv4])
      }
    }), { numRuns: 500 })
  })
})
