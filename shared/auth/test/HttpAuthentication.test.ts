/** @flight/auth behind the HTTP bridge: the caller decided from the token and the route's access, before the body. */
import { AppConfig, HttpApp, Route } from "@flight/runtime"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { Config, ConfigProvider, Effect, Either, Layer, Option, Schema } from "effect"
import { AuthConfig, CurrentPrincipal, HttpAuthentication, Policy, Principal, TokenVerifier } from "../src/index.ts"
import { HostileTokens, TestIssuer } from "../src/testing/index.ts"

const routes = [
  Route.make({
    method: "post",
    path: "/api/flights",
    summary: "Schedule",
    access: Policy.roles("ops", "admin"),
    body: Schema.Struct({ flightNumber: Schema.NonEmptyString }),
    success: { status: 201, schema: Schema.Struct({ sub: Schema.String }) },
    handler: () => Effect.map(CurrentPrincipal, (caller) => ({ sub: Option.match(caller, { onNone: () => "", onSome: (p) => p.sub }) })),
  }),
  Route.make({
    method: "get",
    path: "/api/flights",
    summary: "Search",
    access: "anyone",
    success: { status: 200, schema: Schema.Struct({ caller: Schema.NullOr(Schema.String) }) },
    handler: () => Effect.map(CurrentPrincipal, (caller) => ({ caller: Option.getOrNull(Option.map(caller, (p) => p.kind)) })),
  }),
]

const setUp = Effect.gen(function*() {
  const issuer = yield* TestIssuer.make()
  const verifier = yield* issuer.verifier()
  const runtime = yield* Layer.toRuntime(Layer.succeed(TokenVerifier.TokenVerifier, verifier))
  const app = HttpApp.make({ service: "t", version: "1", routes, runtime, authentication: HttpAuthentication.bridge, readiness: Effect.void })
  const send = (method: string, path: string, token?: string, body?: string) =>
    Effect.promise(async () => {
      const response = await app.fetch(new Request(`http://t${path}`, {
        method,
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/json" },
        ...(body === undefined ? {} : { body }),
      }))
      return { status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.json() as any }
    })
  return { issuer, send }
})

describe("HttpAuthentication", () => {
  EffectTest.effect("a role route: anonymous 401 with the Bearer challenge, customer 403, ops and admin in; bad bodies only for them", () =>
    Effect.gen(function*() {
      const { issuer, send } = yield* setUp
      const good = '{"flightNumber":"BA117"}'
      for (const body of [good, "{nope", '{"flightNumber":""}']) {
        const anonymous = yield* send("POST", "/api/flights", undefined, body)
        expect([anonymous.status, anonymous.challenge, anonymous.body.type]).toEqual([401, "Bearer", "unauthorized"])
        const customer = yield* send("POST", "/api/flights", yield* issuer.customer("ada"), body)
        expect([customer.status, customer.body.type]).toEqual([403, "forbidden"])
        expect(customer.challenge).toContain('error="insufficient_scope"')
      }
      expect(yield* send("POST", "/api/flights", yield* issuer.staff("olga", ["ops"]), good)).toMatchObject({ status: 201, body: { sub: "olga" } })
      expect(yield* send("POST", "/api/flights", yield* issuer.staff("ann", ["ops", "admin"]), good)).toMatchObject({ status: 201 })
      expect((yield* send("POST", "/api/flights", yield* issuer.staff("olga", ["ops"]), "{nope")).status).toBe(400)
    }))

  EffectTest.effect("an open route: anonymous or known callers reach the handler; a refused token is still a 401", () =>
    Effect.gen(function*() {
      const { issuer, send } = yield* setUp
      expect((yield* send("GET", "/api/flights")).body).toEqual({ caller: null })
      expect((yield* send("GET", "/api/flights", yield* issuer.customer("ada"))).body).toEqual({ caller: "customer" })
      const expired = yield* send("GET", "/api/flights", yield* issuer.customer("ada", { expiresIn: -3600 }))
      expect([expired.status, expired.challenge]).toEqual([401, 'Bearer error="invalid_token", error_description="The token has expired"'])
    }))

  EffectTest.effect("every hostile token is a 401 invalid_token at a protected route", () =>
    Effect.gen(function*() {
      const { issuer, send } = yield* setUp
      for (const [name, token] of Object.entries(yield* HostileTokens.make(issuer))) {
        const answer = yield* send("POST", "/api/flights", token, '{"flightNumber":"BA117"}')
        expect([name, answer.status, answer.challenge?.startsWith('Bearer error="invalid_token"')]).toEqual([name, 401, true])
      }
    }))

  EffectTest.effect("keys out of reach are a 503, not a 401: the token may be good", () =>
    Effect.gen(function*() {
      const { issuer, send } = yield* setUp
      const token = yield* issuer.staff("olga", ["ops"])
      yield* issuer.setOutage(true)
      expect((yield* send("POST", "/api/flights", token, '{"flightNumber":"BA117"}')).status).toBe(503)
    }))
})

