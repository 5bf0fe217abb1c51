/**
 * The identity service's configuration, from the environment. A bad value fails naming the
 * variable, never quoting a secret. With APP_ENV=production there are no defaults for the secret
 * or the staff accounts, and a weak staff password stops the start. The staff defaults are seeded
 * only into the in-memory store.
 */
import { AppConfig, ClientAddress } from "@flight/runtime"
import { Config, ConfigError, Duration, Either, Option, Redacted, Schema } from "effect"
import { Email, type StaffRole, type StaffSeed, weakness } from "../domain/Account.ts"

export const defaultPort = 3005

/** Access tokens live this long (DESIGN §10: short-lived); a signing key outlives its rotation by at least this. */
export const tokenLifetime = Duration.minutes(10)

/**
 * The secret of PostgreSQL in development when BETTER_AUTH_SECRET is unset: published here, so
 * never accepted with APP_ENV=production. The signing keys are encrypted with the secret at rest,
 * so a store that outlives the process needs the same secret at every start.
 */
export const developmentSecret = "identity-development-secret-never-in-production"

/**
 * The documented accounts of the in-memory store (the embedded mode and development without
 * DATABASE_URL): published, so never seeded into a store that outlives the process.
 */
export const defaultStaff: Readonly<Record<StaffRole, { readonly email: string; readonly password: string }>> = {
  ops: { email: "ops@flight.local", password: "flight-ops-dev-only" },
  admin: { email: "admin@flight.local", password: "flight-admin-dev-only" },
}

export type Secret =
  | { readonly _tag: "Configured"; readonly value: Redacted.Redacted<string> }
  | { readonly _tag: "Development" }
  | { readonly _tag: "PerStart" }

export interface IdentityConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** PostgreSQL when set (tables of its own, migrated at start); in memory otherwise. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<URL>>
  /** The public origin: the tokens' `iss` (without a trailing slash), and where the discovery document points. */
  readonly issuer: URL
  /** The tokens' `aud`. */
  readonly audience: string
  readonly secret: Secret
  /** Browser origins besides the issuer's that may POST (better-auth's origin check). */
  readonly trustedOrigins: ReadonlyArray<string>
  /** A header a trusted proxy in front sets to the client's address; unset: the connection's address. */
  readonly clientIpHeader: Option.Option<string>
  /** The addresses of the proxies whose `clientIpHeader` is believed; from any other connection it is ignored. */
  readonly trustedProxies: ReadonlyArray<string>
  /** Sign-in and sign-up attempts allowed per client address in `signInWindow`. */
  readonly signInMaxAttempts: number
  readonly signInWindow: Duration.Duration
  /** A signing key signs for this long, then a new one is made. */
  readonly keyRotation: Duration.Duration
  /** A retired key stays in the JWKS this long, so tokens it signed still verify. */
  readonly keyGracePeriod: Duration.Duration
  readonly staff: ReadonlyArray<StaffSeed>
  /** The roles left unseeded because only their published defaults would seed them (on PostgreSQL). */
  readonly unseeded: ReadonlyArray<StaffRole>
}

const invalid = (variable: string, message: string) => ConfigError.InvalidData([variable], message)

const optionalText = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

const secret = Config.redacted("BETTER_AUTH_SECRET").pipe(
  Config.option,
  Config.map(Option.filter((value) => Redacted.value(value).trim() !== "")),
  Config.mapOrFail((value) =>
    Option.isSome(value) && Redacted.value(value.value).length < 32
      ? Either.left(invalid("BETTER_AUTH_SECRET", "Expected at least 32 characters (e.g. `openssl rand -base64 32`)"))
      : Either.right(value)
  ),
)

const issuer = Config.string("AUTH_ISSUER").pipe(
  Config.withDefault(`http://localhost:${defaultPort}`),
  // The error names the variable itself: after a default, Config would name the root.
  Config.mapOrFail((text) => {
    const url = URL.parse(text.trim())
    // An origin: better-auth's routes are served at /api/auth of it, and the tokens' `iss` is it
    // without a trailing slash (verifiers compare `iss` exactly).
    return url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.pathname === "/" &&
        url.search === "" && url.hash === "" && url.username === "" && url.password === ""
      ? Either.right(new URL(url.origin))
      : Either.left(invalid("AUTH_ISSUER", "Expected an http(s) origin without path, query or fragment, e.g. https://id.example.com"))
  }),
)

const audience = Config.string("AUTH_AUDIENCE").pipe(
  Config.validate({ message: "Expected a non-empty audience without spaces", validation: (text) => /^\S{1,200}$/.test(text) }),
  Config.withDefault("flight-booking"),
)

const trustedOrigins = optionalText("AUTH_TRUSTED_ORIGINS").pipe(
  Config.mapOrFail((value) => {
    if (Option.isNone(value)) return Either.right([])
    const origins = value.value.split(",").map((origin) => origin.trim()).filter((origin) => origin !== "")
    const bad = origins.filter((origin) => URL.parse(origin)?.origin !== origin)
    return bad.length === 0
      ? Either.right(origins)
      : Either.left(invalid("AUTH_TRUSTED_ORIGINS", "Expected origins separated by commas, e.g. https://app.example.com,http://localhost:3000"))
  }),
)

