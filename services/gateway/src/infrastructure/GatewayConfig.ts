/**
 * The gateway's configuration, from the environment. A bad value fails at start naming the
 * variable. With APP_ENV=production the rate-limit counts must live in Redis (several instances
 * share them) and the token issuer must be named.
 */
import { AuthConfig } from "@flight/auth"
import { AppConfig, ClientAddress } from "@flight/runtime"
import { Config, ConfigError, Duration, Either, Option, type Redacted } from "effect"
import { type Budget, type Budgets, defaultBudgets, type PolicyName, PolicyNames } from "../domain/RateLimitPolicy.ts"
import { allUpstreams, defaultPorts, type Upstream } from "../domain/Upstream.ts"

export const defaultPort = 3000

export interface UpstreamSettings {
  /** The service's origin (and base path, if any): the request's path and query are appended. */
  readonly url: URL
  /** How long the gateway waits for the service's whole answer before a 504. */
  readonly timeout: Duration.Duration
}

export interface GatewayConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  readonly upstreams: Readonly<Record<Upstream, UpstreamSettings>>
  /** Redis for the rate-limit counts when set (shared by every gateway instance); memory otherwise. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
  /** The Redis keys' prefix. */
  readonly rateLimitPrefix: string
  readonly budgets: Budgets
  /** The largest request body forwarded; larger is a 413. */
  readonly bodyLimitBytes: number
  /** Browser origins allowed by CORS; none by default. */
  readonly corsOrigins: ReadonlyArray<string>
  /** Whose tokens it verifies (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL, AUTH_ROLES_CLAIM, AUTH_GUEST_*). */
  readonly auth: AuthConfig.Settings
  /**
   * The proxies in front of it whose client-address header it believes (AUTH_CLIENT_IP_HEADER,
   * AUTH_TRUSTED_PROXIES: the web site, a load balancer); none by default, every client header ignored.
   */
  readonly clientAddress: ClientAddress.Settings
  /** The bytes of the shared cache of answers the services mark cacheable (GATEWAY_CACHE_BYTES; 0 keeps none). */
  readonly cacheBytes: number
}

/** A service waits at most this long unless told: payments call a payment provider, so they get longer. */
export const defaultTimeouts: Readonly<Record<Upstream, Duration.Duration>> = {
  booking: Duration.seconds(5),
  flight: Duration.seconds(5),
  payment: Duration.seconds(15),
  notification: Duration.seconds(5),
  identity: Duration.seconds(5),
  // A page may wait on a payment behind it.
  web: Duration.seconds(20),
}

export const defaultBodyLimitBytes = 64 * 1024

/** The shared cache's default size: thousands of pages of flights. */
export const defaultCacheBytes = 16 * 1024 * 1024

const invalid = (variable: string, message: string) => ConfigError.InvalidData([variable], message)

/** A variable that may be unset or empty; the error names it (after `Config.option`, Config would not). */
const optional = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")), Config.map(Option.map((value) => value.trim())))

export const upstreamVariable = (upstream: Upstream) => `GATEWAY_UPSTREAM_${upstream.toUpperCase()}`
export const timeoutVariable = (upstream: Upstream) => `GATEWAY_TIMEOUT_${upstream.toUpperCase()}`
export const budgetVariable = (policy: PolicyName) => `GATEWAY_RATE_LIMIT_${policy.toUpperCase().replaceAll("-", "_")}`

const upstreamUrl = (upstream: Upstream) => {
  const name = upstreamVariable(upstream)
  return optional(name).pipe(Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(new URL(`http://127.0.0.1:${defaultPorts[upstream]}`))
    const url = URL.parse(value.value)
    return url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" &&
        url.search === "" && url.hash === "" && url.username === "" && url.password === ""
      ? Either.right(url)
      : Either.left(invalid(name, "Expected an http(s) URL without query, fragment or credentials, e.g. http://127.0.0.1:3001"))
  }))
}

const timeout = (upstream: Upstream) => {
  const name = timeoutVariable(upstream)
  return optional(name).pipe(Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(defaultTimeouts[upstream])
    const duration = Duration.decodeUnknown(value.value)
    return Option.isSome(duration) && Duration.greaterThan(duration.value, Duration.zero) &&
        Duration.lessThanOrEqualTo(duration.value, Duration.minutes(5))
      ? Either.right(duration.value)
      : Either.left(invalid(name, "Expected a duration from 1 millisecond to 5 minutes, e.g. \"5 seconds\""))
  }))
}

