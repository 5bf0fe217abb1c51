/**
 * The issuer a service trusts, read with Effect `Config` from `AUTH_ISSUER`, `AUTH_JWKS_URL`,
 * `AUTH_AUDIENCE` and `AUTH_ROLES_CLAIM`. Any OIDC issuer fits; a bad value fails at start with a
 * `ConfigError` naming the variable.
 */
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
}

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

export const settings: Config.Config<Settings> = Config.all({ issuer, audience, rolesClaim, jwksUrl })