describe("Policy.admit and Policy.permits", () => {
  const customer = new Principal.Customer({ sub: "ada", roles: ["customer"] })
  const ops = new Principal.Staff({ sub: "olga", roles: ["ops"] })
  const status = (either: Either.Either<unknown, { readonly status: number }>) => Either.match(either, { onLeft: (p) => p.status, onRight: () => 200 })

  test("anyone admits every caller; a role access admits only callers with one of its roles", () => {
    expect([Option.none(), Option.some(customer), Option.some(ops)].map((caller) => status(Policy.admit("anyone", caller)))).toEqual([200, 200, 200])
    expect([Option.none(), Option.some(customer), Option.some(ops)].map((caller) => status(Policy.admit("authenticated", caller)))).toEqual([401, 200, 200])
    expect([Option.none(), Option.some(customer), Option.some(ops)].map((caller) => status(Policy.admit(Policy.roles("ops", "admin"), caller)))).toEqual([401, 403, 200])
    expect([Policy.permits(Policy.roles("admin"), ops), Policy.permits("authenticated", customer)]).toEqual([false, true])
  })
})

describe("AuthConfig.service", () => {
  const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  EffectTest.effect("defaults to the identity service of this system outside production", () =>
    Effect.gen(function*() {
      expect(yield* AuthConfig.service.pipe(withEnv({}))).toEqual({
        issuer: "http://localhost:3005",
        audience: "flight-booking",
        rolesClaim: "roles",
        jwksUrl: Option.none(),
        issuerSet: false,
        guestIssuerSet: false,
        guest: Option.some(AuthConfig.guestAt("http://localhost:3001")),
      })
      const keycloak = yield* AuthConfig.service.pipe(withEnv({ AUTH_ISSUER: "https://id.example/realms/f", AUTH_AUDIENCE: "api", AUTH_ROLES_CLAIM: "realm_access.roles" }))
      expect([keycloak.issuer, keycloak.audience, keycloak.rolesClaim]).toEqual(["https://id.example/realms/f", "api", "realm_access.roles"])
    }))

  EffectTest.effect("APP_ENV=production requires AUTH_ISSUER (issuerRequirement), naming it; a bad value is named too", () =>
    Effect.gen(function*() {
      const production = AuthConfig.service.pipe(
        Config.map((auth) => ({ appEnv: "production" as const, auth })),
        Config.mapOrFail(AppConfig.requiredInProduction((config) => [AuthConfig.issuerRequirement(config.auth)])),
      )
      const named = <A>(config: Config.Config<A>, env: Record<string, string>) =>
        Effect.flip(config).pipe(withEnv(env), Effect.map((error) => AppConfig.issues(error).map((issue) => issue.variable)))
      expect(yield* named(production, {})).toEqual(["AUTH_ISSUER"])
      expect((yield* production.pipe(withEnv({ AUTH_ISSUER: "https://id.example" }))).auth.issuer).toBe("https://id.example")
      expect(yield* named(AuthConfig.service, { AUTH_ISSUER: "ftp://id.example" })).toEqual(["AUTH_ISSUER"])
      expect(yield* named(AuthConfig.service, { AUTH_AUDIENCE: " " })).toEqual(["AUTH_AUDIENCE"])
    }))
})
