/**
 * Why a token was not turned into a principal: the token's fault (`InvalidToken`, a 401) or the
 * issuer's keys out of reach (`KeysUnavailable`, a 503: the token may well be good).
 */
import { Data, Schema } from "effect"

const reasons = {
  malformed: "The token is not a well-formed signed JWT",
  "algorithm-not-allowed": "The token is signed with an algorithm that is not allowed",
  "unknown-key": "The token names no key (kid) of its issuer",
  "bad-signature": "The token's signature does not verify",
  expired: "The token has expired",
  "not-yet-valid": "The token is not valid yet",
  "wrong-issuer": "The token was issued by another issuer",
  "wrong-audience": "The token is meant for another audience",
  "invalid-claims": "The token's claims are missing or invalid",
} as const

export type Reason = keyof typeof reasons
export const Reason = Schema.Literal(...(Object.keys(reasons) as [Reason, ...Array<Reason>]))

/**
 * A token refused. Its `reason` and `message` are fixed sentences, safe to show a client; neither
 * ever quotes the token or a claim from it.
 */
export class InvalidToken extends Schema.TaggedError<InvalidToken>()("InvalidToken", { reason: Reason }) {
  override get message(): string {
    return reasons[this.reason]
  }
}

/** The issuer's discovery document or key set could not be read; `detail` is for the logs. */
export class KeysUnavailable extends Data.TaggedError("KeysUnavailable")<{
  readonly detail: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return this.detail
  }
}
