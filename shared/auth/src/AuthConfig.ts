/**
 * The issuer a service trusts, read with Effect `Config` from `AUTH_ISSUER`, `AUTH_JWKS_URL`,
 * `AUTH_AUDIENCE` and `AUTH_ROLES_CLAIM`. Any OIDC issuer fits; a bad value fails at start with a
 * `ConfigError` naming the variable.
 */
import { AppConfig } from "@flight/runtime"
import { Config, ConfigError, Either, Option } from "effect"
import * as Claims from "./Claims.ts"

export interface Settings {
  /** Compared exactly with the token's `iss`, trailing slash included. */
  readonly issuer: string
  /** Must be one of the token's `aud`. */
  readonly audience: string
  /** A claim name or a dotted path (`realm_access.roles`). */
  readonly rolesClaim: string
  /** The JWKS; None reads `jwks_uri` from the issuer's OpenID discovery document. */
  readonly jwksUrl: Option.Option<URL>
  /** The booking service's guest issuer (decision 17), trusted for guest tokens only; None trusts no guest token. */
  readonly guest: Option.Option<GuestIssuer>
}

/** The issuer of guest tokens and its keys (no discovery: the booking service publishes a JWKS only). */
export interface GuestIssuer {
  readonly issuer: string
  readonly jwksUrl: URL
}

/** Where the booking service publishes its guest keys, under its own origin. */
export const guestJwksPath = "/api/bookings/.well-known/jwks.json"

// An error's path is relative: `Config.mapOrFail` on a variable prefixes its name (so `[]`), but not
// once `Config.option` has wrapped it (so the name).
const httpUrl = (path: Array<string>) => (text: string): Either.Either<URL, ConfigError.ConfigError> => {
  const value = text.trim()
  if (!URL.canParse(value)) return Either.left(ConfigError.InvalidData(path, "Expected an http(s) URL; the value is not a URL"))
  const url = new URL(value)
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Either.left(ConfigError.InvalidData(path, `Expected an http(s) URL, received scheme ${url.protocol}`))
  }
  if (url.hostname === "") return Either.left(ConfigError.InvalidData(path, "Expected an http(s) URL with a host"))
  return Either.right(url)
}

/** `AUTH_ISSUER`: an http(s) URL without query or fragment (OpenID Connect Discovery §2). */
export const issuer: Config.Config<string> = Config.string("AUTH_ISSUER").pipe(
  Config.mapOrFail((text) =>
    Either.flatMap(httpUrl([])(text), (url) =>
      url.search !== "" || url.hash !== ""
        ? Either.left(ConfigError.InvalidData([], "Expected an issuer URL without query or fragment"))
        : Either.right(text.trim()))
  ),
)

/** `AUTH_JWKS_URL`: optional; when unset or empty the discovery document names the key set. */
export const jwksUrl: Config.Config<Option.Option<URL>> = Config.string("AUTH_JWKS_URL").pipe(
  Config.option,
  Config.mapOrFail((value) =>
    Option.isNone(value) || value.value.trim() === ""
      ? Either.right(Option.none())
      : Either.map(httpUrl(["AUTH_JWKS_URL"])(value.value), Option.some)
  ),
)

/** `AUTH_AUDIENCE`: the value this system's tokens carry in `aud`. */
export const audience: Config.Config<string> = Config.string("AUTH_AUDIENCE").pipe(
  Config.mapOrFail((text) =>
    text.trim() === "" ? Either.left(ConfigError.InvalidData([], "Expected a non-empty audience")) : Either.right(text.trim())
  ),
)

/** `AUTH_ROLES_CLAIM`: where the roles are, `roles` unless said otherwise. */
export const rolesClaim: Config.Config<string> = Config.string("AUTH_ROLES_CLAIM").pipe(
  Config.mapOrFail((text) =>
    text.trim() !== "" && Claims.isClaimPath(text.trim())
      ? Either.right(text.trim())
      : Either.left(
        ConfigError.InvalidData([], "Expected a claim name or a dotted path of claim names such as realm_access.roles"),
      )
  ),
  Config.withDefault(Claims.defaultRolesClaim),
)

/** `AUTH_GUEST_ISSUER`: the booking service's guest issuer, an http(s) URL as `AUTH_ISSUER` is. */
export const guestIssuer: Config.Config<Option.Option<string>> = Config.option(
  Config.string("AUTH_GUEST_ISSUER").pipe(
    Config.mapOrFail((text) =>
      Either.flatMap(httpUrl([])(text), (url) =>
        url.search !== "" || url.hash !== ""
          ? Either.left(ConfigError.InvalidData([], "Expected an issuer URL without query or fragment"))
          : Either.right(text.trim()))
    ),
  ),
)

/** `AUTH_GUEST_JWKS_URL`: optional; the guest issuer's origin followed by `guestJwksPath` when unset. */
export const guestJwksUrl: Config.Config<Option.Option<URL>> = Config.string("AUTH_GUEST_JWKS_URL").pipe(
  Config.option,
  Config.mapOrFail((value) =>
    Option.isNone(value) || value.value.trim() === ""
      ? Either.right(Option.none())
      : Either.map(httpUrl(["AUTH_GUEST_JWKS_URL"])(value.value), Option.some)
  ),
)

