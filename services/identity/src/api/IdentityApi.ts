/**
 * The identity service's HTTP API: better-auth's routes (`AuthEndpoints`, through `AuthProxy`),
 * the OpenID discovery document, and what every service answers (health, readiness on the store,
 * metrics, `/openapi.json`, which documents better-auth's routes too).
 */
import type { CurrentPrincipal } from "@flight/auth"
import { HttpApp, OpenApi, Problem, Readiness, RequestInput, Route, StoreHealth } from "@flight/runtime"
import { Effect, type Option, Runtime, Schema } from "effect"
import { Hono } from "hono"
import packageJson from "../../package.json" with { type: "json" }
import { basePath, type IdentityAuth } from "../infrastructure/BetterAuth.ts"
import { endpoints } from "./AuthEndpoints.ts"
import * as AuthProxy from "./AuthProxy.ts"

export const service = "identity"
const description = "Accounts, sign-in, and short-lived access tokens (better-auth), with their JWKS and OpenID discovery document"

export interface Options {
  /** The public origin: the tokens' `iss`. */
  readonly issuer: URL
  readonly clientIpHeader: Option.Option<string>
  /** `AUTH_TRUSTED_PROXIES`: the only connections whose `clientIpHeader` is believed. */
  readonly trustedProxies: ReadonlyArray<string>
  /** Who calls the routes the bridge serves (`/metrics` is for admins): the service's own tokens. */
  readonly authentication: HttpApp.Authentication<CurrentPrincipal, never>
}

export const Discovery = Schema.Struct({
  issuer: Schema.String,
  jwks_uri: Schema.String,
  id_token_signing_alg_values_supported: Schema.Array(Schema.String),
  token_endpoint_auth_methods_supported: Schema.Array(Schema.String),
  response_types_supported: Schema.Array(Schema.String),
  subject_types_supported: Schema.Array(Schema.String),
  claims_supported: Schema.Array(Schema.String),
}).annotations({ identifier: "OpenIdConfiguration" })

/** What a verifier needs from the issuer: who it is and where its keys are (OpenID Connect Discovery 1.0). */
export const discovery = (issuer: URL): typeof Discovery.Type => {
  const origin = issuer.origin
  return {
    issuer: origin,
    jwks_uri: `${origin}${basePath}/jwks`,
    id_token_signing_alg_values_supported: ["EdDSA"],
    token_endpoint_auth_methods_supported: ["none"],
    response_types_supported: ["token"],
    subject_types_supported: ["public"],
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "email", "roles", "kind"],
  }
}

const routes = (options: Pick<Options, "issuer">): ReadonlyArray<Route.Route<never>> => [
  Route.make({
    method: "get",
    path: "/.well-known/openid-configuration",
    summary: "OpenID discovery document",
    access: "anyone",
    description: "The issuer and the URL of its JWKS, for any verifier of the access tokens.",
    tags: ["identity"],
    success: { status: 200, schema: Discovery },
    handler: () => Effect.succeed(discovery(options.issuer)),
  }),
]

export const make = (runtime: Runtime.Runtime<IdentityAuth | StoreHealth>, options: Options): Hono => {
  const served = routes(options)
  const inner = HttpApp.make({
    service,
    version: packageJson.version,
    description,
    routes: served,
    runtime,
    authentication: options.authentication,
    readiness: Effect.flatMap(StoreHealth, (store) => Readiness.all({ [store.name]: store.check })),
  })
  const openApi = JSON.stringify(OpenApi.document({
    title: `${service} service`,
    version: packageJson.version,
    description,
    routes: [...served, ...endpoints.map((endpoint) => endpoint.route)],
    metricsAccess: HttpApp.metricsAccess,
  }))
  const run = Runtime.runPromise(runtime)
  const proxy = { service, clientIpHeader: options.clientIpHeader, trustedProxies: options.trustedProxies }

  const app = new Hono()
  // A request without a URL is answered by the inner app (400 malformed-request), before any route.
  app.use(async (c, next) => RequestInput.urlOf(c.req.raw) === undefined ? inner.fetch(c.req.raw, c.env) : next())
  app.get("/openapi.json", () => new Response(openApi, { headers: { "content-type": "application/json" } }))
  for (const endpoint of endpoints) {
    app.on(endpoint.method.toUpperCase(), `${basePath}${endpoint.path}`, (c) => run(AuthProxy.serve(endpoint, c.req.raw, c.env, proxy)))
  }
  for (const endpoint of endpoints) {
    const path = `${basePath}${endpoint.path}`
    const allowed = endpoint.method === "get" ? ["GET", "HEAD"] : ["POST"]
    app.all(path, (c) => Problem.toResponse(Problem.methodNotAllowed(c.req.method, path, allowed), path))
  }
  // Everything else (health, metrics, discovery, 404 and 405 problems) as every service answers it.
  app.all("*", (c) => inner.fetch(c.req.raw, c.env))
  app.onError(() => Problem.toResponse(Problem.internal()))
  return app
}
