/**
 * CSRF protection of every form (DESIGN §10): a POST must carry the session's token in the hidden
 * `_csrf` field, or it is refused with a 403 page before anything runs. SameSite=Lax cookies already
 * keep other sites' POSTs sessionless; the token also refuses a form forged on this origin.
 */
import type { MiddlewareHandler } from "hono"
import { csrfMatches } from "../domain/Session.ts"
import type { WebEnv } from "./WebContext.ts"

export const fieldName = "_csrf"

export const middleware = (refuse: (c: Parameters<MiddlewareHandler<WebEnv>>[0]) => Response | Promise<Response>): MiddlewareHandler<WebEnv> =>
  async (c, next) => {
    if (c.req.method !== "POST") return next()
    const body = await c.req.parseBody({ all: true }).catch(() => ({}))
    const fields: Record<string, string | Array<string>> = {}
    for (const [name, value] of Object.entries(body)) {
      const values = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string")
      if (values.length > 0) fields[name] = values.length === 1 ? values[0]! : values
    }
    if (!csrfMatches(c.get("session"), fields[fieldName])) return refuse(c)
    c.set("form", fields)
    return next()
  }
