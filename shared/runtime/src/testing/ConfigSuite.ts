/**
 * The configuration tests every service makes, run against its own `Config` with its own facts:
 * the defaults, PORT, each secret-bearing URL (its schemes read and kept redacted; another scheme,
 * no host or no `//` refused naming the variable, never quoting the secret), what APP_ENV=production
 * requires, and a bad APP_ENV. A service keeps beside it only the tests of its own variables.
 */
import * as BunTest from "bun:test"
import { type Config, type ConfigError, ConfigProvider, Effect, Either, Option, Redacted } from "effect"
import * as AppConfig from "../AppConfig.ts"

/** The password every example URL carries: no issue and no rendering of the configuration may show it. */
export const secret = "s3cret"

/** A variable read with `AppConfig.optionalUrl` (or its like): None when unset, a redacted URL otherwise. */
export interface Url<A> {
  readonly variable: string
  /** The field of the configuration it fills. */
  readonly field: keyof A & string
  /** The schemes it accepts, as `URL.protocol` spells them (`"redis:"`). */
  readonly schemes: ReadonlyArray<string>
  /** A URL it accepts, carrying `secret`, and what is read of it (properties of the parsed value). */
  readonly example: string
  readonly reads: Readonly<Record<string, unknown>>
  /** A URL of a scheme it refuses, carrying `secret`. */
  readonly otherScheme: string
}

export interface Facts<A> {
  /** As the describe block names it: "booking" reads "booking configuration". */
  readonly service: string
  readonly config: Config.Config<A>
  /** PORT when unset. */
  readonly port: number
  readonly urls: ReadonlyArray<Url<A>>
  /**
   * What APP_ENV=production needs, each variable with a value that satisfies it, in the order the
   * error names them; in groups when the configuration reads them in turn (payment's store before
   * its issuers), a later group named only once the earlier ones are set.
   */
  readonly productionRequires: ReadonlyArray<Readonly<Record<string, string>>>
  /** How many parts of the configuration read APP_ENV, each naming it when it is bad; 1 unless said. */
  readonly appEnvReaders?: number
}

/**
 * The facts of a URL variable read as a `URL`: it accepts `schemes`, its example (the last scheme,
 * `host`, path /db) is read back with that host and path, and `otherScheme` is refused.
 */
export const url = <F extends string>(
  variable: string,
  field: F,
  schemes: ReadonlyArray<string>,
  host: string,
  otherScheme: string,
): Url<Readonly<Record<F, unknown>>> => ({
  variable,
  field,
  schemes,
  example: `${schemes.at(-1)}//app:${secret}@${host}/db`,
  reads: { host, pathname: "/db" },
  otherScheme: `${otherScheme}//app:${secret}@${host}/db`,
})

/** The variables several services read alike (`AppConfig.optionalUrl`, `AppConfig.brokerRequirement`). */
export const redisUrl = url("REDIS_URL", "redisUrl", ["redis:", "rediss:"], "cache.example:6380", "postgres:")
export const databaseUrl = url("DATABASE_URL", "databaseUrl", ["postgres:", "postgresql:"], "db.example:6543", "mysql:")
export const rabbitmqUrl = url("RABBITMQ_URL", "rabbitmqUrl", ["amqp:", "amqps:"], "broker:5671", "http:")

type Env = Readonly<Record<string, string>>

/** Reading `config` from these variables alone, as the service reads its environment (`_` between a path's parts). */
export const reader = <A>(config: Config.Config<A>) => {
  const read = (env: Env): Either.Either<A, ConfigError.ConfigError> =>
    Effect.runSync(Effect.either(config).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)), { pathDelim: "_", seqDelim: "," })),
    ))
  /** The variables a failed read names, with their problems. */
  const issues = (env: Env): Array<AppConfig.Issue> => {
    const result = read(env)
    if (Either.isRight(result)) throw new Error(`expected a configuration error from ${JSON.stringify(Object.keys(env))}`)
    return AppConfig.issues(result.left)
  }
  /** The configuration these variables make, which must be valid. */
  const valid = (env: Env): A => Either.getOrThrow(read(env))
  const named = (env: Env) => issues(env).map((issue) => issue.variable)
  return { read, issues, valid, named }
}

