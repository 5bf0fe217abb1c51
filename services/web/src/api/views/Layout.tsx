/** @jsxImportSource hono/jsx */
/** The frame of every page: skip link, header with the visitor's navigation, the message of the last step, main. */
import type { Child } from "hono/jsx"
import type { Account, Flash } from "../../domain/Session.ts"
import { isStaff } from "../../application/ConsoleAccess.ts"

export interface Frame {
  readonly title: string
  readonly account: Account | null
  readonly csrf: string
  readonly flash?: Flash | null
}

// htmx may not add inline styles (the CSP forbids them) nor evaluate code; a refusal (4xx) is a page
// that explains itself, so it is shown like any other answer.
const htmxConfig = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [{ code: "204", swap: false }, { code: "...", swap: true }],
})

export const Layout = (props: Frame & { readonly children?: Child }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="htmx-config" content={htmxConfig} />
      <title>{`${props.title} · Flight Booking`}</title>
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href="/assets/site.css" />
      <script src="/assets/htmx.min.js" defer></script>
      <script src="/assets/site.js" defer></script>
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/">✈ Flight Booking</a>
        <nav aria-label="Main">
          <a href="/">Search flights</a>
          <a href="/manage">Manage booking</a>
          {props.account === null ? (
            <>
              <a href="/sign-in">Sign in</a>
              <a href="/sign-up">Sign up</a>
            </>
          ) : (
            <>
              <a href="/trips">My trips</a>
              {isStaff(props.account) ? <a href="/ops">Operations</a> : null}
              <form method="post" action="/sign-out" class="inline">
                <input type="hidden" name="_csrf" value={props.csrf} />
                <button type="submit" class="link">Sign out {props.account.email}</button>
              </form>
            </>
          )}
        </nav>
      </header>
      <main id="main" tabindex={-1}>
        {props.flash ? (
          <p class={`flash ${props.flash.kind}`} role={props.flash.kind === "error" ? "alert" : "status"}>{props.flash.text}</p>
        ) : null}
        {props.children}
      </main>
    </body>
  </html>
)
