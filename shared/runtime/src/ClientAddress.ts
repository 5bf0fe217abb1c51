/**
 * The client's address, as a service behind a proxy must find it: the connection's own address,
 * unless the connection comes from a trusted proxy (`AUTH_TRUSTED_PROXIES`) and the header that
 * proxy sets (`AUTH_CLIENT_IP_HEADER`, e.g. `x-forwarded-for`) ends in an IP address. A header from
 * anyone else is ignored, so a client cannot choose the address it is counted under.
 */
import { Config, ConfigError, Either, Option } from "effect"
import { isIP } from "node:net"

export interface Settings {
  /** The header a trusted proxy sets to the client's address (its last entry is read); unset: the connection's address. */
  readonly header: Option.Option<string>
  /** The proxies whose header is believed; from any other connection it is ignored. */
  readonly trustedProxies: ReadonlyArray<string>
}

/** The connection's address only: no proxy is trusted. */
export const direct: Settings = { header: Option.none(), trustedProxies: [] }

/** An IPv6 address's eight groups as numbers (the last two from a dotted IPv4 tail); the address is one (`isIP` 6). */
const groupsOf = (address: string): ReadonlyArray<number> => {
  const parts = (text: string): Array<number> =>
    text === ""
      ? []
      : text.split(":").flatMap((part) => {
        if (!part.includes(".")) return [Number.parseInt(part, 16)]
        const [a, b, c, d] = part.split(".").map(Number) as [number, number, number, number]
        return [a * 256 + b, c * 256 + d]
      })
  const [head = "", tail] = address.split("::")
  const before = parts(head)
  if (tail === undefined) return before
  const after = parts(tail)
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after]
}

/**
 * An address as compared: lower case, an IPv4 address mapped into IPv6 (`::ffff:0:0/96`, however it
 * is written: `::ffff:192.0.2.7`, `::ffff:c000:207`, in full) as the IPv4 address.
 */
export const normalAddress = (address: string): string => {
  const lower = address.trim().toLowerCase()
  if (isIP(lower) !== 6) return lower
  const groups = groupsOf(lower.replace(/%.*$/, ""))
  if (!groups.slice(0, 5).every((group) => group === 0) || groups[5] !== 0xffff) return lower
  const [high, low] = [groups[6]!, groups[7]!]
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

/**
 * The network counted as one client by the limits (the gateway's rate limits, booking's holding
 * limit): an IPv4 address itself; an IPv6 address's /64, as `2001:db8:0:7::/64`. A /64 is the least
 * one subscriber is given (RFC 6177), and a host picks any address of it at will (privacy addresses,
 * RFC 8981): counted address by address, one client would have 2^64 budgets. An IPv4 address mapped
 * into IPv6 is the IPv4 address; anything that is not an address is returned as it is.
 */
export const networkOf = (address: string): string => {
  const normal = normalAddress(address).replace(/%.*$/, "")
  switch (isIP(normal)) {
    case 4:
      return normal
    case 6:
      return `${groupsOf(normal).slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`
    default:
      return address
  }
}

const optionalText = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

/** `AUTH_CLIENT_IP_HEADER`: a header name, lower-cased; none when unset. */
export const header: Config.Config<Option.Option<string>> = optionalText("AUTH_CLIENT_IP_HEADER").pipe(
  Config.mapOrFail((value) =>
    Option.isSome(value) && !/^[A-Za-z0-9-]{1,64}$/.test(value.value.trim())
      ? Either.left(ConfigError.InvalidData(["AUTH_CLIENT_IP_HEADER"], "Expected a header name, e.g. x-forwarded-for"))
      : Either.right(Option.map(value, (name) => name.trim().toLowerCase()))
  ),
)

/** `AUTH_TRUSTED_PROXIES`: IP addresses separated by commas; none when unset. */
export const trustedProxies: Config.Config<ReadonlyArray<string>> = optionalText("AUTH_TRUSTED_PROXIES").pipe(
  Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right([])
    const addresses = value.value.split(",").map((address) => address.trim()).filter((address) => address !== "")
    return addresses.every((address) => isIP(address) !== 0)
      ? Either.right(addresses.map(normalAddress))
      : Either.left(ConfigError.InvalidData(["AUTH_TRUSTED_PROXIES"], "Expected IP addresses separated by commas, e.g. 10.0.0.5,10.0.0.6"))
  }),
)

export const settings: Config.Config<Settings> = Config.all({ header, trustedProxies })

/**
 * What an operator should hear at start: a header without a trusted proxy is never believed, so
 * every client would be counted under the proxy's address.
 */
export const warnings = (settings: Settings): ReadonlyArray<string> =>
  Option.isSome(settings.header) && settings.trustedProxies.length === 0
    ? [
      `AUTH_CLIENT_IP_HEADER (${settings.header.value}) is set but AUTH_TRUSTED_PROXIES is not: the header is ignored ` +
      "and every client counts under the address of the connection (set AUTH_TRUSTED_PROXIES to the proxy's addresses)",
    ]
    : []

/** The connection's address, when the app is served by Bun (its server is the fetch handler's env). */
export const socketAddress = (request: Request, env: unknown): string | undefined => {
  const server = env as { readonly requestIP?: (request: Request) => { readonly address: string } | null } | undefined
  return typeof server?.requestIP === "function" ? server.requestIP(request)?.address : undefined
}

/** The client's address for `request` (see the module's comment); undefined when Bun does not say. */
export const of = (request: Request, env: unknown, settings: Settings): string | undefined => {
  const connection = socketAddress(request, env)
  if (Option.isSome(settings.header) && connection !== undefined && settings.trustedProxies.includes(normalAddress(connection))) {
    // The proxy in front appends the address it saw: the last entry is the one it vouches for.
    const forwarded = request.headers.get(settings.header.value)?.split(",").map((part) => part.trim()).filter((part) => part !== "")
    const last = forwarded?.[forwarded.length - 1]
    if (last !== undefined && isIP(last) !== 0) return normalAddress(last)
  }
  return connection === undefined ? undefined : normalAddress(connection)
}
