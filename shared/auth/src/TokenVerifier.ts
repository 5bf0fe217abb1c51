/**
 * Verifies an access token and says who it stands for. Every service verifies tokens itself, with
 * the same rules: EdDSA or ES256 only, a `kid` naming one of the issuer's keys, the configured
 * issuer and audience, `exp` required, and `exp` / `nbf` checked with 30 seconds of clock skew.
 *
 * The keys come from the issuer's JWKS over HTTP (`layer`, `layerRemote`), cached by jose and
 * fetched again when a token names a key not in the cache (a rotation), at most once per cooldown;
 * or from a key set function in the same process (`layerKeySet`), for the embedded mode.
 */
import { AppConfig, Spans } from "@flight/runtime"
import { Clock, Context, Duration, Effect, Either, Layer, Option, ParseResult, Schema, SynchronizedRef } from "effect"
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from "jose"
import * as AuthConfig from "./AuthConfig.ts"
import * as Claims from "./Claims.ts"
import type { Principal } from "./Principal.ts"
import { InvalidToken, KeysUnavailable, type Reason } from "./VerificationError.ts"
import * as VerifiedTokens from "./VerifiedTokens.ts"

/** The only signing algorithms accepted: asymmetric, so no service holds a key that can sign. */
export const algorithms: ReadonlyArray<string> = ["EdDSA", "ES256"]

/** How far apart the issuer's clock and ours may be when `exp` and `nbf` are checked. */
export const clockTolerance: Duration.Duration = Duration.seconds(30)

/**
 * Finds the public key of a token from its protected header (jose's `JWTVerifyGetKey`), as
 * `createLocalJWKSet(jwks)` does. For a `kid` it does not know it throws jose's
 * `errors.JWKSNoMatchingKey`; any other failure is read as the keys being unavailable.
 */
export type KeySet = JWTVerifyGetKey

export interface Options {
  readonly issuer: string
  readonly audience: string
  /** A claim name or a dotted path (`realm_access.roles`); `roles` when not given. */
  readonly rolesClaim?: string
  /** What the issuer signs: accounts unless told (the guest issuer signs `guests`; `Claims.Tokens`). */
  readonly tokens?: Claims.Tokens
}

export interface RemoteOptions extends Options {
  /** The JWKS; when not given, `jwks_uri` of the issuer's OpenID discovery document. */
  readonly jwksUrl?: URL
  /** The least time between two fetches of the JWKS caused by an unknown `kid`; 30 seconds. */
  readonly cooldown?: Duration.DurationInput
  /** How long a fetched JWKS is used before it is fetched again; 10 minutes. */
  readonly cacheMaxAge?: Duration.DurationInput
  /** The bound on each HTTP request (discovery document, JWKS); 5 seconds. */
  readonly timeout?: Duration.DurationInput
}

export class TokenVerifier extends Context.Tag("@flight/auth/TokenVerifier")<TokenVerifier, {
  readonly verify: (token: string) => Effect.Effect<Principal, InvalidToken | KeysUnavailable>
}>() {}

/** Verifies `token` with the verifier in the context. */
export const verify = (token: string): Effect.Effect<Principal, InvalidToken | KeysUnavailable, TokenVerifier> =>
  Effect.flatMap(TokenVerifier, (verifier) => verifier.verify(token))

// Thrown inside the key lookup, so that a token's fault and the keys' unavailability stay apart.
class NoKeyId extends Error {}
class KeyLookupFailed extends Error {}

const guarded = (keySet: KeySet): KeySet => async (header, token) => {
  if (typeof header.kid !== "string" || header.kid === "") throw new NoKeyId()
  try {
    return await keySet(header, token)
  } catch (cause) {
    if (cause instanceof errors.JWKSNoMatchingKey) throw cause
    throw new KeyLookupFailed("key lookup failed", { cause })
  }
}

const reasonOf = (error: unknown): Reason | undefined => {
  if (error instanceof NoKeyId || error instanceof errors.JWKSNoMatchingKey) return "unknown-key"
  if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm-not-allowed"
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad-signature"
  if (error instanceof errors.JWTExpired) return "expired"
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "wrong-issuer"
    if (error.claim === "aud") return "wrong-audience"
    if (error.claim === "nbf" && error.reason === "check_failed") return "not-yet-valid"
    return "invalid-claims"
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
    return "malformed"
  }
  return undefined
}

const describe = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/**
 * A verifier taking its keys from `keys` (evaluated for each token, so it may find them lazily).
 * A failure jose does not name as a token's fault is a defect, not a refusal. A token it verified
 * before is answered again while it is in time and the key set still answers the same key
 * (`VerifiedTokens`).
 */
