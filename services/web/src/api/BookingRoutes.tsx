/** @jsxImportSource hono/jsx */
/** A booking's page and its live part, paying, cancelling, managing by reference, "my trips". */
import { Either } from "effect"
import type { Hono } from "hono"
import * as Travel from "../application/Travel.ts"
import * as ApiProblem from "../domain/ApiProblem.ts"
import { withGuest, withoutGuest } from "../domain/Session.ts"
import * as TravelForms from "../domain/TravelForms.ts"
import { isBookingId } from "../domain/Validation.ts"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { problemPage, redirect, render, statusFor } from "./Pages.tsx"
import { ManagePage, TripsPage } from "./views/AccountPages.tsx"
import { Progress, StatusLine } from "./views/BookingStory.tsx"
import { BookingActions, BookingPage } from "./views/BookingPage.tsx"
import * as Format from "./views/Format.ts"
import { attemptOf, csrfOf, type Deps, newAttempt, runner, type WebContext, type WebEnv } from "./WebContext.ts"

export const routes = (app: Hono<WebEnv>, deps: Deps) => {
  const run = runner(deps)
  const tokenFor = (c: WebContext, id: string) => Travel.holderToken(c.get("session"), id)

  /**
   * A guest token lives for hours, not forever: once the API refuses it (401), the session forgets it
   * and the visitor finds the booking again by reference and last name.
   */
  const refused = (c: WebContext, id: string, problem: ApiProblem.ApiProblem) => {
    const guest = c.get("session").guests[id]
    if (problem.status !== 401 || guest === undefined) return problemPage(c, problem)
    c.set("session", withoutGuest(c.get("session"), id))
    return redirect(c, "/manage", {
      kind: "error",
      text: `Your access to booking ${guest.reference} has run out. Find it again with its reference and a passenger's last name.`,
    })
  }

  /** A path that names no booking is not found before anything is asked of the API (its id goes into redirects). */
  const notABooking = (c: WebContext) => problemPage(c, ApiProblem.of(404, "booking-not-found"))

  /** The booking's page; with `errors` when a form on it was refused. */
  const page = async (c: WebContext, id: string, errors: Record<string, string> = {}, status: 200 | 400 = 200) => {
    if (!isBookingId(id)) return notABooking(c)
    const story = await run(c, Travel.story(tokenFor(c, id), id))
    if (Either.isLeft(story)) return refused(c, id, story.left)
    return render(
      c,
      `Booking ${story.right.booking.reference}`,
      <BookingPage story={story.right} csrf={csrfOf(c)} attempt={newAttempt()} errors={errors} problem={[]} />,
      status,
    )
  }

  app.get("/bookings/:id", (c) => page(c, c.req.param("id")))

  app.get("/bookings/:id/live", async (c) => {
    const id = c.req.param("id")
    c.header("cache-control", "no-store")
    if (!isBookingId(id)) return c.html(<p id="live">{ApiProblem.messageOf(ApiProblem.of(404, "booking-not-found"))}</p>, 404)
    const story = await run(c, Travel.story(tokenFor(c, id), id))
    if (Either.isLeft(story)) {
      // The page keeps polling: a moment's outage is told, not a reason to stop.
      return c.html(
        <div id="live" hx-get={c.req.url.slice(c.req.url.indexOf("/bookings/"))} hx-trigger="every 4s" hx-swap="outerHTML">
          <p class="flash error" role="alert">{ApiProblem.messageOf(story.left)}</p>
        </div>,
      )
    }
    const moved = c.req.query("seen") !== story.right.booking.status
    return c.html(
      <>
        <Progress story={story.right} poll={`/bookings/${id}/live`} />
        {moved ? <StatusLine booking={story.right.booking} outOfBand /> : null}
        {moved ? <BookingActions booking={story.right.booking} csrf={csrfOf(c)} attempt={newAttempt()} errors={{}} outOfBand /> : null}
      </>,
    )
  })

  app.post("/bookings/:id/pay", async (c) => {
    const id = c.req.param("id")
    if (!isBookingId(id)) return notABooking(c)
    const form = TravelForms.payment(c.get("form"))
    if (!form.ok) return page(c, id, form.errors, 400)
    const paid = await run(c, Travel.pay(c.get("session"), id, form.value.token, attemptOf(c.get("form"))))
    if (Either.isLeft(paid)) {
      if (paid.left.status === 404 || paid.left.status === 401) return refused(c, id, paid.left)
      return redirect(c, `/bookings/${id}`, { kind: "error", text: ApiProblem.messageOf(paid.left) })
    }
    return paid.right.status === "succeeded"
      ? redirect(c, `/bookings/${id}`, { kind: "info", text: `Payment of ${Format.money(paid.right.amount)} accepted. Your booking is being confirmed.` })
      : redirect(c, `/bookings/${id}`, {
        kind: "error",
        text: `Payment failed: ${Format.failureReason(paid.right.failureReason)}. Nothing was charged. Choose another card and pay again.`,
      })
  })

  app.post("/bookings/:id/cancel", async (c) => {
    const id = c.req.param("id")
    if (!isBookingId(id)) return notABooking(c)
    const cancelled = await run(c, Travel.cancel(tokenFor(c, id), id, attemptOf(c.get("form"))))
    if (Either.isLeft(cancelled)) {
      if (cancelled.left.status === 404 || cancelled.left.status === 401) return refused(c, id, cancelled.left)
      return redirect(c, `/bookings/${id}`, { kind: "error", text: ApiProblem.messageOf(cancelled.left) })
    }
    const refund = cancelled.right.paymentId !== null ? " Your payment will be refunded in full; the refund appears below." : ""
    return redirect(c, `/bookings/${id}`, { kind: "info", text: `Booking ${cancelled.right.reference} is cancelled.${refund}` })
  })

  app.get("/manage", (c) => render(c, "Manage a booking", <ManagePage fields={{}} errors={{}} problem={[]} csrf={csrfOf(c)} />))

  app.post("/manage", async (c) => {
    const fields = c.get("form")
    const again = (errors: Record<string, string>, problem: ReadonlyArray<string>, status: ContentfulStatusCode) =>
      render(c, "Manage a booking", <ManagePage fields={fields} errors={errors} problem={problem} csrf={csrfOf(c)} />, status)
    const form = TravelForms.manage(fields)
    if (!form.ok) return again(form.errors, [], 400)
    const found = await run(c, Travel.manage(form.value))
    if (Either.isLeft(found)) {
      return again({}, ApiProblem.linesOf(found.left), statusFor(found.left))
    }
    const { accessToken, booking } = found.right
    c.set("session", withGuest(c.get("session"), booking.id, { reference: booking.reference, token: accessToken }))
    return c.redirect(`/bookings/${booking.id}`, 303)
  })

  app.get("/trips", async (c) => {
    const account = c.get("session").account
    if (account === null) return c.redirect("/sign-in?next=/trips", 303)
    const trips = await run(c, Travel.trips(account.accessToken))
    if (Either.isLeft(trips)) return problemPage(c, trips.left)
    return render(c, "My trips", <TripsPage trips={trips.right} />)
  })
}
