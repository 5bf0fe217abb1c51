/**
 * What every route of the web app shares: the request's session (read by `Sessions`), the posted
 * form (read once, by `Csrf`), the runner of the service's Effects, and how a page is answered.
 */
import { ClientAddress } from "@flight/runtime"
import { Effect, Either, Runtime } from "effect"
import type { Context } from "hono"
import type { Api } from "../domain/Api.ts"
import type { ApiProblem } from "../domain/ApiProblem.ts"
import type { Session, SessionStore } from "../domain/Session.ts"
import type { Fields } from "../domain/Validation.ts"
import * as VisitorAddress from "../domain/VisitorAddress.ts"
import type { WebConfig } from "../infrastructure/WebConfig.ts"

export type Services = Api | SessionStore

export interface WebEnv {
  readonly Variables: {
    session: Session
    /** The fields of a POSTed form (strings only; repeated names as lists). */
    form: Fields
    /** Whether the answer gives out the session's CSRF token (a form), so the session must be kept (`Sessions`). */
    csrfGiven: boolean
  }
}

export type WebContext = Context<WebEnv>

/**
 * The session's CSRF token, for a form of the answer: a session whose token went out is kept, so
 * that the form can be posted; one that gave nothing out and holds nothing is not (`Sessions`).
 */
export const csrfOf = (c: WebContext): string => {
  c.set("csrfGiven", true)
  return c.get("session").csrf
}

export interface Deps {
  readonly runtime: Runtime.Runtime<Services>
  readonly config: WebConfig
}

/**
 * The visitor's address: the connection's, or the one the gateway in front vouches for
 * (AUTH_TRUSTED_PROXIES, AUTH_CLIENT_IP_HEADER).
 */
export const visitorOf = (c: Context, deps: Pick<Deps, "config">): string | undefined =>
  ClientAddress.of(c.req.raw, c.env, deps.config.clientAddress)

/** `effect` run on behalf of the visitor of `c`: every API call it makes carries the visitor's address. */
export const onBehalfOf = (c: Context, deps: Pick<Deps, "config">) => VisitorAddress.serving(visitorOf(c, deps))

/** Runs a use case for the visitor of `c`: its value, or the API's problem. */
export const runner = (deps: Deps) => {
  const run = Runtime.runPromise(deps.runtime)
  return <A>(c: Context, effect: Effect.Effect<A, ApiProblem, Services>): Promise<Either.Either<A, ApiProblem>> =>
    run(Effect.either(effect).pipe(onBehalfOf(c, deps)))
}

/** A query's fields, repeated names as lists. */
export const queryOf = (c: WebContext): Fields => {
  const fields: Record<string, string | Array<string>> = {}
  for (const [name, values] of Object.entries(c.req.queries())) fields[name] = values.length === 1 ? values[0]! : values
  return fields
}

/** A new Idempotency-Key for the form about to be shown; a posted one is used if it looks like one. */
export const attemptOf = (fields: Fields): string => {
  const sent = fields["attempt"]
  return typeof sent === "string" && /^[0-9a-f-]{36}$/.test(sent) ? sent : crypto.randomUUID()
}

export const newAttempt = (): string => crypto.randomUUID()

/**
 * The key of a form shown again after its request failed: the same one when no answer came (a
 * retry then does the work once, or answers what was done), a new one after a refusal (the
 * corrected request is another request, which the old key would refuse).
 */
export const attemptAfter = (fields: Fields, problem: { readonly status: number } | null): string =>
  problem !== null && problem.status >= 500 ? attemptOf(fields) : newAttempt()