/** Registers the shared tests of a service's configuration. */
export const describe = <A extends { readonly port: number; readonly appEnv: AppConfig.AppEnv }>(facts: Facts<A>) => {
  const { issues, named, read, valid } = reader(facts.config)
  const urlOf = (config: A, url: Url<A>) => config[url.field] as Option.Option<Redacted.Redacted<object>>
  const variables = (list: ReadonlyArray<string>) => list.length === 1 ? list[0]! : `${list.slice(0, -1).join(", ")} and ${list.at(-1)}`

  BunTest.describe(`${facts.service} configuration`, () => {
    BunTest.test(`defaults: port ${facts.port}, development${facts.urls.map((url) => `, no ${url.variable}`).join("")}`, () => {
      const config = valid({})
      BunTest.expect(config.port).toBe(facts.port)
      BunTest.expect(config.appEnv).toBe("development")
      for (const url of facts.urls) BunTest.expect([url.variable, Option.isNone(urlOf(config, url))]).toEqual([url.variable, true])
    })

    BunTest.test("reads PORT; a PORT that is not a port fails naming PORT", () => {
      BunTest.expect(valid({ PORT: "8081" }).port).toBe(8081)
      for (const bad of ["http", "-1", "70000"]) BunTest.expect(named({ PORT: bad })).toEqual(["PORT"])
    })

    for (const url of facts.urls) {
      BunTest.test(`${url.variable}: ${url.schemes.join(" and ")} URLs are read and kept redacted`, () => {
        BunTest.expect(url.example).toContain(secret)
        const config = valid({ [url.variable]: url.example })
        const read = Option.map(urlOf(config, url), (value) => {
          const parsed = Redacted.value(value) as Record<string, unknown>
          return Object.fromEntries(Object.keys(url.reads).map((key) => [key, parsed[key]]))
        })
        BunTest.expect(read).toEqual(Option.some(url.reads))
        BunTest.expect(String(urlOf(config, url))).not.toContain(secret)
        for (const scheme of url.schemes) {
          const each = valid({ [url.variable]: `${scheme}//app:${secret}@host.example/x` })
          BunTest.expect([scheme, Option.isSome(urlOf(each, url)), String(urlOf(each, url)).includes(secret)]).toEqual([scheme, true, false])
        }
      })

      BunTest.test(`${url.variable} of another scheme, without a host or without // fails naming ${url.variable}, without the secret`, () => {
        const scheme = url.schemes[0]!
        for (const bad of [url.otherScheme, `${scheme}//`, `${scheme}admin:${secret}@db/x`]) {
          const found = issues({ [url.variable]: bad })
          BunTest.expect([bad, found.map((issue) => issue.variable)]).toEqual([bad, [url.variable]])
          BunTest.expect(JSON.stringify(found)).not.toContain(secret)
        }
        BunTest.expect(url.otherScheme).toContain(secret)
      })
    }

    const required = facts.productionRequires.flatMap((group) => Object.keys(group))
    const everything: Env = Object.assign({ APP_ENV: "production" }, ...facts.productionRequires)

    facts.productionRequires.forEach((group, index) => {
      const before: Env = Object.assign({ APP_ENV: "production" }, ...facts.productionRequires.slice(0, index))
      const names = Object.keys(group)
      BunTest.test(`APP_ENV=production without ${variables(names)}${index > 0 ? ` (once ${variables(Object.keys(before).slice(1))} are set)` : ""} fails naming each`, () => {
        const found = issues(before)
        BunTest.expect(found.map((issue) => issue.variable)).toEqual(names)
        for (const issue of found) BunTest.expect(issue.problem).toContain("APP_ENV=production")
      })
    })

    BunTest.test(`APP_ENV=production missing only one of ${variables(required)} fails naming it alone`, () => {
      for (const variable of required) {
        const { [variable]: _, ...rest } = everything
        BunTest.expect([variable, named(rest)]).toEqual([variable, [variable]])
      }
    })

    BunTest.test(`APP_ENV=production with ${variables(required)} starts`, () => {
      BunTest.expect(Either.isRight(read(everything))).toBe(true)
    })

    BunTest.test("a bad APP_ENV fails naming APP_ENV", () => {
      const readers = facts.appEnvReaders ?? 1
      for (const bad of ["prod", "staging"]) BunTest.expect(named({ APP_ENV: bad })).toEqual(Array.from({ length: readers }, () => "APP_ENV"))
    })
  })
}
