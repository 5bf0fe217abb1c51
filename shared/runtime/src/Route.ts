/**
 * A route is a value: method, path, the Schemas of its inputs and output, and a handler returning
 * an Effect. `HttpApp.make` serves a list of them and documents them in `/openapi.json`.
 */
import { Data, Schema } from "effect"
import type { Effect } from "effect"
import type { Problem } from "./Problem.ts"

export type Method = "get" | "post" | "put" | "patch" | "delete"

/**
 * Who may call a route, checked by the bridge before any input is read, so that a 401 or a 403
 * never depends on the request's body: `anyone` (a token sent must still be valid), any
 * `authenticated` caller, or a caller with at least one of `roles`. The bridge asks the service's
 * `HttpApp.Authentication` (in @flight/auth) to decide; the runtime only carries the declaration.
 */
export type Access = "anyone" | "authenticated" | { readonly roles: readonly [string, ...Array<string>] }

/** Whether a caller must present a token: every access but `anyone`. */
export const requiresToken = (access: Access): boolean => access !== "anyone"

/** The roles of an access, none when any caller (or any authenticated one) may call. */
export const rolesOf = (access: Access): ReadonlyArray<string> => typeof access === "string" ? [] : access.roles

type AnySchema = Schema.Schema.AnyNoContext

/**
 * A response chosen at run time (e.g. an idempotent replay). `body` is sent as JSON as it is: it is
 * not encoded by the route's success schema. `undefined` sends no body.
 */
export class Response extends Data.Class<{
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}> {}

export const response = (options: {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}): Response => new Response(options)

type Decoded<S, Otherwise> = S extends AnySchema ? Schema.Schema.Type<S> : Otherwise

export interface Input<P, Q, B, H> {
  readonly params: Decoded<P, {}>
  readonly query: Decoded<Q, {}>
  readonly body: Decoded<B, undefined>
  readonly headers: Decoded<H, {}>
  readonly request: globalThis.Request
}

export type Output<S> = (S extends AnySchema ? Schema.Schema.Type<S> : void) | Response

export interface Success<S> {
  readonly status: number
  /** Encodes the handler's result; without it the response has no body (e.g. 204). */
  readonly schema?: S
  readonly description?: string
  /**
   * Headers every success carries as they are (e.g. `cache-control`), documented in OpenAPI;
   * lower-case names. A `Response` of the success's status gets them too, under its own.
   */
  readonly headers?: Readonly<Record<string, string>>
}

export interface Options<P, Q, B, H, S, R> {
  readonly method: Method
  /** Hono path syntax, e.g. `/api/flights/:id`. */
  readonly path: string
  readonly summary: string
  readonly description?: string
  readonly tags?: ReadonlyArray<string>
  /** Who may call it; documented in OpenAPI (security, 401, 403) from this alone. */
  readonly access: Access
  /** Decoded from the path parameters. */
  readonly params?: P
  /** Decoded from the query string; unknown parameters are rejected. Repeated keys give arrays. */
  readonly query?: Q
  /** Decoded from the JSON body; unknown fields are rejected. */
  readonly body?: B
  /** Decoded from the request headers, with lower-case names; other headers are ignored. */
  readonly headers?: H
  readonly success: Success<S>
  /**
   * Statuses documented in OpenAPI as problem+json (400 is documented for any route with input):
   * the `statuses` of the `Problems` selection whose `answer` the handler maps its failures with.
   */
  readonly errors?: ReadonlyArray<number>
  readonly handler: (input: Input<P, Q, B, H>) => Effect.Effect<Output<S>, Problem, R>
}

/** A route with its types erased, as `HttpApp.make` holds it. */
export interface Route<out R = never> {
  readonly method: Method
  readonly path: string
  readonly summary: string
  readonly description: string | undefined
  readonly tags: ReadonlyArray<string>
  readonly access: Access
  readonly params: AnySchema | undefined
  readonly query: AnySchema | undefined
  readonly body: AnySchema | undefined
  readonly headers: AnySchema | undefined
  readonly success: {
    readonly status: number
    readonly schema: AnySchema | undefined
    readonly description: string | undefined
    readonly headers: Readonly<Record<string, string>> | undefined
  }
  readonly errors: ReadonlyArray<number>
  readonly handler: (input: Input<unknown, unknown, unknown, unknown>) => Effect.Effect<unknown, Problem, R>
}

export const make = <
  R,
  P extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  B extends AnySchema | undefined = undefined,
  H extends AnySchema | undefined = undefined,
  S extends AnySchema | undefined = undefined,
>(options: Options<P, Q, B, H, S, R>): Route<R> => ({
  method: options.method,
  path: options.path,
  summary: options.summary,
  description: options.description,
  tags: options.tags ?? [],
  access: options.access,
  params: options.params,
  query: options.query,
  body: options.body,
  headers: options.headers,
  success: {
    status: options.success.status,
    schema: options.success.schema,
    description: options.success.description,
    headers: options.success.headers,
  },
  errors: options.errors ?? [],
  handler: options.handler as unknown as Route<R>["handler"],
})

/** Hono's `/api/flights/:id` as OpenAPI's `/api/flights/{id}` (regex constraints and `?` dropped). */
export const openApiPath = (path: string): string =>
  path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}")
