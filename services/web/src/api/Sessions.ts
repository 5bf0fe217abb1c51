/**
 * The session middleware (DESIGN §10: tokens stay on the server). The cookie holds only the
 * session's random id: httpOnly, SameSite=Lax, `Secure` when the site is served over https (then
 * also `__Host-` prefixed). A visitor without a valid cookie gets a new session; a signed-in
 * account's access token is renewed before the page runs; a changed session is saved after it.
 * A new session is kept (saved, and its cookie sent) only once there is something to keep: a form
 * with its CSRF token (`csrfOf`), an account, a guest booking or a message; a page that gives none
 * out (a 404, a search, an asset) leaves nothing behind, so cookieless requests cannot fill the
 * store. Both the session and its cookie end after `WEB_SESSION_TTL` unused.
 */
import type { MiddlewareHandler } from "hono"
import { getCookie, setCookie } from "hono/cookie"
import { Duration, Effect, Option, Runtime } from "effect"
import * as Accounts from "../application/Accounts.ts"
import { fresh, type Session, SessionStore } from "../domain/Session.ts"
import { type Deps, onBehalfOf, type WebEnv } from "./WebContext.ts"

export const cookieName = (secure: boolean) => secure ? "__Host-flight_session" : "flight_session"

/** Whether the visitor reached the site over https: the request's own scheme, or the configured public origin's. */
export const isSecure = (deps: Deps, url: string): boolean =>
  url.startsWith("https:") || Option.exists(deps.config.publicUrl, (publicUrl) => publicUrl.protocol === "https:")

export const middleware = (deps: Deps): MiddlewareHandler<WebEnv> => {
  const run = Runtime.runPromise(deps.runtime)
  const maxAge = Math.floor(Duration.toSeconds(deps.config.sessionTtl))
  return async (c, next) => {
    const secure = isSecure(deps, c.req.url)
    const name = cookieName(secure)
    const id = getCookie(c, name)
    const stored = id === undefined || id.length > 100 ? Option.none<Session>() : await run(Effect.flatMap(SessionStore, (store) => store.get(id)))
    const loaded = Option.getOrElse(stored, fresh)
    const renewed = await run(Accounts.fresh(loaded, Date.now()).pipe(
      Effect.orElseSucceed(() => ({ session: loaded, changed: false })),
      onBehalfOf(c, deps),
    ))
    c.set("session", renewed.session)
    c.set("csrfGiven", false)
    await next()
    const after = c.get("session")
    const keep = Option.isSome(stored) || c.get("csrfGiven") || after.account !== null || Object.keys(after.guests).length > 0 || after.flash !== null
    if (!keep) return
    if (Option.isNone(stored) || renewed.changed || after !== loaded) {
      await run(Effect.flatMap(SessionStore, (store) =>
        Effect.zipRight(
          after.id !== loaded.id && Option.isSome(stored) ? store.remove(loaded.id) : Effect.void,
          store.save(after),
        )))
    }
    // Sent with every answer, so the cookie lives as long as the session it names (renewed at each use).
    setCookie(c, name, after.id, { path: "/", httpOnly: true, sameSite: "Lax", secure, maxAge })
  }
}
