/**
 * The site's own files: htmx from its npm package (never a CDN), the style sheet and the small
 * script of this service. Read once at start; kept an hour by browsers, by no shared cache. Imported as files, so
 * that `bun build --compile` embeds them in the executable: each import is the file's path, on
 * disk under `bun run`, inside the executable once compiled (`assets/files.d.ts` types them).
 */
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" }
import type { Hono } from "hono"
import { readFileSync } from "node:fs"
import css from "./assets/site.css" with { type: "file" }
import script from "./assets/site.js" with { type: "file" }

// A Map, not an object: a name such as `__proto__` or `constructor` is no file of the site.
const files: ReadonlyMap<string, { readonly body: Buffer; readonly type: string }> = new Map([
  ["htmx.min.js", { body: readFileSync(htmx), type: "text/javascript; charset=utf-8" }],
  ["site.css", { body: readFileSync(css), type: "text/css; charset=utf-8" }],
  ["site.js", { body: readFileSync(script), type: "text/javascript; charset=utf-8" }],
])

export const names = [...files.keys()]

/**
 * A browser keeps a file an hour; a shared cache (the gateway's, a CDN) not at all: the names carry no
 * version, and a copy kept in front of every visitor would outlive a new release's pages by that hour.
 */
export const cacheControl = "public, max-age=3600, s-maxage=0"

export const route = <E extends object>(app: Hono<E & { Variables: object }>) =>
  app.get("/assets/:name", (c) => {
    const file = files.get(c.req.param("name"))
    if (file === undefined) return c.notFound()
    return c.body(new Uint8Array(file.body), 200, { "content-type": file.type, "cache-control": cacheControl })
  })
