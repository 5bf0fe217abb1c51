import { EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { ConfigProvider, Effect, Layer } from "effect"
import { Principal, TokenVerifier } from "../src/index.ts"
import { TestIssuer } from "../src/testing/index.ts"
import { bookingId } from "./support.ts"

describe("a valid token", () => {
  EffectTest.effect("of a customer gives a customer principal with the customer role", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const principal = yield* verifier.verify(yield* issuer.customer("alice"))
      expect(principal).toBeInstanceOf(Principal.Customer)
      expect(principal).toMatchObject({ kind: "customer", sub: "alice", roles: ["customer"] })
    }))

  EffectTest.effect("of ops or admin gives a staff principal with those roles", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      expect(yield* verifier.verify(yield* issuer.staff("olga", ["ops"]))).toMatchObject({ kind: "staff", roles: ["ops"] })
      const both = yield* verifier.verify(yield* issuer.staff("ada", ["customer", "admin"]))
      expect(both).toBeInstanceOf(Principal.Staff)
      expect(both).toMatchObject({ kind: "staff", sub: "ada", roles: ["customer", "admin"] })
    }))

  EffectTest.effect("of a guest gives a guest-booking principal scoped to its booking, with no roles", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const principal = yield* verifier.verify(yield* issuer.guest(bookingId, { roles: ["admin"] }))
      expect(principal).toBeInstanceOf(Principal.GuestBooking)
      expect(principal).toMatchObject({ kind: "guest-booking", bookingId, roles: [] })
    }))

  EffectTest.effect("drops the roles this system does not know, and repeated ones", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const principal = yield* verifier.verify(
        yield* issuer.sign({ sub: "bob", claims: { roles: ["offline_access", "customer", "uma_authorization", "customer", 7] } }),
      )
      expect(principal).toMatchObject({ kind: "customer", roles: ["customer"] })
      const none = yield* verifier.verify(yield* issuer.sign({ sub: "carol", claims: { roles: "admin" } }))
      expect(none).toMatchObject({ kind: "customer", roles: [] })
    }))

  EffectTest.effect("reads the roles at a dotted path (Keycloak's realm_access.roles)", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make({ path: "/realms/flight" })
      const verifier = yield* issuer.verifier({ rolesClaim: "realm_access.roles" })
      const token = yield* issuer.sign({
        sub: "olga",
        claims: { realm_access: { roles: ["default-roles-flight", "ops"] }, roles: ["admin"] },
      })
      expect(yield* verifier.verify(token)).toMatchObject({ kind: "staff", roles: ["ops"] })
      const customer = yield* verifier.verify(yield* issuer.sign({ sub: "al", claims: { realm_access: {} } }))
      expect(customer).toMatchObject({ kind: "customer", roles: [] })
    }))

  EffectTest.effect("reads a roles claim whose name has dots in it (Auth0's namespaced claims) by its name", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier({ rolesClaim: "https://flight.example/roles" })
      const token = yield* issuer.sign({ sub: "ada", claims: { "https://flight.example/roles": ["admin"] } })
      expect(yield* verifier.verify(token)).toMatchObject({ kind: "staff", roles: ["admin"] })
    }))

  EffectTest.effect("signed with ES256 is accepted too", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make({ alg: "ES256" })
      const verifier = yield* issuer.verifier()
      expect(yield* verifier.verify(yield* issuer.customer("alice"))).toMatchObject({ kind: "customer", sub: "alice" })
    }))

  EffectTest.effect("with several audiences is accepted when ours is one of them", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const token = yield* issuer.customer("alice", { claims: { aud: ["account", issuer.audience] } })
      expect(yield* verifier.verify(token)).toMatchObject({ sub: "alice" })
    }))

  EffectTest.effect("is verified with the key set given directly, without HTTP (the embedded mode)", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = TokenVerifier.fromKeySet({ issuer: issuer.issuer, audience: issuer.audience }, issuer.keySet)
      expect(yield* verifier.verify(yield* issuer.customer("alice"))).toMatchObject({ sub: "alice" })
      expect(yield* issuer.jwksRequests).toBe(0)
    }))
})

