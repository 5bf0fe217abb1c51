import { AppConfig } from "@flight/runtime"
import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { ConfigProvider, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { AuthConfig, TokenVerifier } from "../src/index.ts"

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const base = { AUTH_ISSUER: "https://id.flight.example/realms/flight", AUTH_AUDIENCE: "flight-api" }

/** The variables a bad configuration names. */
const variablesNamed = (env: Record<string, string>) =>
  Effect.flip(AuthConfig.settings).pipe(
    withEnv(env),
    Effect.map((error) => AppConfig.issues(error).map((issue) => issue.variable)),
  )

describe("AuthConfig.settings", () => {
  EffectTest.effect("trusts a guest issuer only when AUTH_GUEST_ISSUER is set; its keys where booking publishes them unless told", () =>
    Effect.gen(function*() {
      const published = yield* AuthConfig.settings.pipe(withEnv({ ...base, AUTH_GUEST_ISSUER: "https://booking.example" }))
      expect(Option.map(published.guest, (guest) => [guest.issuer, guest.jwksUrl.href])).toEqual(
        Option.some(["https://booking.example", "https://booking.example/api/bookings/.well-known/jwks.json"]),
      )
      const told = yield* AuthConfig.settings.pipe(withEnv({
        ...base,
        AUTH_GUEST_ISSUER: "https://booking.example",
        AUTH_GUEST_JWKS_URL: "https://keys.example/guest.json",
      }))
      expect(Option.map(told.guest, (guest) => guest.jwksUrl.href)).toEqual(Option.some("https://keys.example/guest.json"))
      const refused = yield* AuthConfig.settings.pipe(withEnv({ ...base, AUTH_GUEST_ISSUER: "ftp://booking.example" }), Effect.flip)
      expect(String(refused)).toContain("AUTH_GUEST_ISSUER")
    }))


  EffectTest.effect("reads the issuer, audience and roles claim, with no JWKS URL meaning discovery", () =>
    Effect.gen(function*() {
      const settings = yield* AuthConfig.settings.pipe(withEnv(base))
      expect(settings).toEqual({
        issuer: base.AUTH_ISSUER,
        audience: "flight-api",
        rolesClaim: "roles",
        jwksUrl: Option.none(),
        guest: Option.none(),
      })
      const keycloak = yield* AuthConfig.settings.pipe(withEnv({
        ...base,
        AUTH_ROLES_CLAIM: " realm_access.roles ",
        AUTH_JWKS_URL: "https://id.flight.example/realms/flight/protocol/openid-connect/certs",
      }))
      expect(keycloak.rolesClaim).toBe("realm_access.roles")
      expect(Option.map(keycloak.jwksUrl, (url) => url.href)).toEqual(
        Option.some("https://id.flight.example/realms/flight/protocol/openid-connect/certs"),
      )
      expect((yield* AuthConfig.settings.pipe(withEnv({ ...base, AUTH_JWKS_URL: "" }))).jwksUrl).toEqual(Option.none())
    }))

  EffectTest.effect("keeps the issuer exactly as given, trailing slash and all, since iss is compared exactly", () =>
    Effect.gen(function*() {
      const settings = yield* AuthConfig.settings.pipe(withEnv({ ...base, AUTH_ISSUER: "https://tenant.auth0.example/" }))
      expect(settings.issuer).toBe("https://tenant.auth0.example/")
    }))

  EffectTest.effect("names each variable that is missing or bad", () =>
    Effect.gen(function*() {
      expect(yield* variablesNamed({})).toEqual(["AUTH_ISSUER", "AUTH_AUDIENCE"])
      expect(yield* variablesNamed({ ...base, AUTH_ISSUER: "id.flight.example" })).toEqual(["AUTH_ISSUER"])
      expect(yield* variablesNamed({ ...base, AUTH_ISSUER: "ftp://id.flight.example" })).toEqual(["AUTH_ISSUER"])
      expect(yield* variablesNamed({ ...base, AUTH_ISSUER: "https://id.flight.example/?realm=x" })).toEqual(["AUTH_ISSUER"])
      expect(yield* variablesNamed({ ...base, AUTH_AUDIENCE: "  " })).toEqual(["AUTH_AUDIENCE"])
      expect(yield* variablesNamed({ ...base, AUTH_JWKS_URL: "not a url" })).toEqual(["AUTH_JWKS_URL"])
      expect(yield* variablesNamed({ ...base, AUTH_JWKS_URL: "file:///etc/jwks.json" })).toEqual(["AUTH_JWKS_URL"])
      for (const bad of ["realm_access..roles", ".roles", "roles.", "   "]) {
        expect(yield* variablesNamed({ ...base, AUTH_ROLES_CLAIM: bad })).toEqual(["AUTH_ROLES_CLAIM"])
      }
    }))

  EffectTest.effect("a bad value fails the verifier's layer at start with ConfigurationInvalid naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(TokenVerifier.layer)).pipe(
        withEnv({ ...base, AUTH_ISSUER: "nope" }),
        Logger.withMinimumLogLevel(LogLevel.None),
      )
      expect(error).toBeInstanceOf(AppConfig.ConfigurationInvalid)
      expect(error.issues.map((issue) => issue.variable)).toEqual(["AUTH_ISSUER"])
    }))
})

describe("AuthConfig.service in production", () => {
  const requirements = (env: Record<string, string>) =>
    AuthConfig.service.pipe(
      withEnv(env),
      Effect.map((settings) => [AuthConfig.issuerRequirement(settings), AuthConfig.guestIssuerRequirement(settings)]),
      Effect.map((list) => list.filter((requirement) => Option.isNone(requirement.value)).map((requirement) => requirement.variable)),
    )

  EffectTest.effect("a service serving guests needs AUTH_ISSUER and AUTH_GUEST_ISSUER set; the localhost defaults do not count", () =>
    Effect.gen(function*() {
      expect(yield* requirements({})).toEqual(["AUTH_ISSUER", "AUTH_GUEST_ISSUER"])
      expect(yield* requirements(base)).toEqual(["AUTH_GUEST_ISSUER"])
      expect(yield* requirements({ ...base, AUTH_GUEST_ISSUER: "https://booking.example" })).toEqual([])
      const settings = yield* AuthConfig.service.pipe(withEnv({ AUTH_GUEST_ISSUER: "https://booking.example" }))
      expect(AuthConfig.guestIssuerRequirement(settings).value).toEqual(Option.some("https://booking.example"))
    }))
})