/** The guest issuer at `issuer`, its keys at `jwksUrl` or where the booking service publishes them. */
export const guestAt = (issuer: string, jwksUrl: Option.Option<URL> = Option.none()): GuestIssuer => ({
  issuer,
  jwksUrl: Option.getOrElse(jwksUrl, () => new URL(guestJwksPath, issuer)),
})

const guest: Config.Config<Option.Option<GuestIssuer>> = Config.all({ issuer: guestIssuer, jwksUrl: guestJwksUrl }).pipe(
  Config.map(({ issuer, jwksUrl }) => Option.map(issuer, (issuer) => guestAt(issuer, jwksUrl))),
)

export const settings: Config.Config<Settings> = Config.all({ issuer, audience, rolesClaim, jwksUrl, guest })

/** The identity service of this system, as it runs by default (`AUTH_ISSUER` of identity). */
export const defaultIssuer = "http://localhost:3005"
/** The audience of this system's tokens (`AUTH_AUDIENCE` of identity). */
export const defaultAudience = "flight-booking"
/** The booking service's guest issuer as it runs by default (`BOOKING_GUEST_ISSUER` of booking). */
export const defaultGuestIssuer = "http://localhost:3001"

/** The settings `service` reads from an empty environment: the identity service of `./run start`. */
export const defaults: Settings = {
  issuer: defaultIssuer,
  audience: defaultAudience,
  rolesClaim: Claims.defaultRolesClaim,
  jwksUrl: Option.none(),
  guest: Option.some(guestAt(defaultGuestIssuer)),
}

/** A service's settings, and whether `AUTH_ISSUER` was set or the default taken. */
export interface ServiceSettings extends Settings {
  readonly issuerSet: boolean
  /** Whether `AUTH_GUEST_ISSUER` was set or the default taken. */
  readonly guestIssuerSet: boolean
}

/**
 * The settings of a service that verifies tokens: as `settings`, with the defaults of the identity
 * service of this system, so that `./run start` and a service run alone need nothing set.
 */
export const service: Config.Config<ServiceSettings> = Config.all({
  issuer: Config.option(issuer),
  audience: audience.pipe(Config.withDefault(defaultAudience)),
  rolesClaim,
  jwksUrl,
  guestIssuer,
  guestJwksUrl,
}).pipe(
  Config.map(({ guestIssuer, guestJwksUrl, issuer, ...rest }) => ({
    ...rest,
    issuer: Option.getOrElse(issuer, () => defaultIssuer),
    issuerSet: Option.isSome(issuer),
    guestIssuerSet: Option.isSome(guestIssuer),
    guest: Option.some(guestAt(Option.getOrElse(guestIssuer, () => defaultGuestIssuer), guestJwksUrl)),
  })),
)

/**
 * For `AppConfig.requiredInProduction`: with APP_ENV=production `AUTH_ISSUER` must be set, since a
 * default pointing at localhost would only show once deployed, as every protected request's 503.
 */
export const issuerRequirement = (settings: ServiceSettings): AppConfig.Requirement => ({
  variable: "AUTH_ISSUER",
  value: settings.issuerSet ? Option.some(settings.issuer) : Option.none(),
  why: "the issuer whose tokens the service accepts",
})

/**
 * For `AppConfig.requiredInProduction` in a service that serves a booking's guest (payment,
 * notification): with APP_ENV=production `AUTH_GUEST_ISSUER` must be set, or every guest token would
 * be checked against a booking service on localhost and refused.
 */
export const guestIssuerRequirement = (settings: ServiceSettings): AppConfig.Requirement => ({
  variable: "AUTH_GUEST_ISSUER",
  value: settings.guestIssuerSet ? Option.flatMap(settings.guest, (guest) => Option.some(guest.issuer)) : Option.none(),
  why: "the booking service whose guest tokens the service accepts",
})

/** The options of `TokenVerifier.remote` for these settings. */
export const remoteOptions = (settings: Settings): {
  readonly issuer: string
  readonly audience: string
  readonly rolesClaim: string
  readonly jwksUrl?: URL
} => ({
  issuer: settings.issuer,
  audience: settings.audience,
  rolesClaim: settings.rolesClaim,
  ...Option.match(settings.jwksUrl, { onNone: () => ({}), onSome: (jwksUrl) => ({ jwksUrl }) }),
})

/** The settings that verify the tokens of an issuer at `issuer`, its keys at `jwksUrl` (tests, the embedded mode). */
export const of = (options: {
  readonly issuer: string
  readonly audience: string
  readonly jwksUrl?: URL
  readonly guest?: GuestIssuer
}): Settings => ({
  issuer: options.issuer,
  audience: options.audience,
  rolesClaim: Claims.defaultRolesClaim,
  jwksUrl: Option.fromNullable(options.jwksUrl),
  guest: Option.fromNullable(options.guest),
})