describe("the verifier's keys", () => {
  EffectTest.effect("are found through the issuer's OpenID discovery document when AUTH_JWKS_URL is unset", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make({ path: "/realms/flight" })
      const config = ConfigProvider.fromMap(new Map([["AUTH_ISSUER", issuer.issuer], ["AUTH_AUDIENCE", issuer.audience]]))
      const principal = yield* TokenVerifier.verify(yield* issuer.customer("alice")).pipe(
        Effect.provide(TokenVerifier.layer.pipe(Layer.provide(Layer.setConfigProvider(config)))),
      )
      expect(principal).toMatchObject({ sub: "alice" })
      expect(yield* issuer.discoveryRequests).toBe(1)
      expect(yield* issuer.jwksRequests).toBe(1)
    }))

  EffectTest.effect("are read from AUTH_JWKS_URL when it is set, with the roles at AUTH_ROLES_CLAIM", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const config = ConfigProvider.fromMap(
        new Map([
          ["AUTH_ISSUER", issuer.issuer],
          ["AUTH_AUDIENCE", issuer.audience],
          ["AUTH_JWKS_URL", issuer.jwksUrl.href],
          ["AUTH_ROLES_CLAIM", "realm_access.roles"],
        ]),
      )
      const token = yield* issuer.sign({ sub: "olga", claims: { realm_access: { roles: ["ops"] } } })
      const principal = yield* TokenVerifier.verify(token).pipe(
        Effect.provide(TokenVerifier.layer.pipe(Layer.provide(Layer.setConfigProvider(config)))),
      )
      expect(principal).toMatchObject({ kind: "staff", roles: ["ops"] })
      expect(yield* issuer.discoveryRequests).toBe(0)
    }))

  EffectTest.effect("serve a service's tests through TestIssuer.layer", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.Issuer
      expect(yield* TokenVerifier.verify(yield* issuer.staff("ada", ["admin"]))).toMatchObject({ kind: "staff" })
    }), { layer: TestIssuer.layer() })
})

describe("two issuers: accounts and the guest issuer (decision 17)", () => {
  EffectTest.effect("a booking_id in an account issuer's token does not make it a guest: it is the account its roles say", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const customer = yield* verifier.verify(yield* issuer.customer("alice", { bookingId }))
      expect(customer).toMatchObject({ kind: "customer", sub: "alice", roles: ["customer"] })
      const staff = yield* verifier.verify(yield* issuer.staff("olga", ["ops"], { bookingId }))
      expect(staff).toMatchObject({ kind: "staff", roles: ["ops"] })
    }))

  EffectTest.effect("a guest issuer's token without a booking_id is refused; with roles it is still a guest with none", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      const refused = yield* Effect.flip(verifier.verify(yield* issuer.guests.sign({ sub: "guest:x", roles: ["admin"] })))
      expect(refused).toMatchObject({ _tag: "InvalidToken", reason: "invalid-claims" })
      const guest = yield* verifier.verify(yield* issuer.guests.guest(bookingId, { roles: ["ops", "admin"] }))
      expect(guest).toMatchObject({ kind: "guest-booking", bookingId, roles: [] })
    }))

  EffectTest.effect("a token naming the guest issuer but signed with an account key is refused, and so is the reverse", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const verifier = yield* issuer.verifier()
      // Signed by the accounts' key under the guests' issuer: the guest keys do not verify it.
      const forged = yield* issuer.sign({ bookingId, claims: { iss: issuer.guests.issuer } })
      expect(yield* Effect.flip(verifier.verify(forged))).toMatchObject({ _tag: "InvalidToken", reason: "unknown-key" })
      const reverse = yield* issuer.guests.sign({ roles: ["admin"], claims: { iss: issuer.issuer } })
      expect(yield* Effect.flip(verifier.verify(reverse))).toMatchObject({ _tag: "InvalidToken", reason: "unknown-key" })
    }))

  EffectTest.effect("without a guest issuer trusted, a guest token is refused", () =>
    Effect.gen(function*() {
      const issuer = yield* TestIssuer.make()
      const accountsOnly = yield* TokenVerifier.remote({ issuer: issuer.issuer, audience: issuer.audience })
      const refused = yield* Effect.flip(accountsOnly.verify(yield* issuer.guest(bookingId)))
      expect(refused._tag).toBe("InvalidToken")
    }))
})
