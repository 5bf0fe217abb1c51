/** @jsxImportSource hono/jsx */
/**
 * The operations console (`/ops`, DESIGN §10): ops and admin only. An anonymous visitor is sent to
 * sign in; a signed-in customer gets a 403 page. Every call carries the staff account's token, and
 * the services check its roles again.
 */
import { Either } from "effect"
import type { Hono } from "hono"
import * as ConsoleAccess from "../application/ConsoleAccess.ts"
import * as Operations from "../application/Operations.ts"
import * as SystemStatus from "../application/SystemStatus.ts"
import * as Travel from "../application/Travel.ts"
import * as ApiProblem from "../domain/ApiProblem.ts"
import * as ConsoleForms from "../domain/ConsoleForms.ts"
import { isBusService } from "../domain/SystemResources.ts"
import { type Fields, isBookingId } from "../domain/Validation.ts"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { forbidden, notFound, problemPage, redirect, render, statusFor } from "./Pages.tsx"
import { FlightPage, OpsBookingPage } from "./views/OpsFlightPage.tsx"
import { SystemPage } from "./views/SystemPage.tsx"
import { FindBookingPage, FlightsPage, SchedulePage } from "./views/OpsPages.tsx"
import { attemptAfter, attemptOf, csrfOf, type Deps, newAttempt, queryOf, runner, type WebContext, type WebEnv } from "./WebContext.ts"