/** `<points>/<window>`, e.g. `300/1 minute`. */
export const parseBudget = (text: string): Budget | undefined => {
  const at = text.indexOf("/")
  if (at < 0) return undefined
  const points = text.slice(0, at).trim()
  const window = Duration.decodeUnknown(text.slice(at + 1).trim())
  if (!/^\d{1,7}$/.test(points) || Number(points) < 1 || Option.isNone(window)) return undefined
  if (Duration.lessThan(window.value, Duration.seconds(1)) || Duration.greaterThan(window.value, Duration.days(1))) return undefined
  return { points: Number(points), window: window.value }
}

const budget = (policy: PolicyName) => {
  const name = budgetVariable(policy)
  return optional(name).pipe(Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(defaultBudgets[policy])
    const parsed = parseBudget(value.value)
    return parsed === undefined
      ? Either.left(invalid(name, "Expected <requests>/<window>, a whole number from 1 and a window from 1 second to 1 day, e.g. \"300/1 minute\""))
      : Either.right(parsed)
  }))
}

const record = <K extends string, A>(keys: ReadonlyArray<K>, config: (key: K) => Config.Config<A>): Config.Config<Record<K, A>> =>
  Config.all(Object.fromEntries(keys.map((key) => [key, config(key)])) as Record<K, Config.Config<A>>) as unknown as Config.Config<Record<K, A>>

const upstreams: Config.Config<Record<Upstream, UpstreamSettings>> = Config.map(
  Config.all({ urls: record(allUpstreams, upstreamUrl), timeouts: record(allUpstreams, timeout) }),
  ({ timeouts, urls }) =>
    Object.fromEntries(allUpstreams.map((upstream) => [upstream, { url: urls[upstream], timeout: timeouts[upstream] }])) as Record<Upstream, UpstreamSettings>,
)

/** A whole number of bytes from `min` to `max`, `fallback` when unset. */
const byteCount = (variable: string, fallback: number, min: number, max: number, expected: string) =>
  optional(variable).pipe(Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(fallback)
    const bytes = /^\d{1,10}$/.test(value.value) ? Number(value.value) : Number.NaN
    return bytes >= min && bytes <= max ? Either.right(bytes) : Either.left(invalid(variable, `Expected a whole number of bytes from ${expected}`))
  }))

const bodyLimitBytes = byteCount("GATEWAY_BODY_LIMIT_BYTES", defaultBodyLimitBytes, 1024, 100 * 1024 * 1024, "1024 to 104857600")

const cacheBytes = byteCount("GATEWAY_CACHE_BYTES", defaultCacheBytes, 0, 1024 * 1024 * 1024, "0 (no cache) to 1073741824")

const corsOrigins = optional("GATEWAY_CORS_ORIGINS").pipe(Config.mapOrFail((value) => {
  if (Option.isNone(value)) return Either.right([])
  const origins = value.value.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "")
  const bad = origins.filter((origin) => {
    const url = URL.parse(origin)
    return url === null || url.origin !== origin || (url.protocol !== "http:" && url.protocol !== "https:")
  })
  return bad.length === 0
    ? Either.right(origins)
    : Either.left(invalid("GATEWAY_CORS_ORIGINS", "Expected http(s) origins separated by commas, e.g. https://app.example.com,http://localhost:5173"))
}))

const rateLimitPrefix = optional("GATEWAY_RATE_LIMIT_PREFIX").pipe(Config.mapOrFail((value) =>
  Option.isSome(value) && !/^[A-Za-z0-9:_-]{1,64}$/.test(value.value)
    ? Either.left(invalid("GATEWAY_RATE_LIMIT_PREFIX", "Expected up to 64 letters, digits, ':', '_' or '-'"))
    : Either.right(Option.getOrElse(value, () => "gateway:ratelimit"))
))

export const GatewayConfig: Config.Config<GatewayConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  upstreams,
  redisUrl: AppConfig.redisUrl,
  rateLimitPrefix,
  budgets: record(PolicyNames, budget),
  bodyLimitBytes,
  cacheBytes,
  corsOrigins,
  auth: AuthConfig.service,
  clientAddress: ClientAddress.settings,
}).pipe(Config.mapOrFail(AppConfig.requiredInProduction((config) => [
  {
    variable: "REDIS_URL",
    value: config.redisUrl,
    why: "every gateway instance must count against the same rate-limit budgets",
  },
  AuthConfig.issuerRequirement(config.auth),
  // It verifies guest tokens early too: their issuer is never left at localhost.
  AuthConfig.guestIssuerRequirement(config.auth),
])))