export const make = (
  options: Options,
  keys: Effect.Effect<KeySet, KeysUnavailable>,
): Context.Tag.Service<TokenVerifier> => {
  const rolesClaim = options.rolesClaim ?? Claims.defaultRolesClaim
  const tolerance = Duration.toSeconds(clockTolerance)
  const verified = VerifiedTokens.make()
  const unavailable = (cause: unknown) =>
    new KeysUnavailable({ detail: `The signing keys of ${options.issuer} cannot be read: ${describe(cause)}`, cause })
  /**
   * Whether the key set answers, for a token verified before, the very key that verified it. Keys
   * out of reach are said at once (verifying afresh would only ask the key set again, and wait for
   * it again); a key no longer found is not the same key, and the token is verified afresh.
   */
  const sameKey = (keySet: KeySet, token: string, known: VerifiedTokens.Verified) =>
    Effect.tryPromise({ try: async () => keySet(known.header, VerifiedTokens.inputOf(token)), catch: (error) => error }).pipe(
      Effect.map((key) => key === known.key),
      Effect.catchAll((error) => error instanceof KeyLookupFailed ? Effect.fail(unavailable(error.cause)) : Effect.succeed(false)),
    )
  const verify = Spans.fn("TokenVerifier.verify")(function*(token: string) {
    const keySet = guarded(yield* keys)
    const now = yield* Clock.currentTimeMillis
    const known = verified.get(token)
    if (known !== undefined && VerifiedTokens.inTime(known, now, tolerance) && (yield* sameKey(keySet, token, known))) {
      return known.principal
    }
    const result = yield* Effect.tryPromise({
      try: () =>
        jwtVerify(token, keySet, {
          algorithms: [...algorithms],
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ["exp", "sub"],
          clockTolerance: tolerance,
          currentDate: new Date(now),
        }),
      catch: (error) => error,
    }).pipe(
      Effect.catchAll((error): Effect.Effect<never, InvalidToken | KeysUnavailable> => {
        verified.forget(token)
        if (error instanceof KeyLookupFailed) return Effect.fail(unavailable(error.cause))
        const reason = reasonOf(error)
        return reason === undefined ? Effect.die(error) : Effect.fail(new InvalidToken({ reason }))
      }),
    )
    const { payload } = result
    const principal = yield* Claims.principal(payload, rolesClaim, options.tokens ?? "accounts")
    // `exp` is required of every token (`requiredClaims`), and jose refused one that is not a number.
    if (typeof payload.exp === "number") {
      verified.remember(token, { principal, header: result.protectedHeader, key: result.key, exp: payload.exp, nbf: payload.nbf })
    }
    return principal
  })
  return { verify }
}

/**
 * A verifier trusting two issuers: the accounts' (identity) and the booking service's guest issuer
 * (decision 17). The token's `iss`, read before verification, only chooses whose keys and rules
 * verify it; each verifier then checks the issuer itself, so a token naming the guest issuer but
 * signed by another key is refused, and a token of any other issuer gets the accounts' refusal.
 */
export const trusting = (
  accounts: Context.Tag.Service<TokenVerifier>,
  guests: { readonly issuer: string; readonly verifier: Context.Tag.Service<TokenVerifier> },
): Context.Tag.Service<TokenVerifier> => {
  const issuerOf = (token: string): string | undefined => {
    try {
      const iss = decodeJwt(token).iss
      return typeof iss === "string" ? iss : undefined
    } catch {
      return undefined
    }
  }
  return { verify: (token) => issuerOf(token) === guests.issuer ? guests.verifier.verify(token) : accounts.verify(token) }
}

/** A verifier with its keys in the same process (the embedded mode's identity service, tests). */
export const fromKeySet = (options: Options, keySet: KeySet): Context.Tag.Service<TokenVerifier> =>
  make(options, Effect.succeed(keySet))

export const layerKeySet = (options: Options, keySet: KeySet): Layer.Layer<TokenVerifier> =>
  Layer.succeed(TokenVerifier, fromKeySet(options, keySet))

const DiscoveryDocument = Schema.Struct({ issuer: Schema.String, jwks_uri: Schema.String })

/** The OpenID discovery document's address for `issuer` (Discovery §4: without a trailing slash). */
export const discoveryUrl = (issuer: string): string =>
  `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`

/** `jwks_uri` from the issuer's discovery document, which must name the same issuer. */
export const discover = (issuer: string, timeout: Duration.DurationInput = "5 seconds"): Effect.Effect<URL, KeysUnavailable> => {
  const url = discoveryUrl(issuer)
  const unavailable = (detail: string, cause?: unknown) =>
    new KeysUnavailable({ detail: `OpenID discovery at ${url}: ${detail}`, ...(cause === undefined ? {} : { cause }) })
  return Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(Duration.toMillis(timeout))]),
        redirect: "manual",
        headers: { accept: "application/json" },
      })
      if (response.status !== 200) throw new Error(`expected 200 OK, received ${response.status}`)
      return (await response.json()) as unknown
    },
    catch: (cause) => unavailable(describe(cause), cause),
  }).pipe(
    Effect.flatMap((json) =>
      Schema.decodeUnknown(DiscoveryDocument)(json).pipe(
        Effect.mapError((error) => unavailable(`not a discovery document: ${ParseResult.TreeFormatter.formatErrorSync(error)}`)),
      )
    ),
    Effect.filterOrFail(
      (document) => document.issuer === issuer,
      (document) => unavailable(`the document is for issuer ${document.issuer}`),
    ),
    Effect.flatMap((document) =>
      URL.canParse(document.jwks_uri) && ["https:", "http:"].includes(new URL(document.jwks_uri).protocol)
        ? Effect.succeed(new URL(document.jwks_uri))
        : Effect.fail(unavailable("jwks_uri is not an http(s) URL"))
    ),
  )
}

