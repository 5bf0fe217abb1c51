/**
 * The hostile tokens every service's tests send to a protected route, each of which must be a 401:
 * made with a `TestIssuer`, each claiming the admin role, so that only the verification refuses them.
 */
import { Effect } from "effect"
import { base64url, SignJWT } from "jose"
import type { TestIssuer } from "./TestIssuer.ts"

const encode = (value: unknown) => base64url.encode(JSON.stringify(value))

/** Name → token: expired, wrong issuer, wrong audience, alg none, HS256 with the public key, tampered, unknown kid. */
export const make = (issuer: TestIssuer): Effect.Effect<Readonly<Record<string, string>>> =>
  Effect.gen(function*() {
    const admin = ["ops", "admin"]
    const kid = yield* issuer.currentKid
    const valid = yield* issuer.staff("mallory", admin)
    const [header, payload, signature] = valid.split(".") as [string, string, string]
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>
    const jwk = yield* issuer.publicJwk(kid)
    const stranger = yield* issuer.addKey({ publish: false })
    return {
      expired: yield* issuer.staff("mallory", admin, { expiresIn: -3600 }),
      "wrong issuer": yield* issuer.staff("mallory", admin, { claims: { iss: "https://issuer.evil.example" } }),
      "wrong audience": yield* issuer.staff("mallory", admin, { claims: { aud: "another-api" } }),
      "alg none": `${encode({ alg: "none", typ: "JWT", kid })}.${payload}.`,
      "HS256 with the public key": yield* Effect.promise(() =>
        new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid }).sign(base64url.decode(jwk.x!))
      ),
      tampered: `${header}.${encode({ ...claims, sub: "olga" })}.${signature}`,
      "unknown kid": yield* issuer.staff("mallory", admin, { kid: stranger }),
    }
  })
