/**
 * The bearer token of an `Authorization` header (RFC 6750 §2.1, RFC 9110 §11.4): the scheme is
 * case-insensitive, one or more spaces follow it, then exactly one token68.
 */
import { Either } from "effect"

/**
 * Why a request has no bearer token: no credentials at all (`missing`), credentials of another
 * scheme such as Basic (`other-scheme`), or a Bearer header that does not hold one token
 * (`malformed`: nothing after the scheme, several words, characters a token cannot have).
 */
export type Refusal = "missing" | "other-scheme" | "malformed"

const credentials = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/s
const token68 = /^[A-Za-z0-9\-._~+/]+=*$/

/** The token of `value` (the header as received; null or undefined when absent), or why there is none. */
export const bearer = (value: string | null | undefined): Either.Either<string, Refusal> => {
  const text = value?.trim() ?? ""
  if (text === "") return Either.left("missing")
  const match = credentials.exec(text)
  if (match === null) return Either.left("malformed")
  if (match[1]!.toLowerCase() !== "bearer") return Either.left("other-scheme")
  const token = match[2] ?? ""
  return token68.test(token) ? Either.right(token) : Either.left("malformed")
}
