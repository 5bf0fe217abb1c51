/**
 * The warning at start when the booking store's Redis keeps nothing on disk: against the Redis of
 * REDIS_URL (CI's runs with neither the append-only file nor snapshots), in production only, and
 * "could not be verified" where CONFIG is refused (an ACL user without it).
 */
import { describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { Redis } from "ioredis"
import * as RedisPersistence from "../src/infrastructure/RedisPersistence.ts"
import * as RedisStore from "../src/infrastructure/RedisStore.ts"
import { EffectTest, RealServer } from "@flight/runtime/testing"

describe("Redis persistence", () => {
  test("nothing on disk is appendonly no with no save points; either one keeps the store", () => {
    expect(RedisPersistence.persistenceOf("no", "")._tag).toBe("Nothing")
    expect(RedisPersistence.persistenceOf("yes", "")._tag).toBe("OnDisk")
    expect(RedisPersistence.persistenceOf("no", "3600 1 300 100 60 10000")._tag).toBe("OnDisk")
  })

  test("the warning names the server and the risk, and none is given for a store on disk", () => {
    const nothing = RedisPersistence.warningOf({ _tag: "Nothing" }, "redis.internal:6379")
    expect(nothing).toContain("redis.internal:6379 keeps nothing on disk")
    expect(nothing).toContain("the seats' source of truth")
    const unverified = RedisPersistence.warningOf({ _tag: "Unverified", reason: "NOPERM" }, "redis.internal:6379")
    expect(unverified).toContain("could not be verified (CONFIG GET: NOPERM)")
    expect(unverified).toContain("the seats' source of truth")
    expect(RedisPersistence.warningOf({ _tag: "OnDisk", appendonly: "yes", save: "" }, "redis.internal:6379")).toBeUndefined()
  })
})

/** Starts the store's Redis layer with APP_ENV as given and returns the warnings it logged. */
const warningsAtStart = (url: string, appEnv: string | undefined) =>
  Effect.gen(function* () {
    const warnings: Array<string> = []
    const collect = Logger.make(({ logLevel, message }) => {
      if (logLevel._tag === "Warning") warnings.push((Array.isArray(message) ? message : [message]).join(" "))
    })
    const env = new Map(appEnv === undefined ? [] : [["APP_ENV", appEnv]])
    yield* Effect.scoped(Layer.build(RedisStore.layer(Redacted.make(new URL(url))))).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, collect)),
      Logger.withMinimumLogLevel(LogLevel.All),
      Effect.withConfigProvider(ConfigProvider.fromMap(env)),
    )
    return warnings
  })

RealServer.describeWith("REDIS_URL", "Redis persistence against a real server", (url) => {
  const address = RedisStore.address(Redacted.make(new URL(url)))

  EffectTest.effect("in production the start warns exactly when the server keeps nothing on disk", () =>
    Effect.gen(function* () {
      const client = new Redis(url)
      const persistence = yield* RedisPersistence.inspect(client).pipe(Effect.ensuring(Effect.promise(() => client.quit())))
      expect(persistence._tag).not.toBe("Unverified")
      // CI's Redis is started with neither (.ci/run): there the warning itself is always checked.
      if (process.env["CI"] === "true") expect(persistence._tag).toBe("Nothing")
      const warnings = yield* warningsAtStart(url, "production")
      const about = warnings.filter((warning) => warning.includes("on disk"))
      if (persistence._tag === "Nothing") {
        expect(about).toEqual([RedisPersistence.warningOf(persistence, address)!])
        expect(about[0]).toContain("the booking store is the seats' source of truth")
      } else {
        expect(about).toEqual([])
      }
    }))

  EffectTest.effect("outside production nothing is asked and nothing is logged", () =>
    Effect.gen(function* () {
      expect(yield* warningsAtStart(url, undefined)).toEqual([])
      expect(yield* warningsAtStart(url, "development")).toEqual([])
      expect(yield* warningsAtStart(url, "test")).toEqual([])
    }))

  EffectTest.effect("where CONFIG is refused, production warns that persistence could not be verified", () =>
    Effect.gen(function* () {
      const admin = new Redis(url)
      const user = `booking-test-no-config-${crypto.randomUUID()}`
      const password = crypto.randomUUID()
      yield* Effect.acquireRelease(
        Effect.promise(() => admin.acl("SETUSER", user, "on", `>${password}`, "~*", "&*", "+@all", "-config")),
        () => Effect.promise(() => admin.acl("DELUSER", user).then(() => admin.quit())),
      )
      const restricted = new URL(url)
      restricted.username = user
      restricted.password = password
      const warnings = yield* warningsAtStart(restricted.href, "production")
      const about = warnings.filter((warning) => warning.includes("could not be verified"))
      expect(about.length).toBe(1)
      expect(about[0]).toContain("NOPERM")
      expect(about[0]).toContain("the booking store is the seats' source of truth")
      expect(about[0]).not.toContain(password)
    }))
})
