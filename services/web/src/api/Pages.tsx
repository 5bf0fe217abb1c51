/** @jsxImportSource hono/jsx */
/** Answering with a page: the layout around it, the session's one-shot message shown and then forgotten. */
import type { Child } from "hono/jsx"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import * as ApiProblem from "../domain/ApiProblem.ts"
import { type Flash, withFlash } from "../domain/Session.ts"
import { ErrorPage } from "./views/AccountPages.tsx"
import { Layout } from "./views/Layout.tsx"
import { csrfOf, type WebContext } from "./WebContext.ts"

export const render = (c: WebContext, title: string, body: Child, status: ContentfulStatusCode = 200) => {
  const session = c.get("session")
  if (session.flash !== null) c.set("session", withFlash(session, null))
  c.header("cache-control", "no-store")
  return c.html(
    // The layout's one form is a signed-in account's sign-out.
    <Layout title={title} account={session.account} csrf={session.account === null ? "" : csrfOf(c)} flash={session.flash}>{body}</Layout>,
    status,
  )
}

/** Back to a page (POST, redirect, GET), with a message for it. */
export const redirect = (c: WebContext, location: string, flash?: Flash) => {
  if (flash !== undefined) c.set("session", withFlash(c.get("session"), flash))
  return c.redirect(location, 303)
}

/**
 * The status of a page that tells a problem: the API's own for a refusal (4xx); 503 when nothing
 * answered, and 502 for any other failure behind this service.
 */
export const statusFor = (problem: ApiProblem.ApiProblem): ContentfulStatusCode =>
  (problem.status >= 400 && problem.status < 500 ? problem.status : problem.status === 503 ? 503 : 502) as ContentfulStatusCode

const headingOf = (problem: ApiProblem.ApiProblem): string =>
  problem.status === 404 ? "Not found" : problem.status === 403 ? "Not allowed" : problem.status >= 500 ? "Temporarily unavailable" : "That did not work"

/** A problem the page cannot recover from, told as a page with a status of the same class. */
export const problemPage = (c: WebContext, problem: ApiProblem.ApiProblem) => {
  return render(c, headingOf(problem), <ErrorPage heading={headingOf(problem)} lines={ApiProblem.linesOf(problem)} />, statusFor(problem))
}

export const forbidden = (c: WebContext, line: string) =>
  render(c, "Not allowed", <ErrorPage heading="Not allowed" lines={[line]} />, 403)

export const notFound = (c: WebContext) =>
  render(c, "Not found", <ErrorPage heading="Page not found" lines={["There is no page at this address."]} />, 404)
