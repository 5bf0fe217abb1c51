/**
 * The configuration variables every service shares, read with Effect `Config`.
 * A bad value fails at start with a `ConfigError` naming the variable; a secret value is never
 * part of an error message.
 */
import { Config, ConfigError, Data, Duration, Effect, Either, LogLevel, Option, Redacted } from "effect"

export const port = (defaultPort: number): Config.Config<number> =>
  Config.port("PORT").pipe(Config.withDefault(defaultPort))

const levels = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
} as const

export type LogLevelName = keyof typeof levels

export const logLevel: Config.Config<LogLevel.LogLevel> = Config.string("LOG_LEVEL").pipe(
  Config.mapOrFail((text) => {
    const level = levels[text.trim().toLowerCase() as LogLevelName] as LogLevel.LogLevel | undefined
    return level === undefined
      ? Either.left(ConfigError.InvalidData([], `Expected one of ${Object.keys(levels).join(", ")}, received "${text}"`))
      : Either.right(level)
  }),
  Config.withDefault(LogLevel.Info),
)

export const AppEnvs = ["development", "test", "production"] as const
export type AppEnv = (typeof AppEnvs)[number]

export const appEnv: Config.Config<AppEnv> = Config.literal(...AppEnvs)("APP_ENV").pipe(
  Config.withDefault<AppEnv>("development"),
)

/**
 * A secret-bearing URL (REDIS_URL, DATABASE_URL, ...): None when unset or empty, otherwise it must
 * parse and use one of `schemes` (e.g. `["redis:", "rediss:"]`). The error never quotes the value,
 * which may carry a password.
 */
export const optionalUrl = (
  name: string,
  schemes: ReadonlyArray<string>,
): Config.Config<Option.Option<Redacted.Redacted<URL>>> =>
  Config.string(name).pipe(
    Config.option,
    Config.mapOrFail((value) => {
      if (Option.isNone(value) || value.value.trim() === "") return Either.right(Option.none())
      const expected = `Expected a URL with scheme ${schemes.join(" or ")}`
      if (!URL.canParse(value.value.trim())) {
        return Either.left(ConfigError.InvalidData([name], `${expected}; the value is not a valid URL`))
      }
      const url = new URL(value.value.trim())
      if (!schemes.includes(url.protocol)) {
        return Either.left(ConfigError.InvalidData([name], `${expected}, received scheme ${url.protocol}`))
      }
      // "postgres:user:password@host/db" parses with everything in its path, and "redis://" with
      // no host at all: neither names a server, and the first would put its password in the logs.
      if (url.hostname === "" || (url.pathname !== "" && !url.pathname.startsWith("/"))) {
        return Either.left(ConfigError.InvalidData([name], `${expected} and a host, as in ${schemes[0]}//host:port/...`))
      }
      return Either.right(Option.some(Redacted.make(url)))
    }),
  )

/** The servers every service may use, each by its one variable and schemes: none when unset. */
export const redisUrl = optionalUrl("REDIS_URL", ["redis:", "rediss:"])
export const rabbitmqUrl = optionalUrl("RABBITMQ_URL", ["amqp:", "amqps:"])
export const databaseUrl = optionalUrl("DATABASE_URL", ["postgres:", "postgresql:"])

/** A real adapter that production cannot do without: its variable, whether it is set, and why. */
export interface Requirement {
  readonly variable: string
  readonly value: Option.Option<unknown>
  readonly why: string
}

export const storeRequirement = (variable: string, value: Option.Option<unknown>): Requirement => ({
  variable,
  value,
  why: "the in-memory store loses its data on restart",
})

export const brokerRequirement = (value: Option.Option<unknown>): Requirement => ({
  variable: "RABBITMQ_URL",
  value,
  why: "the in-process bus reaches no other service",
})

/**
 * With APP_ENV=production every real adapter must be configured, so a deployment never falls back
 * to memory by accident; each missing variable is named. Use with `Config.mapOrFail`.
 */
export const requiredInProduction = <A extends { readonly appEnv: AppEnv }>(
  requirements: (config: A) => ReadonlyArray<Requirement>,
) =>
(config: A): Either.Either<A, ConfigError.ConfigError> => {
  if (config.appEnv !== "production") return Either.right(config)
  const missing = requirements(config)
    .filter((requirement) => Option.isNone(requirement.value))
    .map((requirement) =>
      ConfigError.MissingData([requirement.variable], `must be set when APP_ENV=production (${requirement.why})`)
    )
  return missing.length === 0 ? Either.right(config) : Either.left(missing.reduce((left, right) => ConfigError.And(left, right)))
}

/** A positive Effect duration such as "15 minutes" or "500 millis". */
export const duration = (name: string, defaultValue: Duration.DurationInput): Config.Config<Duration.Duration> =>
  Config.duration(name).pipe(
    Config.validate({
      message: "Expected a positive duration, e.g. \"15 minutes\"",
      validation: (duration) => Duration.greaterThan(duration, Duration.zero),
    }),
    Config.withDefault(Duration.decode(defaultValue)),
  )

export interface Issue {
  readonly variable: string
  readonly problem: string
}

/** Flattens a ConfigError into one issue per variable. */
export const issues = (error: ConfigError.ConfigError): Array<Issue> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...issues(error.left), ...issues(error.right)]
    default:
      return [{ variable: error.path.join("_") || "(root)", problem: error.message }]
  }
}

export class ConfigurationInvalid extends Data.TaggedError("ConfigurationInvalid")<{
  readonly issues: ReadonlyArray<Issue>
}> {
  override get message(): string {
    return `Invalid configuration: ${this.issues.map((i) => `${i.variable}: ${i.problem}`).join("; ")}`
  }
}

/**
 * Reads `config`; on a bad value logs one line naming each variable and its problem, and fails with
 * `ConfigurationInvalid`, which `ServiceMain.runMain` turns into exit code 1 without reporting it again.
 */
export const loadOrExit = <A>(config: Config.Config<A>): Effect.Effect<A, ConfigurationInvalid> =>
  Effect.catchAll(config, (error) => {
    const invalid = new ConfigurationInvalid({ issues: issues(error) })
    return Effect.logError(invalid.message).pipe(Effect.zipRight(Effect.fail(invalid)))
  })
