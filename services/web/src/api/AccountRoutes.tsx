/** @jsxImportSource hono/jsx */
/** Signing up, in and out. Signing in or out gives the visitor a new session id (no session fixation). */
import { Either } from "effect"
import type { Hono } from "hono"
import * as Accounts from "../application/Accounts.ts"
import { isStaff } from "../application/ConsoleAccess.ts"
import * as AccountForms from "../domain/AccountForms.ts"
import * as ApiProblem from "../domain/ApiProblem.ts"
import { fresh, rotate } from "../domain/Session.ts"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { render, statusFor } from "./Pages.tsx"
import { SignInPage, SignUpPage } from "./views/AccountPages.tsx"
import { csrfOf, type Deps, runner, type WebEnv } from "./WebContext.ts"

export const routes = (app: Hono<WebEnv>, deps: Deps) => {
  const run = runner(deps)

  app.get("/sign-in", (c) =>
    render(c, "Sign in", <SignInPage fields={{}} errors={{}} problem={[]} csrf={csrfOf(c)} next={AccountForms.nextPath(c.req.query("next")) ?? ""} />))

  app.post("/sign-in", async (c) => {
    const fields = c.get("form")
    const next = AccountForms.nextPath(fields["next"])
    const again = (errors: Record<string, string>, problem: ReadonlyArray<string>, status: ContentfulStatusCode) =>
      render(c, "Sign in", <SignInPage fields={{ email: fields["email"] }} errors={errors} problem={problem} csrf={csrfOf(c)} next={next ?? ""} />, status)
    const form = AccountForms.signIn(fields)
    if (!form.ok) return again(form.errors, [], 400)
    const signedIn = await run(c, Accounts.signIn(form.value))
    if (Either.isLeft(signedIn)) return again({}, [ApiProblem.messageOf(signedIn.left)], statusFor(signedIn.left))
    c.set("session", rotate(c.get("session"), signedIn.right))
    return c.redirect(next ?? (isStaff(signedIn.right) ? "/ops" : "/trips"), 303)
  })

  app.get("/sign-up", (c) => render(c, "Create an account", <SignUpPage fields={{}} errors={{}} problem={[]} csrf={csrfOf(c)} />))

  app.post("/sign-up", async (c) => {
    const fields = c.get("form")
    const again = (errors: Record<string, string>, problem: ReadonlyArray<string>, status: ContentfulStatusCode) =>
      render(c, "Create an account", <SignUpPage fields={{ name: fields["name"], email: fields["email"] }} errors={errors} problem={problem} csrf={csrfOf(c)} />, status)
    const form = AccountForms.signUp(fields)
    if (!form.ok) return again(form.errors, [], 400)
    const signedUp = await run(c, Accounts.signUp(form.value))
    if (Either.isLeft(signedUp)) return again({}, [ApiProblem.messageOf(signedUp.left)], statusFor(signedUp.left))
    c.set("session", { ...rotate(c.get("session"), signedUp.right), flash: { kind: "info", text: `Welcome, ${signedUp.right.name || signedUp.right.email}. Your bookings will appear under My trips.` } })
    return c.redirect("/trips", 303)
  })

  /** Everything the session held goes: the account and the bookings' guest tokens (a shared computer). */
  app.post("/sign-out", async (c) => {
    const account = c.get("session").account
    if (account !== null) await run(c, Accounts.signOut(account))
    c.set("session", { ...fresh(), flash: { kind: "info", text: "You are signed out." } })
    return c.redirect("/", 303)
  })
}
