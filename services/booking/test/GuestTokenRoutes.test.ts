/**
 * The tokens a booking carries (decision 17): an anonymous booking is a guest's, with a 2-hour token
 * of the service's own guest issuer scoped to it; a customer's booking records its owner and carries
 * one too. The issuer's keys are published; a token of another issuer, run out or altered, is a 401.
 */
import { Claims } from "@flight/auth"
import { BookingId } from "@flight/contracts"
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from "jose"
import { describe, expect } from "bun:test"
import { Effect, TestContext } from "effect"
import { BookingQueries } from "../src/application/BookingQueries.ts"
import { GuestTokens } from "../src/infrastructure/GuestTokens.ts"
import { bookingBody } from "./support/BookingRequests.ts"
import { type Api, apiTest } from "./support/BookingRoutesApp.ts"
import { bearer, signed, verify } from "./support/Callers.ts"

describe("guest tokens", () => {
  const claimsOf = (token: string) => decodeJwt(token)
  const stored = (api: Api, id: string) =>
    Effect.flatMap(BookingQueries, (queries) => queries.get(BookingId.make(id))).pipe(Effect.provide(api.runtime))

  apiTest("an anonymous booking is a guest's: the 201 carries a 2-hour token of the guest issuer, scoped to it, without roles", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId))
      expect(answer.status).toBe(201)
      const { accessToken, id } = answer.body as { accessToken: string; id: string }
      const claims = claimsOf(accessToken)
      expect([claims.iss, claims[Claims.bookingClaim], claims.sub, "roles" in claims, claims.exp! - claims.iat!])
        .toEqual(["http://localhost:3001", id, `guest:${id}`, false, 2 * 60 * 60])
      expect(yield* verify(api, accessToken)).toMatchObject({ kind: "guest-booking", bookingId: id, roles: [] })
      expect((yield* stored(api, id)).owner as string | null).toBe(null)
    }))

  apiTest("a customer's booking records their sub as its owner, and still carries a token scoped to it", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const answer = yield* api.post(bookingBody(flightId), bearer(yield* signed(api, (issuer) => issuer.customer("customer-a"))))
      expect(answer.status).toBe(201)
      const { accessToken, id } = answer.body as { accessToken: string; id: string }
      expect("owner" in (answer.body as object)).toBe(false)
      expect((yield* stored(api, id)).owner as string | null).toBe("customer-a")
      expect(yield* verify(api, accessToken)).toMatchObject({ kind: "guest-booking", bookingId: id })
    }))

  apiTest("the guest issuer's keys are published, and its tokens verify with them alone", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const { accessToken } = (yield* api.post(bookingBody(flightId))).body as { accessToken: string }
      const answer = yield* api.send("GET", "/api/bookings/.well-known/jwks.json")
      expect(answer.status).toBe(200)
      const jwks = answer.body as JSONWebKeySet
      expect(jwks.keys.map((key) => [key.kty, key.crv, key.alg, "d" in key])).toEqual([["OKP", "Ed25519", "EdDSA", false]])
      const verified = yield* Effect.promise(() =>
        jwtVerify(accessToken, createLocalJWKSet(jwks), { issuer: "http://localhost:3001", audience: "flight-booking" })
      )
      expect(verified.protectedHeader.kid).toBe(jwks.keys[0]!.kid!)
    }))

  apiTest("a guest token of another issuer, or one that ran out, is refused with a 401", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      // The test issuer's guest issuer is not this service: its token naming the booking is not trusted.
      const foreign = yield* signed(api, (issuer) => issuer.guest(booking.id))
      expect((yield* api.post(bookingBody(flightId), bearer(foreign))).status).toBe(401)
      const expired = yield* signed(api, (issuer) => issuer.guests.guest(booking.id, { expiresIn: -120 }))
      expect((yield* api.post(bookingBody(flightId), bearer(expired))).status).toBe(401)
    }))

  apiTest("an expired or altered guest token of this service is a 401 with WWW-Authenticate: Bearer, not a 404", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = (yield* api.post(bookingBody(flightId))).body as { id: string; accessToken: string }
      // Issued at the epoch (the test clock's time): long expired.
      const expired = yield* Effect.flatMap(GuestTokens, (tokens) => tokens.issue(BookingId.make(booking.id))).pipe(
        Effect.provide(api.runtime),
        Effect.provide(TestContext.TestContext),
      )
      const [header, payload, signature] = booking.accessToken.split(".")
      const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>
      const altered = [header, Buffer.from(JSON.stringify({ ...claims, roles: ["admin"] })).toString("base64url"), signature].join(".")
      for (const token of [expired, altered]) {
        const answer = yield* api.send("GET", `/api/bookings/${booking.id}`, { headers: bearer(token) })
        expect(answer.status).toBe(401)
        expect(answer.headers.get("www-authenticate")).toStartWith("Bearer")
      }
    }))
})
