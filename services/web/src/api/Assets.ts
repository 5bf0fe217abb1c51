/**
 * The site's own files: htmx from its npm package (never a CDN), the style sheet and the small
 * script of this service. Read once at start; served with a short cache.
 */
import type { Hono } from "hono"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const read = (url: string) => readFileSync(fileURLToPath(url))

const files: Readonly<Record<string, { readonly body: Buffer; readonly type: string }>> = {
  "htmx.min.js": { body: read(import.meta.resolve("htmx.org/dist/htmx.min.js")), type: "text/javascript; charset=utf-8" },
  "site.css": { body: read(new URL("./assets/site.css", import.meta.url).href), type: "text/css; charset=utf-8" },
  "site.js": { body: read(new URL("./assets/site.js", import.meta.url).href), type: "text/javascript; charset=utf-8" },
}

export const names = Object.keys(files)

export const route = <E extends object>(app: Hono<E & { Variables: object }>) =>
  app.get("/assets/:name", (c) => {
    const file = files[c.req.param("name")]
    if (file === undefined) return c.notFound()
    return c.body(new Uint8Array(file.body), 200, { "content-type": file.type, "cache-control": "public, max-age=3600" })
  })
