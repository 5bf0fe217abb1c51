/**
 * A token issuer for tests: key pairs made with jose (Ed25519 unless told otherwise), tokens signed
 * with any claims and any of its keys, and its JWKS and OpenID discovery document served over real
 * HTTP (`Bun.serve` on a free port) for the life of the scope. Keys can be added, made current and
 * withdrawn mid-test, as a key rotation does, and the key set can be made to fail.
 */
import { Clock, Context, Effect, Layer, Option, Ref } from "effect"
import type { Scope } from "effect"
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK, SignJWT } from "jose"
import * as AuthConfig from "../AuthConfig.ts"
import * as Claims from "../Claims.ts"
import * as TokenVerifier from "../TokenVerifier.ts"

export type Algorithm = "EdDSA" | "ES256"

export interface SignOptions {
  /** `sub`; "user-1" when not given. */
  readonly sub?: string
  /** The `roles` claim, as given (unknown roles included); none when not given. */
  readonly roles?: ReadonlyArray<string>
  /** The `booking_id` claim of a guest token. */
  readonly bookingId?: string
  /** Further claims; they replace any claim above, standard ones included (`iss`, `exp`, ...). */
  readonly claims?: Readonly<Record<string, unknown>>
  /** The key to sign with (published or not); the current key when not given. */
  readonly kid?: string
  /** `exp` in seconds from now (Effect's `Clock`, as the verifier's), negative for the past, null for none; 300 when not given. */
  readonly expiresIn?: number | null
  /** `nbf` in seconds from now; none when not given. */
  readonly notBefore?: number
  /** `iat` in seconds from now; 0 when not given. */
  readonly issuedAt?: number
}

export interface KeyOptions {
  readonly kid?: string
  readonly alg?: Algorithm
  /** Whether the JWKS lists it; true when not given. A key not listed signs tokens of an unknown kid. */
  readonly publish?: boolean
}

export interface TestIssuer {
  /** The issuer (`iss`), the server's origin followed by `path`. */
  readonly issuer: string
  readonly audience: string
  readonly jwksUrl: URL
  /** A service's settings to verify this issuer's tokens (its JWKS over HTTP). */
  readonly settings: AuthConfig.Settings
  readonly sign: (options?: SignOptions) => Effect.Effect<string>
  readonly customer: (sub: string, options?: SignOptions) => Effect.Effect<string>
  readonly staff: (sub: string, roles: ReadonlyArray<string>, options?: SignOptions) => Effect.Effect<string>
  /** A guest token of the booking, signed by `guests` (decision 17: an account issuer signs none). */
  readonly guest: (bookingId: string, options?: SignOptions) => Effect.Effect<string>
  /**
   * The guest issuer beside this one, as the booking service is beside identity: its own keys,
   * JWKS and server. `settings` and `verifier` trust it for guest tokens. (Itself, for a guest issuer.)
   */
  readonly guests: TestIssuer
  /** Makes a key pair; published unless told otherwise; the current key is unchanged. Its kid. */
  readonly addKey: (options?: KeyOptions) => Effect.Effect<string>
  /** Adds a published key and signs with it from now on; the old key stays published. Its kid. */
  readonly rotate: (options?: Omit<KeyOptions, "publish">) => Effect.Effect<string>
  /** Takes a key out of the JWKS; it can still sign (`kid` in `SignOptions`). */
  readonly withdraw: (kid: string) => Effect.Effect<void>
  readonly currentKid: Effect.Effect<string>
  /** The public JWK of a key (e.g. to misuse as an HMAC secret). */
  readonly publicJwk: (kid: string) => Effect.Effect<JWK>
  /** The JWKS as served now. */
  readonly jwks: Effect.Effect<JSONWebKeySet>
  /** A key set function over the JWKS as it is at each call, for `TokenVerifier.layerKeySet`. */
  readonly keySet: TokenVerifier.KeySet
  /** How many times the JWKS was fetched. */
  readonly jwksRequests: Effect.Effect<number>
  /** How many times the discovery document was fetched. */
  readonly discoveryRequests: Effect.Effect<number>
  /** While true, the JWKS and the discovery document answer 503. */
  readonly setOutage: (down: boolean) => Effect.Effect<void>
  /** A verifier of this issuer's tokens over HTTP (through discovery unless `jwksUrl` is given). */
  readonly verifier: (
    options?: Omit<TokenVerifier.RemoteOptions, "issuer" | "audience">,
  ) => Effect.Effect<Context.Tag.Service<TokenVerifier.TokenVerifier>>
}

