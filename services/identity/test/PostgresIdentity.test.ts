/**
 * The identity service on a real PostgreSQL, each test on a database of its own: the contract, the
 * migrations (on an empty database, then up to date; two instances at once), and what a restart
 * keeps (accounts, sessions, signing keys, one account per seeded member of staff).
 */
import { ChildProcess, EffectTest, Postgres, RealServer } from "@flight/runtime/testing"
import { expect } from "bun:test"
import { ConfigProvider, Effect, Logger, Redacted } from "effect"
import { Pool } from "pg"
import * as BetterAuth from "../src/infrastructure/BetterAuth.ts"
import { IdentityConfig } from "../src/infrastructure/IdentityConfig.ts"
import * as PostgresIdentityStore from "../src/infrastructure/PostgresIdentityStore.ts"
import * as Main from "../src/main.ts"
import { accountsWith, contract } from "./IdentityContract.ts"
import * as Identity from "./support/Identity.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const tablesOf = (database: URL) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new Pool({ connectionString: database.href })),
    (pool) =>
      Effect.promise(async () => {
        const result = await pool.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
        )
        return result.rows.map((row) => row.table_name)
      }),
    (pool) => Effect.promise(() => pool.end()),
  )

RealServer.describeWith("DATABASE_URL", "identity on PostgreSQL", (url) => {
  contract("PostgreSQL", Identity.postgres(url))

  EffectTest.effect("migrations create the identity tables on an empty database, then find them up to date", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "identity_test")
      yield* Identity.started(Identity.postgres(url, database))
      expect(yield* tablesOf(database)).toEqual(Object.values(BetterAuth.tables).sort())
      const pool = yield* Effect.acquireRelease(Effect.sync(() => new Pool({ connectionString: database.href })), (pool) => Effect.promise(() => pool.end()))
      const made = yield* BetterAuth.make(Identity.settings(), pool, "database")
      const again = yield* PostgresIdentityStore.migrate(made.options, Redacted.make(database))
      expect(again).toEqual({ created: [], altered: [] })
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("started on PostgreSQL without SEED_*: no staff account is made, and the development password is refused", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "identity_test")
      const port = ChildProcess.freePort()
      const env = { DATABASE_URL: database.href, PORT: String(port) }
      const config = yield* Effect.withConfigProvider(IdentityConfig, ConfigProvider.fromMap(new Map(Object.entries(env))))
      yield* Main.make(config)
      const users = yield* Effect.acquireUseRelease(
        Effect.sync(() => new Pool({ connectionString: database.href })),
        (pool) => Effect.promise(() => pool.query(`SELECT count(*)::int AS n FROM ${BetterAuth.tables.user}`)),
        (pool) => Effect.promise(() => pool.end()),
      )
      expect(users.rows[0].n).toBe(0)
      const signIn = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "ops@flight.local", password: "flight-ops-dev-only" }),
        })
      )
      expect(signIn.status).toBe(401)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("two instances starting at once on an empty database take turns: both serve, one key, one account per seed", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "identity_test")
      const [first, second] = yield* Effect.all([
        Identity.started(Identity.postgres(url, database)),
        Identity.started(Identity.postgres(url, database)),
      ], { concurrency: 2 })
      const jwks = yield* first!.send("GET", "/api/auth/jwks")
      expect(jwks.body.keys).toHaveLength(1)
      for (const seed of Identity.staff) expect(yield* Effect.provide(accountsWith(seed.email), second!.runtime)).toBe(1)
      const account = { name: "Grace Hopper", email: "grace@example.com", password: "compiler-a0-1952" }
      expect((yield* Identity.signUp(first!, account)).status).toBe(200)
      expect((yield* Identity.signIn(second!, account.email, account.password)).status).toBe(200)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a restart keeps accounts, sessions and the signing key; seeding again keeps one account each", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "identity_test")
      const account = { name: "Grace Hopper", email: "grace@example.com", password: "compiler-a0-1952" }
      const before = yield* Effect.scoped(Effect.gen(function* () {
        const client = yield* Identity.started(Identity.postgres(url, database))
        const signedUp = yield* Identity.signUp(client, account)
        const jwks = yield* client.send("GET", "/api/auth/jwks")
        return { session: signedUp.body.token as string, kid: jwks.body.keys[0].kid as string }
      }))
      const client = yield* Identity.started(Identity.postgres(url, database))
      const token = yield* client.send("GET", "/api/auth/token", { headers: { authorization: `Bearer ${before.session}` } })
      expect(token.status).toBe(200)
      expect(Identity.claimsOf(token.body.token).header.kid).toBe(before.kid)
      expect((yield* Identity.signIn(client, account.email, account.password)).status).toBe(200)
      for (const seed of Identity.staff) expect(yield* Effect.provide(accountsWith(seed.email), client.runtime)).toBe(1)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("the throttle is kept in the database: a second instance counts the first one's attempts", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "identity_test")
      const first = yield* Identity.started(Identity.postgres(url, database))
      const second = yield* Identity.started(Identity.postgres(url, database))
      const ip = Identity.freshIp()
      for (let attempt = 1; attempt <= 5; attempt++) {
        expect((yield* Identity.signIn(attempt % 2 === 0 ? first : second, "x@example.com", "not-the-password", ip)).status).toBe(401)
      }
      expect((yield* Identity.signIn(first, "x@example.com", "not-the-password", ip)).status).toBe(429)
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("once the database is gone, readiness is a 503 naming postgresql and a sign-in a 503 problem, never a 500", () =>
    Effect.gen(function* () {
      const database = yield* Postgres.freshDatabase(url, "identity_test")
      const client = yield* Identity.started(Identity.postgres(url, database))
      expect((yield* client.send("GET", "/health/ready")).status).toBe(200)
      const admin = new Pool({ connectionString: url })
      yield* Effect.promise(() => admin.query(`DROP DATABASE ${database.pathname.slice(1)} WITH (FORCE)`).finally(() => admin.end()))
      const ready = yield* client.send("GET", "/health/ready")
      expect(ready.status).toBe(503)
      expect(ready.body.errors).toEqual([{ path: "postgresql", message: "unavailable" }])
      const signIn = yield* Identity.signIn(client, Identity.staff[0]!.email, "ops-test-password")
      expect(signIn.status).toBe(503)
      expect(signIn.headers.get("content-type")).toContain("application/problem+json")
      expect(signIn.headers.get("retry-after")).toBe("1")
    }), { layer: quiet, timeout: 30_000 })
})
