/**
 * `/docs`: Swagger UI over every service's `/openapi.json`, each fetched through the gateway at
 * `/openapi/<service>.json`, so that "try it" calls the APIs on the gateway's own origin. Its
 * scripts and stylesheet are served from the installed swagger-ui-dist, never from a CDN, and the
 * page's Content-Security-Policy lets it load nothing from elsewhere. The services' documents carry
 * the `bearerAuth` scheme: "Authorize" takes an access token and every call sends it.
 */
import { swaggerUI } from "@hono/swagger-ui"
import { Problem } from "@flight/runtime"
import { Duration, Effect } from "effect"
import type { MiddlewareHandler } from "hono"
// Imported as files, so that `bun build --compile` embeds them in the executable: each import is
// the file's path, on disk under `bun run`, inside the executable once compiled (see swagger-ui-dist.d.ts).
import favicon from "swagger-ui-dist/favicon-32x32.png" with { type: "file" }
import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" }
import preset from "swagger-ui-dist/swagger-ui-standalone-preset.js" with { type: "file" }
import stylesheet from "swagger-ui-dist/swagger-ui.css" with { type: "file" }
import { type Upstream, Upstreams } from "../domain/Upstream.ts"
import type { UpstreamSettings } from "../infrastructure/GatewayConfig.ts"
import { problemOf, targetUrl } from "./Forwarding.ts"

export const path = "/docs"
export const assetsPath = "/docs/assets"

/** Where each service's document is served by the gateway. */
export const documentPath = (upstream: Upstream) => `/openapi/${upstream}.json`

/** The page may load only what the gateway serves (inline styles: Swagger UI sets some on its elements). */
export const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
}

/** The files of swagger-ui-dist the page loads, and only those. */
const files: Readonly<Record<string, { readonly path: string; readonly type: string }>> = {
  "swagger-ui.css": { path: stylesheet, type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { path: bundle, type: "text/javascript; charset=utf-8" },
  "swagger-ui-standalone-preset.js": { path: preset, type: "text/javascript; charset=utf-8" },
  "favicon-32x32.png": { path: favicon, type: "image/png" },
}

/** Swagger UI's configuration: a script of its own, since the policy allows no inline script. */
const initializer = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    dom_id: "#swagger-ui",
    urls: ${JSON.stringify(Upstreams.map((upstream) => ({ url: documentPath(upstream), name: upstream })))},
    "urls.primaryName": "booking",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    validatorUrl: "none"
  })
})
`

/** The page: the middleware's document around our own markup, every asset under `assetsPath`. */
export const page: MiddlewareHandler = swaggerUI({
  title: "Flight Booking System API",
  url: documentPath("booking"),
  baseUrl: assetsPath,
  manuallySwaggerUIHtml: (asset) => `
    <div id="swagger-ui"></div>
    <noscript>The API reference needs JavaScript. The documents: ${
    Upstreams.map((upstream) => `<a href="${documentPath(upstream)}">${upstream}</a>`).join(", ")
  }.</noscript>
    ${asset.css.map((url) => `<link rel="stylesheet" href="${url}" />`).join("\n")}
    <link rel="icon" type="image/png" href="${assetsPath}/swagger-ui-dist/favicon-32x32.png" />
    ${asset.js.map((url) => `<script src="${url}"></script>`).join("\n")}
    <script src="${assetsPath}/swagger-ui-dist/swagger-ui-standalone-preset.js"></script>
    <script src="${assetsPath}/initializer.js"></script>
  `,
})

const cached = { "cache-control": "public, max-age=3600" }

/** An asset of the page, or undefined for any other name. */
export const asset = (name: string): Response | undefined => {
  if (name === "initializer.js") return new Response(initializer, { headers: { "content-type": "text/javascript; charset=utf-8", ...cached } })
  const file = Object.hasOwn(files, name) ? files[name] : undefined
  if (file === undefined) return undefined
  return new Response(Bun.file(file.path), { headers: { "content-type": file.type, ...cached } })
}

/** A service's OpenAPI document, fetched from it within its timeout. */
export const document = (upstream: Upstream, settings: UpstreamSettings): Effect.Effect<Response, Problem.Problem> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(targetUrl(settings, "/openapi.json"), {
        signal: AbortSignal.any([AbortSignal.timeout(Duration.toMillis(settings.timeout)), signal]),
        headers: { accept: "application/json" },
        redirect: "manual",
      })
      if (response.status !== 200) throw new Error(`expected 200, received ${response.status}`)
      return new Response(await response.arrayBuffer(), { headers: { "content-type": "application/json" } })
    },
    catch: (error) => error,
  }).pipe(
    Effect.tapError((error) =>
      Effect.logWarning(`The OpenAPI document of ${upstream} cannot be read`).pipe(
        Effect.annotateLogs({ upstream, error: error instanceof Error ? error.message : String(error) }),
      )
    ),
    Effect.mapError((error) => problemOf(upstream, settings.timeout, error)),
  )
