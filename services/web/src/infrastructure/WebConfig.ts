/**
 * The web service's configuration, from the environment (DESIGN §7). A bad value fails at start
 * naming the variable; a Redis URL (it may carry a password) is never logged.
 */
import { AppConfig, ClientAddress } from "@flight/runtime"
import { Config, ConfigError, Duration, Either, Option, type Redacted } from "effect"

export const defaultPort = 3006

export interface WebConfig {
  readonly port: number
  readonly appEnv: AppConfig.AppEnv
  /** The one origin of every API: the gateway (DESIGN §10). */
  readonly apiUrl: URL
  /** Sessions in Redis when set (shared by every instance); in the process's memory otherwise. */
  readonly redisUrl: Option.Option<Redacted.Redacted<URL>>
  /** How long a session lives without being used. */
  readonly sessionTtl: Duration.Duration
  /** The public origin, when known: an `https:` one makes the session cookie `Secure` on every answer. */
  readonly publicUrl: Option.Option<URL>
  /**
   * How to find the visitor's address behind the gateway (AUTH_CLIENT_IP_HEADER, AUTH_TRUSTED_PROXIES):
   * the address sent with every API call made for the visitor. The connection's address by default.
   */
  readonly clientAddress: ClientAddress.Settings
}

const parseHttpUrl = (path: Array<string>) => (raw: string): Either.Either<URL, ConfigError.ConfigError> => {
  const url = URL.parse(raw.trim())
  return url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" &&
      url.username === "" && url.password === "" && url.search === "" && url.hash === ""
    ? Either.right(url)
    : Either.left(ConfigError.InvalidData(path, "Expected an http(s) URL without credentials, query or fragment, e.g. http://localhost:3000"))
}

const httpUrl = (name: string, fallback: string) =>
  Config.string(name).pipe(Config.mapOrFail(parseHttpUrl([])), Config.withDefault(new URL(fallback)))

/** Unset or empty: None. (After `Config.option` an error must name the variable itself.) */
const optionalHttpUrl = (name: string) =>
  Config.string(name).pipe(
    Config.option,
    Config.mapOrFail((value) =>
      Option.isNone(value) || value.value.trim() === ""
        ? Either.right(Option.none<URL>())
        : Either.map(parseHttpUrl([name])(value.value), Option.some)
    ),
  )

export const WebConfig: Config.Config<WebConfig> = Config.all({
  port: AppConfig.port(defaultPort),
  appEnv: AppConfig.appEnv,
  apiUrl: httpUrl("WEB_API_URL", "http://localhost:3000"),
  redisUrl: AppConfig.redisUrl,
  sessionTtl: AppConfig.duration("WEB_SESSION_TTL", "12 hours"),
  publicUrl: optionalHttpUrl("WEB_PUBLIC_URL"),
  clientAddress: ClientAddress.settings,
}).pipe(Config.mapOrFail(AppConfig.requiredInProduction((config) => [
  { variable: "REDIS_URL", value: config.redisUrl, why: "every web instance must see the same sessions" },
])))