/** After a failed discovery, the next attempt waits this long, so an issuer that is down is not asked per request. */
export const discoveryRetryAfter: Duration.Duration = Duration.seconds(5)

type Discovery =
  | { readonly _tag: "Known"; readonly keys: KeySet }
  | { readonly _tag: "Unknown"; readonly failure: Option.Option<{ readonly at: number; readonly error: KeysUnavailable }> }

/**
 * A verifier reading the issuer's JWKS over HTTP. Without `jwksUrl` the discovery document is read
 * at the first verification rather than at start, so a service may start before its issuer;
 * until the issuer answers, verification fails with `KeysUnavailable`.
 */
export const remote = (options: RemoteOptions): Effect.Effect<Context.Tag.Service<TokenVerifier>> =>
  Effect.gen(function*() {
    const timeout = Duration.decode(options.timeout ?? "5 seconds")
    const keySetAt = (url: URL): KeySet =>
      createRemoteJWKSet(url, {
        timeoutDuration: Math.round(Duration.toMillis(timeout)),
        cooldownDuration: Duration.toMillis(options.cooldown ?? "30 seconds"),
        cacheMaxAge: Duration.toMillis(options.cacheMaxAge ?? "10 minutes"),
      })
    const state = yield* SynchronizedRef.make<Discovery>(
      options.jwksUrl === undefined
        ? { _tag: "Unknown", failure: Option.none() }
        : { _tag: "Known", keys: keySetAt(options.jwksUrl) },
    )
    type Step = readonly [Either.Either<KeySet, KeysUnavailable>, Discovery]
    const discovered = SynchronizedRef.modifyEffect(state, (current) =>
      Effect.gen(function*(): Effect.fn.Return<Step> {
        if (current._tag === "Known") return [Either.right(current.keys), current]
        const now = yield* Clock.currentTimeMillis
        if (Option.isSome(current.failure) && now < current.failure.value.at + Duration.toMillis(discoveryRetryAfter)) {
          return [Either.left(current.failure.value.error), current]
        }
        const found = yield* Effect.either(discover(options.issuer, timeout))
        return Either.match(found, {
          onLeft: (error): Step => [Either.left(error), { _tag: "Unknown", failure: Option.some({ at: now, error }) }],
          onRight: (url): Step => {
            const keys = keySetAt(url)
            return [Either.right(keys), { _tag: "Known", keys }]
          },
        })
      })).pipe(Effect.flatMap((result) => result))
    const keys = Effect.flatMap(SynchronizedRef.get(state), (current) =>
      current._tag === "Known" ? Effect.succeed(current.keys) : discovered)
    return make(options, keys)
  })

export const layerRemote = (options: RemoteOptions): Layer.Layer<TokenVerifier> =>
  Layer.effect(TokenVerifier, remote(options))

/**
 * The verifier of a service: `AUTH_ISSUER`, `AUTH_AUDIENCE`, `AUTH_ROLES_CLAIM` and `AUTH_JWKS_URL`
 * (else discovery). A bad value is logged as one line naming the variable and fails the layer with
 * `ConfigurationInvalid`.
 */
export const layer: Layer.Layer<TokenVerifier, AppConfig.ConfigurationInvalid> = Layer.effect(
  TokenVerifier,
  Effect.flatMap(AppConfig.loadOrExit(AuthConfig.settings), (settings) => fromSettings(settings)),
)

/** The verifier of a service's settings (`AuthConfig.service`): the issuer's JWKS over HTTP, found at the first verification. */
export const layerSettings = (settings: AuthConfig.Settings): Layer.Layer<TokenVerifier> =>
  Layer.effect(TokenVerifier, fromSettings(settings))

/** The verifier of a service's settings: the accounts' issuer, and the guest issuer when one is trusted. */
export const fromSettings = (settings: AuthConfig.Settings): Effect.Effect<Context.Tag.Service<TokenVerifier>> =>
  Effect.gen(function*() {
    const accounts = yield* remote(AuthConfig.remoteOptions(settings))
    if (Option.isNone(settings.guest)) return accounts
    const guest = settings.guest.value
    const guests = yield* remote({ issuer: guest.issuer, audience: settings.audience, jwksUrl: guest.jwksUrl, tokens: "guests" })
    return trusting(accounts, { issuer: guest.issuer, verifier: guests })
  })
