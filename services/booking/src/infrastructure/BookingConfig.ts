/**
 * The booking service's configuration, from the environment. A bad value fails naming the
 * variable; with APP_ENV=production the real adapters are required, since in-memory state would be
 * lost on every restart and an in-process bus reaches no other service.
 */
import { AuthConfig } from "@flight/auth"
import { AppConfig, ClientAddress } from "@flight/runtime"
import { Config, ConfigError, type Duration, Either, Option, Redacted } from "effect"
import type { JWK } from "jose"
import { defaultMaxHeldSeats } from "../domain/HoldLimit.ts"
import type * as GuestTokens from "./GuestTokens.ts"

export interface BookingConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** Redis when set; the in-memory store otherwise. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
  /** RabbitMQ when set; the in-process bus otherwise. */
  readonly rabbitmqUrl: Option.Option<Redacted.Redacted<URL>>
  /** How long a new booking holds its seats before it expires (BOOKING_HOLD_TTL). */
  readonly holdTtl: Duration.Duration
  /** How many seats one holder (account, contact email, client address) may hold at once (BOOKING_MAX_HELD_SEATS). */
  readonly maxHeldSeats: number
  /** The first word of the store's Redis keys (BOOKING_REDIS_PREFIX). */
  readonly redisKeyPrefix: string
  /** How to find the client's address behind a proxy (AUTH_CLIENT_IP_HEADER, AUTH_TRUSTED_PROXIES). */
  readonly clientAddress: ClientAddress.Settings
  /** Whose tokens it accepts (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL, AUTH_ROLES_CLAIM, AUTH_GUEST_*). */
  readonly auth: AuthConfig.ServiceSettings
  /**
   * How it signs guest tokens (BOOKING_GUEST_ISSUER, BOOKING_GUEST_KEY, BOOKING_GUEST_TOKEN_TTL,
   * BOOKING_GUEST_PUBLISHED_KEYS; decision 17).
   */
  readonly guest: Omit<GuestTokens.Settings, "audience">
}

/**
 * `BOOKING_GUEST_KEY`: a private Ed25519 JWK (`kty` OKP, `crv` Ed25519, `d`, `x`) with a `kid`,
 * shared by every instance; unset, a key is made at start (refused in production).
 */
export const guestKey: Config.Config<Option.Option<Redacted.Redacted<JWK>>> = Config.redacted("BOOKING_GUEST_KEY").pipe(
  Config.option,
  // Once `Config.option` wraps it, an error's path must name the variable itself.
  Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right(Option.none())
    const invalid = Either.left(
      ConfigError.InvalidData(["BOOKING_GUEST_KEY"], "Expected a private Ed25519 JWK with a kid (kty OKP, crv Ed25519, d, x, kid)"),
    )
    let jwk: unknown
    try {
      jwk = JSON.parse(Redacted.value(value.value))
    } catch {
      return invalid
    }
    if (typeof jwk !== "object" || jwk === null) return invalid
    const key = jwk as Record<string, unknown>
    const text = (name: string) => typeof key[name] === "string" && key[name] !== ""
    return key["kty"] === "OKP" && key["crv"] === "Ed25519" && text("d") && text("x") && text("kid")
      ? Either.right(Option.some(Redacted.make(key as JWK)))
      : invalid
  }),
)

/**
 * `BOOKING_GUEST_PUBLISHED_KEYS`: public keys published beside the signing key during a rotation
 * (the next key before any instance signs with it, the retired one until its tokens expire), as a
 * JSON array of Ed25519 JWKs with their `kid` (a private part is dropped); none when unset.
 */
export const guestPublishedKeys: Config.Config<ReadonlyArray<JWK>> = Config.string("BOOKING_GUEST_PUBLISHED_KEYS").pipe(
  Config.option,
  Config.mapOrFail((value) => {
    if (Option.isNone(value) || value.value.trim() === "") return Either.right([])
    const invalid = (detail: string) =>
      Either.left(ConfigError.InvalidData(["BOOKING_GUEST_PUBLISHED_KEYS"], `Expected a JSON array of Ed25519 JWKs with a kid (kty OKP, crv Ed25519, x, kid): ${detail}`))
    let parsed: unknown
    try {
      parsed = JSON.parse(value.value)
    } catch {
      return invalid("not JSON")
    }
    if (!Array.isArray(parsed)) return invalid("not an array")
    const keys: Array<JWK> = []
    for (const [index, entry] of parsed.entries()) {
      const key = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>
      const text = (name: string) => typeof key[name] === "string" && key[name] !== ""
      if (!(key["kty"] === "OKP" && key["crv"] === "Ed25519" && text("x") && text("kid"))) return invalid(`key ${index}`)
      if (keys.some((known) => known.kid === key["kid"])) return invalid(`key ${index} repeats kid ${String(key["kid"])}`)
      keys.push({ kty: "OKP", crv: "Ed25519", x: key["x"] as string, kid: key["kid"] as string })
    }
    return Either.right(keys)
  }),
)

/** `BOOKING_MAX_HELD_SEATS`: a whole number from 1 to 1000; 9 unless set (DESIGN §10). */
export const maxHeldSeats: Config.Config<number> = Config.integer("BOOKING_MAX_HELD_SEATS").pipe(
  Config.validate({ message: "Expected a whole number of seats from 1 to 1000", validation: (n) => n >= 1 && n <= 1000 }),
  Config.withDefault(defaultMaxHeldSeats),
)

/**
 * `BOOKING_REDIS_PREFIX`: the first word of every key the store writes (`booking:...`; decision 10),
 * so that several systems can share one Redis without reading each other's bookings (every instance
 * of one system must use the same). `booking` unless set.
 */
export const redisKeyPrefix: Config.Config<string> = Config.string("BOOKING_REDIS_PREFIX").pipe(
  Config.mapOrFail((value) =>
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)
      ? Either.right(value)
      : Either.left(ConfigError.InvalidData([], "Expected 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. booking"))
  ),
  // After the check: a default would hide the variable's name from its error.
  Config.withDefault("booking"),
)

export const defaultPort = 3001

export const BookingConfig: Config.Config<BookingConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  redisUrl: AppConfig.redisUrl,
  rabbitmqUrl: AppConfig.rabbitmqUrl,
  holdTtl: AppConfig.duration("BOOKING_HOLD_TTL", "15 minutes"),
  maxHeldSeats,
  redisKeyPrefix,
  clientAddress: ClientAddress.settings,
  auth: AuthConfig.service,
  guest: Config.all({
    issuer: Config.string("BOOKING_GUEST_ISSUER").pipe(Config.withDefault(AuthConfig.defaultGuestIssuer)),
    ttl: AppConfig.duration("BOOKING_GUEST_TOKEN_TTL", "2 hours"),
    key: guestKey,
    publishedKeys: guestPublishedKeys,
  }),
}).pipe(Config.mapOrFail(AppConfig.requiredInProduction((config) => [
  AppConfig.storeRequirement("REDIS_URL", config.redisUrl),
  AppConfig.brokerRequirement(config.rabbitmqUrl),
  AuthConfig.issuerRequirement(config.auth),
  {
    variable: "BOOKING_GUEST_KEY",
    value: config.guest.key,
    why: "the key every instance signs guest tokens with; a key made at start is lost on restart and unknown to the other instances",
  },
])))