export interface Options {
  readonly audience?: string
  /** The issuer's path after the origin, e.g. `/realms/flight`; none when not given. */
  readonly path?: string
  readonly alg?: Algorithm
  /** What it signs: accounts (with a guest issuer beside it) unless told. */
  readonly tokens?: "accounts" | "guests"
}

interface Key {
  readonly kid: string
  readonly alg: Algorithm
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

interface State {
  readonly keys: ReadonlyMap<string, Key>
  readonly published: ReadonlyArray<string>
  readonly current: string
  readonly jwksRequests: number
  readonly discoveryRequests: number
  readonly down: boolean
}

const generate = (kid: string, alg: Algorithm): Effect.Effect<Key> =>
  Effect.promise(async () => {
    const pair = await generateKeyPair(alg, { extractable: true })
    const jwk = await exportJWK(pair.publicKey)
    return { kid, alg, privateKey: pair.privateKey, publicJwk: { ...jwk, kid, alg, use: "sig" } }
  })

const jwksOf = (state: State): JSONWebKeySet => ({
  keys: state.published.flatMap((kid) => {
    const key = state.keys.get(kid)
    return key === undefined ? [] : [key.publicJwk]
  }),
})

export const make = (options: Options = {}): Effect.Effect<TestIssuer, never, Scope.Scope> =>
  Effect.gen(function*(): Effect.fn.Return<TestIssuer, never, Scope.Scope> {
    const audience = options.audience ?? "flight-booking"
    const path = options.path ?? ""
    let counter = 0
    const nextKid = () => `${options.tokens === "guests" ? "test-guest-key" : "test-key"}-${++counter}`
    const first = yield* generate(nextKid(), options.alg ?? "EdDSA")
    const state = yield* Ref.make<State>({
      keys: new Map([[first.kid, first]]),
      published: [first.kid],
      current: first.kid,
      jwksRequests: 0,
      discoveryRequests: 0,
      down: false,
    })
    const read = () => Effect.runSync(Ref.get(state))

    const server = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Bun.serve({
          port: 0,
          hostname: "127.0.0.1",
          development: false,
          fetch: (request): Response => {
            const pathname = new URL(request.url).pathname
            const now = read()
            if (pathname === `${path}/.well-known/openid-configuration`) {
              Effect.runSync(Ref.update(state, (s) => ({ ...s, discoveryRequests: s.discoveryRequests + 1 })))
              if (now.down) return new Response(null, { status: 503 })
              return Response.json({ issuer, jwks_uri: jwksUrl.href, id_token_signing_alg_values_supported: ["EdDSA", "ES256"] })
            }
            if (pathname === `${path}/jwks.json`) {
              Effect.runSync(Ref.update(state, (s) => ({ ...s, jwksRequests: s.jwksRequests + 1 })))
              if (now.down) return new Response(null, { status: 503 })
              return Response.json(jwksOf(now), { headers: { "content-type": "application/jwk-set+json" } })
            }
            return new Response(null, { status: 404 })
          },
        })
      ),
      (server) => Effect.promise(() => server.stop(true)),
    )
    const issuer: string = `${server.url.origin}${path}`
    const jwksUrl = new URL(`${issuer}/jwks.json`)

    const keyOf = (kid: string) =>
      Effect.flatMap(Ref.get(state), (s) => {
        const key = s.keys.get(kid)
        return key === undefined ? Effect.dieMessage(`The test issuer has no key ${kid}`) : Effect.succeed(key)
      })

    const sign = (signOptions: SignOptions = {}) =>
      Effect.gen(function*() {
        const key = yield* keyOf(signOptions.kid ?? (yield* Ref.get(state)).current)
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const expiresIn = signOptions.expiresIn === undefined ? 300 : signOptions.expiresIn
        const payload = {
          iss: issuer,
          aud: audience,
          sub: signOptions.sub ?? "user-1",
          iat: now + (signOptions.issuedAt ?? 0),
          ...(expiresIn === null ? {} : { exp: now + expiresIn }),
          ...(signOptions.notBefore === undefined ? {} : { nbf: now + signOptions.notBefore }),
          ...(signOptions.roles === undefined ? {} : { roles: signOptions.roles }),
          ...(signOptions.bookingId === undefined ? {} : { [Claims.bookingClaim]: signOptions.bookingId }),
          ...signOptions.claims,
        }
        return yield* Effect.promise(() =>
          new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" }).sign(key.privateKey)
        )
      })

    const addKey = (keyOptions: KeyOptions = {}) =>
      Effect.gen(function*() {
        const key = yield* generate(keyOptions.kid ?? nextKid(), keyOptions.alg ?? options.alg ?? "EdDSA")
        yield* Ref.update(state, (s) => ({
          ...s,
          keys: new Map([...s.keys, [key.kid, key]]),
          published: keyOptions.publish === false ? s.published : [...s.published, key.kid],
        }))
        return key.kid
      })