export const routes = (app: Hono<WebEnv>, deps: Deps) => {
  const run = runner(deps)
  const token = (c: WebContext) => c.get("session").account!.accessToken
  const admin = (c: WebContext) => ConsoleAccess.operations(c.get("session").account) === "granted"

  app.use("/ops", gate(ConsoleAccess.console))
  app.use("/ops/*", gate(ConsoleAccess.console))
  app.use("/ops/system", gate(ConsoleAccess.operations, adminsOnly))
  app.use("/ops/system/*", gate(ConsoleAccess.operations, adminsOnly))

  app.get("/ops", async (c) => {
    const fields = queryOf(c)
    const show = (errors: Record<string, string>, problem: ReadonlyArray<string>, flights: Parameters<typeof FlightsPage>[0]["flights"], status: ContentfulStatusCode = 200) =>
      render(c, "Flights", <FlightsPage admin={admin(c)} fields={fields} errors={errors} problem={problem} flights={flights} />, status)
    if (Object.keys(fields).length === 0) return show({}, [], null)
    const form = ConsoleForms.flights(fields)
    if (!form.ok) return show(form.errors, [], null, 400)
    const found = await run(c, Operations.flightsOn(token(c), form.value))
    return Either.isLeft(found) ? show({}, ApiProblem.linesOf(found.left), null, statusFor(found.left)) : show({}, [], found.right)
  })

  const schedulePage = (c: WebContext, fields: Fields, errors: Record<string, string>, lines: ReadonlyArray<string>, status: ContentfulStatusCode, problem: ApiProblem.ApiProblem | null = null) =>
    render(c, "Schedule a flight", <SchedulePage admin={admin(c)} fields={fields} errors={errors} problem={lines} csrf={csrfOf(c)} attempt={attemptAfter(fields, problem)} />, status)

  app.get("/ops/flights/new", (c) => schedulePage(c, {}, {}, [], 200))

  app.post("/ops/flights", async (c) => {
    const fields = c.get("form")
    const form = ConsoleForms.schedule(fields)
    if (!form.ok) return schedulePage(c, fields, form.errors, [], 400)
    const scheduled = await run(c, Operations.schedule(token(c), form.value, attemptOf(fields)))
    if (Either.isLeft(scheduled)) {
      return schedulePage(c, fields, {}, ApiProblem.linesOf(scheduled.left), statusFor(scheduled.left), scheduled.left)
    }
    return redirect(c, `/ops/flights/${scheduled.right.id}`, { kind: "info", text: `${scheduled.right.flightNumber} is scheduled.` })
  })

  const flightPage = async (c: WebContext, fields: Fields, errors: Record<string, string>, problem: ReadonlyArray<string>, status: ContentfulStatusCode) => {
    const id = c.req.param("id")!
    const flight = await run(c, Travel.flight(id))
    if (Either.isLeft(flight)) return problemPage(c, flight.left)
    // `bookings`: the cursor of an older page of the flight's bookings, from the page's own link.
    const cursor = c.req.method === "GET" ? c.req.query("bookings") ?? null : null
    const bookings = await run(c, Operations.bookingsOf(token(c), id, cursor))
    return render(
      c,
      `Flight ${flight.right.flightNumber}`,
      <FlightPage admin={admin(c)} flight={flight.right} bookings={Either.getOrNull(bookings)} olderPage={cursor !== null} fields={fields} errors={errors} problem={problem} csrf={csrfOf(c)} />,
      status,
    )
  }

  app.get("/ops/flights/:id", (c) => flightPage(c, {}, {}, [], 200))

  app.post("/ops/flights/:id/delay", async (c) => {
    const form = ConsoleForms.delay(c.get("form"))
    if (!form.ok) return flightPage(c, c.get("form"), form.errors, [], 400)
    const changed = await run(c, Operations.changeStatus(token(c), c.req.param("id"), { status: "delayed", ...form.value }))
    if (Either.isLeft(changed)) return flightPage(c, c.get("form"), {}, ApiProblem.linesOf(changed.left), statusFor(changed.left))
    return redirect(c, `/ops/flights/${changed.right.id}`, { kind: "info", text: `${changed.right.flightNumber} is delayed; its travellers are told.` })
  })

  app.post("/ops/flights/:id/cancel", async (c) => {
    const form = ConsoleForms.cancel(c.get("form"))
    if (!form.ok) return flightPage(c, c.get("form"), form.errors, [], 400)
    const changed = await run(c, Operations.changeStatus(token(c), c.req.param("id"), { status: "cancelled", ...form.value }))
    if (Either.isLeft(changed)) return flightPage(c, c.get("form"), {}, ApiProblem.linesOf(changed.left), statusFor(changed.left))
    return redirect(c, `/ops/flights/${changed.right.id}`, { kind: "info", text: `${changed.right.flightNumber} is cancelled; its bookings are cancelled and the paid ones refunded.` })
  })

  app.get("/ops/bookings", async (c) => {
    const fields = queryOf(c)
    const show = (errors: Record<string, string>, problem: ReadonlyArray<string>, status: ContentfulStatusCode) =>
      render(c, "Find a booking", <FindBookingPage admin={admin(c)} fields={fields} errors={errors} problem={problem} />, status)
    if (Object.keys(fields).length === 0) return show({}, [], 200)
    const form = ConsoleForms.findBooking(fields)
    if (!form.ok) return show(form.errors, [], 400)
    const found = await run(c, Operations.findBooking(token(c), form.value))
    if (Either.isLeft(found)) return show({}, ApiProblem.linesOf(found.left), statusFor(found.left))
    return c.redirect(`/ops/bookings/${found.right.id}`, 303)
  })

  /** A path that names no booking is not found before anything is asked of the API (its id goes into redirects). */
  const notABooking = (c: WebContext) => problemPage(c, ApiProblem.of(404, "booking-not-found"))

  const bookingPage = async (c: WebContext, errors: Record<string, string>, status: 200 | 400) => {
    const id = c.req.param("id")!
    if (!isBookingId(id)) return notABooking(c)
    const story = await run(c, Travel.story(token(c), id))
    if (Either.isLeft(story)) return problemPage(c, story.left)
    return render(
      c,
      `Booking ${story.right.booking.reference}`,
      <OpsBookingPage admin={admin(c)} story={story.right} csrf={csrfOf(c)} attempt={newAttempt()} errors={errors} />,
      status,
    )
  }

  app.get("/ops/bookings/:id", (c) => bookingPage(c, {}, 200))

  app.post("/ops/bookings/:id/cancel", async (c) => {
    const id = c.req.param("id")
    if (!isBookingId(id)) return notABooking(c)
    const form = ConsoleForms.cancel({ ...c.get("form"), cancelReason: "" })
    if (!form.ok) return bookingPage(c, form.errors, 400)
    const cancelled = await run(c, Travel.cancel(token(c), id, attemptOf(c.get("form"))))
    if (Either.isLeft(cancelled)) {
      return cancelled.left.status === 404 ? problemPage(c, cancelled.left) : redirect(c, `/ops/bookings/${id}`, { kind: "error", text: ApiProblem.messageOf(cancelled.left) })
    }
    return redirect(c, `/ops/bookings/${id}`, { kind: "info", text: `Booking ${cancelled.right.reference} is cancelled.` })
  })

  app.get("/ops/system", async (c) => {
    const overview = await run(c, SystemStatus.overview(token(c)))
    return Either.isLeft(overview)
      ? problemPage(c, overview.left)
      : render(c, "System", <SystemPage overview={overview.right} csrf={csrfOf(c)} />)
  })

  app.post("/ops/system/:service/dead-letters/:id/replay", async (c) => {
    const service = c.req.param("service")
    const id = c.req.param("id")
    if (!isBusService(service)) return notFound(c)
    const replayed = await run(c, SystemStatus.replay(token(c), service, id))
    return redirect(c, "/ops/system", Either.isLeft(replayed)
      ? { kind: "error", text: `Message ${id} was not replayed: ${ApiProblem.messageOf(replayed.left)}` }
      : { kind: "info", text: `Message ${id} is back on the ${service} queue.` })
  })
}

/** Lets the request through when the account may; otherwise the sign-in page or a 403 page. */
const gate = (
  decide: (account: Parameters<typeof ConsoleAccess.console>[0]) => ConsoleAccess.Decision,
  refusal = "The operations console is for airline staff. Your account may not open it.",
) =>
  async (c: WebContext, next: () => Promise<void>) => {
    const decision = decide(c.get("session").account)
    if (decision === "granted") return next()
    if (decision === "sign-in") return c.redirect(`/sign-in?next=${encodeURIComponent(c.req.path)}`, 303)
    return forbidden(c, refusal)
  }

const adminsOnly = "The system page is for administrators. Your account may not open it."