const signInMaxAttempts = Config.integer("AUTH_SIGN_IN_MAX_ATTEMPTS").pipe(
  Config.validate({ message: "Expected a whole number from 1 to 1000", validation: (n) => n >= 1 && n <= 1000 }),
  Config.withDefault(5),
)

const decodeEmail = Schema.decodeUnknownEither(Email)

/**
 * One staff account's variables: both set, or neither (None). What neither means depends on APP_ENV,
 * which `seedOf` decides once the configuration has read it: read here again, a bad APP_ENV would be
 * reported once more for each role.
 */
const staffSeed = (role: StaffRole) => {
  const upper = role.toUpperCase()
  const emailVariable = `SEED_${upper}_EMAIL`
  const passwordVariable = `SEED_${upper}_PASSWORD`
  return Config.all([optionalText(emailVariable), Config.option(Config.redacted(passwordVariable))]).pipe(
    Config.mapOrFail(([email, password]): Either.Either<Option.Option<StaffSeed>, ConfigError.ConfigError> => {
      const given = Option.filter(password, (value) => Redacted.value(value) !== "")
      if (Option.isNone(email) && Option.isNone(given)) return Either.right(Option.none())
      if (Option.isNone(email)) return Either.left(ConfigError.MissingData([emailVariable], `must be set with ${passwordVariable}`))
      if (Option.isNone(given)) return Either.left(ConfigError.MissingData([passwordVariable], `must be set with ${emailVariable}`))
      if (Either.isLeft(decodeEmail(email.value.trim()))) return Either.left(invalid(emailVariable, "Expected an email address"))
      const weak = weakness(Redacted.value(given.value))
      if (Option.isSome(weak)) return Either.left(invalid(passwordVariable, `The password ${weak.value}: choose a stronger one`))
      return Either.right(Option.some({ role, email: email.value.trim().toLowerCase(), password: given.value, isDefault: false }))
    }),
  )
}

/** The seed of `role`: the configured one; without one, the development default, and none in production. */
const seedOf = (role: StaffRole, configured: Option.Option<StaffSeed>, production: boolean): Option.Option<StaffSeed> =>
  Option.orElse(configured, () => {
    if (production) return Option.none()
    const fallback = defaultStaff[role]
    return Option.some({ role, email: fallback.email, password: Redacted.make(fallback.password), isDefault: true })
  })

const base = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  databaseUrl: AppConfig.databaseUrl,
  issuer,
  audience,
  configuredSecret: secret,
  trustedOrigins,
  clientIpHeader: ClientAddress.header,
  trustedProxies: ClientAddress.trustedProxies,
  signInMaxAttempts,
  signInWindow: AppConfig.duration("AUTH_SIGN_IN_WINDOW", "1 minute"),
  keyRotation: AppConfig.duration("AUTH_KEY_ROTATION", "30 days"),
  keyGracePeriod: AppConfig.duration("AUTH_KEY_GRACE_PERIOD", "1 day"),
  ops: staffSeed("ops"),
  admin: staffSeed("admin"),
})

export const IdentityConfig: Config.Config<IdentityConfig> = base.pipe(
  Config.mapOrFail(({ admin, configuredSecret, ops, ...config }): Either.Either<IdentityConfig, ConfigError.ConfigError> => {
    const production = config.appEnv === "production"
    const problems: Array<ConfigError.ConfigError> = []
    if (Duration.lessThan(config.keyGracePeriod, tokenLifetime)) {
      problems.push(invalid("AUTH_KEY_GRACE_PERIOD", `Expected at least ${Duration.format(tokenLifetime)}, the lifetime of a token`))
    }
    if (Duration.lessThan(config.signInWindow, Duration.seconds(1))) {
      problems.push(invalid("AUTH_SIGN_IN_WINDOW", "Expected at least 1 second"))
    }
    if (production && Option.isNone(config.databaseUrl)) {
      problems.push(ConfigError.MissingData(["DATABASE_URL"], "must be set when APP_ENV=production (the in-memory store loses every account on restart)"))
    }
    if (production && Option.isNone(configuredSecret)) {
      problems.push(ConfigError.MissingData(["BETTER_AUTH_SECRET"], "must be set when APP_ENV=production (it signs sessions and encrypts the signing keys)"))
    }
    if (production && Option.isSome(configuredSecret) && Redacted.value(configuredSecret.value) === developmentSecret) {
      problems.push(invalid("BETTER_AUTH_SECRET", "The published development secret cannot be used with APP_ENV=production"))
    }
    if (problems.length > 0) return Either.left(problems.reduce((left, right) => ConfigError.And(left, right)))
    const secret: Secret = Option.isSome(configuredSecret)
      ? { _tag: "Configured", value: configuredSecret.value }
      : Option.isSome(config.databaseUrl) ? { _tag: "Development" } : { _tag: "PerStart" }
    // The published defaults only in memory: a store that outlives the process would keep them.
    const seeds = [...Option.toArray(seedOf("ops", ops, production)), ...Option.toArray(seedOf("admin", admin, production))]
    const persistent = Option.isSome(config.databaseUrl)
    const staff = persistent ? seeds.filter((seed) => !seed.isDefault) : seeds
    const unseeded = persistent ? seeds.filter((seed) => seed.isDefault).map((seed) => seed.role) : []
    return Either.right({ ...config, secret, staff, unseeded })
  }),
)
