/**
 * The guest issuer (decision 17): the booking service signs a guest token, scoped to one booking,
 * with an Ed25519 key of its own, and publishes the public key as a JWKS for every service to
 * verify it with. A guest token carries `booking_id` and never roles.
 *
 * The key is `BOOKING_GUEST_KEY` (a private JWK with a `kid`) when set, so that every instance
 * signs with the same key and a restart keeps the tokens valid; otherwise one is made at start, in
 * memory, which fits one process (the embedded mode, tests) and is refused in production.
 *
 * Rotation, in three deployments, so that no instance signs with a key another instance does not
 * publish: (1) the next key's public part in `BOOKING_GUEST_PUBLISHED_KEYS`; (2) the next key as
 * `BOOKING_GUEST_KEY`, the old one's public part published instead, so the tokens it signed stay
 * valid until they expire; (3) a token lifetime later, the old key out of the list. Verifiers
 * fetch the JWKS again on a `kid` they do not know.
 */
import { Claims } from "@flight/auth"
import type { BookingId } from "@flight/contracts"
import { Clock, Context, DateTime, Duration, Effect, Layer, Option, Redacted } from "effect"
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from "jose"
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, type webcrypto } from "node:crypto"

export interface Settings {
  /** `iss`: the booking service's public origin (BOOKING_GUEST_ISSUER). */
  readonly issuer: string
  /** `aud`: the system's audience, as identity's tokens carry (AUTH_AUDIENCE). */
  readonly audience: string
  /** How long a guest token lives (BOOKING_GUEST_TOKEN_TTL). */
  readonly ttl: Duration.Duration
  /** The private JWK (BOOKING_GUEST_KEY); a key made at start when none. */
  readonly key: Option.Option<Redacted.Redacted<JWK>>
  /** Public keys published beside the signing key: the next one, a retired one (BOOKING_GUEST_PUBLISHED_KEYS). */
  readonly publishedKeys?: ReadonlyArray<JWK> | undefined
}

export class GuestTokens extends Context.Tag("booking/GuestTokens")<GuestTokens, {
  readonly issuer: string
  /**
   * A token for the holder of this booking, valid for the configured lifetime from `issuedAt` (now
   * when not given). Ed25519 signatures are deterministic, so the same booking and time give the
   * same token: a replayed response carries the token of the first one.
   */
  readonly issue: (bookingId: BookingId, issuedAt?: DateTime.DateTime) => Effect.Effect<string>
  /** The public keys, as served at `GET /api/bookings/.well-known/jwks.json`. */
  readonly jwks: JSONWebKeySet
}>() {}

/** A key's public part: never the private `d`, whatever the configuration held. */
const publicOf = ({ crv, kid, kty, x }: JWK): JWK =>
  Object.fromEntries(Object.entries({ kty, crv, x, kid }).filter(([, value]) => value !== undefined))

/** The `sub` of a guest token: no account, only the booking. */
export const subjectOf = (bookingId: BookingId) => `guest:${bookingId}`

/** The compact JWS of `claims`, signed with `key` (Ed25519 signs the two encoded parts joined by a dot). */
const signed = (encodedHeader: string, claims: Record<string, unknown>, key: KeyObject) => {
  const input = `${encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`
}

/** The signing key and its public JWK, the public part derived from the private one (never taken on trust). */
const keyPairOf = (settings: Settings): { readonly kid: string; readonly privateKey: KeyObject; readonly publicJwk: JWK } => {
  if (Option.isNone(settings.key)) {
    const pair = generateKeyPairSync("ed25519")
    return { kid: `booking-guest-${Bun.randomUUIDv7()}`, privateKey: pair.privateKey, publicJwk: pair.publicKey.export({ format: "jwk" }) }
  }
  const jwk = Redacted.value(settings.key.value)
  const privateKey = createPrivateKey({ key: jwk as webcrypto.JsonWebKey, format: "jwk" })
  return { kid: jwk.kid!, privateKey, publicJwk: createPublicKey(privateKey).export({ format: "jwk" }) }
}

/**
 * Tokens are signed by the platform's Ed25519 (`node:crypto`), synchronously: jose's `SignJWT`
 * goes through WebCrypto's asynchronous `sign`, which cost a booking 45-120 µs of CPU more and a
 * turn of the event loop (docs/benchmarks.md). Every verifier, this service's own included, reads
 * them with jose.
 */
export const make = (settings: Settings): Effect.Effect<Context.Tag.Service<GuestTokens>> =>
  Effect.gen(function* () {
    const { kid, privateKey, publicJwk } = yield* Effect.try({
      try: () => keyPairOf(settings),
      catch: (cause) => new Error(`BOOKING_GUEST_KEY is not a usable Ed25519 private key: ${String(cause)}`),
    }).pipe(Effect.orDie)
    const others = (settings.publishedKeys ?? []).filter((key) => key.kid !== kid)
    const jwks: JSONWebKeySet = {
      keys: [{ ...publicJwk, kid }, ...others].map((key) => ({ ...publicOf(key), kid: key.kid ?? kid, alg: "EdDSA", use: "sig" })),
    }
    const header = Buffer.from(JSON.stringify({ alg: "EdDSA", kid, typ: "JWT" })).toString("base64url")
    const lifetime = Math.floor(Duration.toSeconds(settings.ttl))
    const issue = (bookingId: BookingId, issuedAt?: DateTime.DateTime) =>
      Effect.map(
        issuedAt === undefined ? Clock.currentTimeMillis : Effect.succeed(DateTime.toEpochMillis(issuedAt)),
        (millis) => {
          const now = Math.floor(millis / 1000)
          return signed(header, {
            [Claims.bookingClaim]: bookingId,
            iss: settings.issuer,
            aud: settings.audience,
            sub: subjectOf(bookingId),
            iat: now,
            exp: now + lifetime,
          }, privateKey)
        },
      )
    return { issuer: settings.issuer, issue, jwks }
  })

export const layer = (settings: Settings): Layer.Layer<GuestTokens> => Layer.effect(GuestTokens, make(settings))

/** The key set of the published JWKS, for a verifier in the same process (the service's own, tests). */
export const keySet = (tokens: Context.Tag.Service<GuestTokens>) => createLocalJWKSet(tokens.jwks)
