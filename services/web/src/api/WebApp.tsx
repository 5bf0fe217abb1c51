/** @jsxImportSource hono/jsx */
/**
 * The web app (DESIGN §10, web): secure headers with a strict Content-Security-Policy (every script
 * and style is the site's own), a body limit, the session, CSRF on every POST, the pages, health.
 * No error leaves as a stack or JSON: an unexpected one is logged and shown as a page.
 */
import { Cause, Effect, Exit, Runtime } from "effect"
import { Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { secureHeaders } from "hono/secure-headers"
import { SessionStore } from "../domain/Session.ts"
import * as AccountRoutes from "./AccountRoutes.tsx"
import * as Assets from "./Assets.ts"
import * as BookingRoutes from "./BookingRoutes.tsx"
import * as Csrf from "./Csrf.ts"
import * as OpsRoutes from "./OpsRoutes.tsx"
import { notFound, render } from "./Pages.tsx"
import * as Sessions from "./Sessions.ts"
import * as TravelRoutes from "./TravelRoutes.tsx"
import { ErrorPage } from "./views/AccountPages.tsx"
import type { Deps, WebEnv } from "./WebContext.ts"

export const service = "web"

/** Forms are small: 16 KiB is far more than the largest (scheduling a flight). */
export const bodyLimitBytes = 16 * 1024

export const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
}

export const make = (deps: Deps): Hono<WebEnv> => {
  const run = Runtime.runPromiseExit(deps.runtime)
  const app = new Hono<WebEnv>()
  app.use(secureHeaders({ contentSecurityPolicy, referrerPolicy: "same-origin" }))

  app.get("/health/live", (c) => c.json({ status: "ok" }))
  app.get("/health/ready", async (c) => {
    const exit = await run(Effect.flatMap(SessionStore, (store) => store.check).pipe(Effect.timeout("2 seconds")))
    return Exit.isSuccess(exit)
      ? c.json({ status: "ok" })
      : c.json({ type: "unavailable", title: "Service Unavailable", status: 503, detail: "Not ready: the session store does not answer" }, 503, {
        "content-type": "application/problem+json",
      })
  })
  Assets.route(app)

  app.use(Sessions.middleware(deps))
  app.use(bodyLimit({
    maxSize: bodyLimitBytes,
    onError: (c) => render(c, "Too large", <ErrorPage heading="That form was too large" lines={["Please shorten what you entered and send it again."]} />, 413),
  }))
  app.use(Csrf.middleware((c) =>
    render(c, "Not allowed", <ErrorPage heading="This form has expired" lines={["For your safety the form was refused: it did not carry this session's security token. Go back, reload the page and send it again."]} />, 403)
  ))

  TravelRoutes.routes(app, deps)
  BookingRoutes.routes(app, deps)
  AccountRoutes.routes(app, deps)
  OpsRoutes.routes(app, deps)

  app.notFound((c) => c.get("session") === undefined ? c.text("Not found", 404) : notFound(c))
  app.onError(async (error, c) => {
    await run(Effect.logError("Unhandled error in the web service", Cause.die(error)))
    const lines = ["Something went wrong on our side. Please try again in a moment."]
    return c.get("session") === undefined
      ? c.text(lines[0]!, 500)
      : render(c, "Error", <ErrorPage heading="Something went wrong" lines={lines} />, 500)
  })
  return app
}
