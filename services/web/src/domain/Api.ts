/**
 * The port to the system's APIs: one origin, the gateway (DESIGN §10). A request carries the
 * caller's token (an account's access token or a booking's guest token); any answer but a 2xx is
 * the typed `ApiProblem` the pages know how to tell.
 */
import { Context, type Effect } from "effect"
import type { ApiProblem } from "./ApiProblem.ts"

export interface ApiRequest {
  readonly method: "GET" | "POST" | "PATCH"
  /** Path and query, e.g. `/api/flights?origin=LHR`. */
  readonly path: string
  readonly body?: unknown
  /** Sent as `Authorization: Bearer`. */
  readonly token?: string | undefined
  readonly idempotencyKey?: string
}

export interface ApiAnswer<A> {
  readonly status: number
  readonly body: A
}

export class Api extends Context.Tag("web/Api")<Api, {
  readonly request: <A>(request: ApiRequest) => Effect.Effect<ApiAnswer<A>, ApiProblem>
  /** `GET path` as text (a service's metrics), with a token: its status and body, status 0 when nothing answered. */
  readonly text: (path: string, token: string) => Effect.Effect<{ readonly status: number; readonly body: string }>
}>() {}