    const jwks = Effect.map(Ref.get(state), jwksOf)
    const forGuests = options.tokens === "guests"
    const guests: TestIssuer | undefined = forGuests ? undefined : yield* make({ ...options, tokens: "guests" })
    const guestSettings = guests === undefined ? undefined : AuthConfig.guestAt(guests.issuer, Option.some(guests.jwksUrl))

    const self: TestIssuer = {
      issuer,
      audience,
      jwksUrl,
      settings: AuthConfig.of({ issuer, audience, jwksUrl, ...(guestSettings === undefined ? {} : { guest: guestSettings }) }),
      sign,
      customer: (sub, signOptions) => sign({ roles: ["customer"], ...signOptions, sub }),
      staff: (sub, roles, signOptions) => sign({ ...signOptions, sub, roles }),
      guest: (bookingId, signOptions) =>
        guests === undefined
          ? sign({ sub: `guest:${bookingId}`, ...signOptions, bookingId })
          : guests.guest(bookingId, signOptions),
      get guests() {
        return guests ?? self
      },
      addKey,
      rotate: (keyOptions) =>
        Effect.tap(addKey({ ...keyOptions, publish: true }), (kid) => Ref.update(state, (s) => ({ ...s, current: kid }))),
      withdraw: (kid) => Ref.update(state, (s) => ({ ...s, published: s.published.filter((k) => k !== kid) })),
      currentKid: Effect.map(Ref.get(state), (s) => s.current),
      publicJwk: (kid) => Effect.map(keyOf(kid), (key) => key.publicJwk),
      jwks,
      keySet: (header, token) => createLocalJWKSet(jwksOf(read()))(header, token),
      jwksRequests: Effect.map(Ref.get(state), (s) => s.jwksRequests),
      discoveryRequests: Effect.map(Ref.get(state), (s) => s.discoveryRequests),
      setOutage: (down) => Ref.update(state, (s) => ({ ...s, down })),
      verifier: (verifierOptions) =>
        Effect.gen(function*() {
          const own = yield* TokenVerifier.remote({ ...verifierOptions, issuer, audience, ...(forGuests ? { tokens: "guests" as const } : {}) })
          if (guests === undefined) return own
          const guestVerifier = yield* TokenVerifier.remote({ issuer: guests.issuer, audience, jwksUrl: guests.jwksUrl, tokens: "guests" })
          return TokenVerifier.trusting(own, { issuer: guests.issuer, verifier: guestVerifier })
        }),
    }
    return self
  })

export class Issuer extends Context.Tag("@flight/auth/testing/TestIssuer")<Issuer, TestIssuer>() {}

/**
 * A test issuer and a `TokenVerifier` of its tokens (over HTTP, through discovery), for a service's
 * tests: sign with `yield* Issuer`, and the service verifies as it would in production.
 */
export const layer = (options: Options = {}): Layer.Layer<Issuer | TokenVerifier.TokenVerifier> => {
  const issuer = Layer.scoped(Issuer, make(options))
  const verifier = Layer.effect(TokenVerifier.TokenVerifier, Effect.flatMap(Issuer, (i) => i.verifier()))
  return Layer.provideMerge(verifier, issuer)
}

/** An `Authorization` header value for a token of the issuer in context: staff with `roles`, or a customer without. */
export const bearer = (sub: string, roles?: ReadonlyArray<string>, options?: SignOptions): Effect.Effect<string, never, Issuer> =>
  Effect.flatMap(Issuer, (issuer) => roles === undefined ? issuer.customer(sub, options) : issuer.staff(sub, roles, options)).pipe(
    Effect.map((token) => `Bearer ${token}`),
  )

/** The four callers of an authorization matrix, as `Authorization` headers (none for the anonymous one). */
export const callers = (options?: SignOptions): Effect.Effect<{
  readonly anonymous: Readonly<Record<string, string>>
  readonly customer: Readonly<Record<string, string>>
  readonly ops: Readonly<Record<string, string>>
  readonly admin: Readonly<Record<string, string>>
}, never, Issuer> =>
  Effect.all({
    anonymous: Effect.succeed({}),
    customer: Effect.map(bearer("ada", undefined, options), (authorization) => ({ authorization })),
    ops: Effect.map(bearer("olga", ["ops"], options), (authorization) => ({ authorization })),
    admin: Effect.map(bearer("ann", ["ops", "admin"], options), (authorization) => ({ authorization })),
  })
