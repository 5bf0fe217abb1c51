/**
 * The tokens a verifier has verified, so that a token presented again is not verified again: a
 * customer's access token comes with every request of a visit, and each service, and the gateway in
 * front of them, verifies it. Its signature and claims were checked once; what can change since is
 * only the time and the issuer's keys, and both are checked again each time:
 *
 * - `exp` and `nbf`, with the same clock tolerance as the first verification (outside them the token
 *   is verified afresh, and refused for its own reason);
 * - the key: the key set is asked again for the token's key, and the answer must be the very
 *   `CryptoKey` that jose verified it with. jose's key sets (`createRemoteJWKSet`,
 *   `createLocalJWKSet`) answer the same object while they hold the same JWKS; once the issuer's
 *   JWKS is fetched again, a withdrawn key is no longer found and a kept one comes back as a new
 *   object, so the token is verified afresh against what the issuer publishes now. A key set that
 *   answers a new object each time, or a JWK or `KeyObject` (which jose converts), never finds a
 *   token here: each is verified in full, as before.
 *
 * Only tokens that verified are kept, at most `capacity` of them (the least recently presented go
 * first); a refusal is never remembered, so it costs a forger a full verification every time.
 */
import type { CompactJWSHeaderParameters, FlattenedJWSInput } from "jose"
import type { Principal } from "./Principal.ts"

export interface Verified {
  readonly principal: Principal
  readonly header: CompactJWSHeaderParameters
  /** The key jose verified the signature with (the key set's answer, converted where it was not a `CryptoKey`). */
  readonly key: unknown
  /** `exp` and `nbf` of the token, in seconds since the epoch. */
  readonly exp: number
  readonly nbf: number | undefined
}

/** The token's parts as jose gives them to a key set (`FlattenedJWSInput`). */
export const inputOf = (token: string): FlattenedJWSInput => {
  const [protectedHeader = "", payload = "", signature = ""] = token.split(".")
  return { protected: protectedHeader, payload, signature }
}

/** Whether `verified` is within its `exp` and `nbf` at `nowMillis`, as jose judges them with `toleranceSeconds`. */
export const inTime = (verified: Verified, nowMillis: number, toleranceSeconds: number): boolean => {
  const now = Math.floor(nowMillis / 1000)
  return verified.exp > now - toleranceSeconds && (verified.nbf === undefined || verified.nbf <= now + toleranceSeconds)
}

export const defaultCapacity = 10_000

export const make = (capacity: number = defaultCapacity) => {
  const tokens = new Map<string, Verified>()
  return {
    /** The token's verification, now the most recently presented. */
    get: (token: string): Verified | undefined => {
      const known = tokens.get(token)
      if (known !== undefined) {
        tokens.delete(token)
        tokens.set(token, known)
      }
      return known
    },
    remember: (token: string, verified: Verified): void => {
      tokens.delete(token)
      if (tokens.size >= capacity) {
        const oldest = tokens.keys().next()
        if (oldest.done !== true) tokens.delete(oldest.value)
      }
      tokens.set(token, verified)
    },
    forget: (token: string): void => void tokens.delete(token),
    size: (): number => tokens.size,
  }
}
