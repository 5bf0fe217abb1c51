/** @jsxImportSource hono/jsx */
/** Search, the seat map, the passengers' form and booking (DESIGN §10, the traveller's first steps). */
import { Either } from "effect"
import type { Hono } from "hono"
import * as Travel from "../application/Travel.ts"
import * as ApiProblem from "../domain/ApiProblem.ts"
import type { Flight } from "../domain/Resources.ts"
import { withGuest } from "../domain/Session.ts"
import * as TravelForms from "../domain/TravelForms.ts"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { problemPage, render, statusFor } from "./Pages.tsx"
import { PassengersPage } from "./views/PassengersPage.tsx"
import { SearchPage } from "./views/SearchPage.tsx"
import { SeatMapPage } from "./views/SeatMapPage.tsx"
import { attemptAfter, attemptOf, csrfOf, type Deps, newAttempt, queryOf, runner, type WebContext, type WebEnv } from "./WebContext.ts"

const bookable = (flight: Flight) => flight.status === "scheduled" || flight.status === "delayed"

export const routes = (app: Hono<WebEnv>, deps: Deps) => {
  const run = runner(deps)

  app.get("/", async (c) => {
    const fields = queryOf(c)
    if (Object.keys(fields).length === 0) return render(c, "Find a flight", <SearchPage fields={{}} errors={{}} problem={[]} results={null} />)
    const form = TravelForms.search(fields)
    if (!form.ok) return render(c, "Find a flight", <SearchPage fields={fields} errors={form.errors} problem={[]} results={null} />, 400)
    const found = await run(c, Travel.search(form.value))
    return Either.match(found, {
      onLeft: (problem) => render(c, "Find a flight", <SearchPage fields={fields} errors={{}} problem={ApiProblem.linesOf(problem)} results={null} />, statusFor(problem)),
      onRight: (results) => render(c, "Flights found", <SearchPage fields={fields} errors={{}} problem={[]} results={results} />),
    })
  })

  /** The seat map, with the seats chosen so far and why they are not enough (or were taken). */
  const seatMap = async (c: WebContext, flightId: string, party: TravelForms.Party, errors: Record<string, string>, problem: ReadonlyArray<string>, status: 200 | 400 | 409) => {
    const flight = await run(c, Travel.flight(flightId))
    if (Either.isLeft(flight)) return problemPage(c, flight.left)
    if (!bookable(flight.right)) return problemPage(c, ApiProblem.of(409, "flight-not-bookable"))
    const map = await run(c, Travel.seatMap(flightId, party.cabin))
    if (Either.isLeft(map)) return problemPage(c, map.left)
    return render(
      c,
      "Choose seats",
      <SeatMapPage flight={flight.right} map={map.right} passengers={party.passengers} chosen={party.seats} errors={errors} problem={problem} />,
      status,
    )
  }

  app.get("/flights/:id/seats", async (c) => {
    const party = TravelForms.party({ ...queryOf(c), seat: [] })
    if (!party.ok) return problemPage(c, ApiProblem.of(400, "bad-party"))
    return seatMap(c, c.req.param("id"), party.value, {}, [], 200)
  })

  app.get("/flights/:id/passengers", async (c) => {
    const flightId = c.req.param("id")
    const fields = queryOf(c)
    const party = TravelForms.party(fields)
    if (!party.ok) {
      const fallback = TravelForms.party({ cabin: fields["cabin"], passengers: fields["passengers"] })
      if (!fallback.ok) return problemPage(c, ApiProblem.of(400, "bad-party"))
      return seatMap(c, flightId, { ...fallback.value, seats: [] }, party.errors, [], 400)
    }
    const flight = await run(c, Travel.flight(flightId))
    if (Either.isLeft(flight)) return problemPage(c, flight.left)
    return render(c, "Passengers", <PassengersPage flight={flight.right} party={party.value} fields={{}} errors={{}} problem={[]} csrf={csrfOf(c)} attempt={newAttempt()} />)
  })

  app.post("/flights/:id/book", async (c) => {
    const flightId = c.req.param("id")
    const fields = c.get("form")
    const party = TravelForms.party(fields)
    if (!party.ok) return problemPage(c, ApiProblem.of(400, "bad-party"))
    const flight = await run(c, Travel.flight(flightId))
    if (Either.isLeft(flight)) return problemPage(c, flight.left)
    const again = (errors: Record<string, string>, lines: ReadonlyArray<string>, status: ContentfulStatusCode, problem: ApiProblem.ApiProblem | null = null) =>
      render(c, "Passengers", <PassengersPage flight={flight.right} party={party.value} fields={fields} errors={errors} problem={lines} csrf={csrfOf(c)} attempt={attemptAfter(fields, problem)} />, status)
    const form = TravelForms.booking(flightId, party.value, fields)
    if (!form.ok) return again(form.errors, [], 400)
    const session = c.get("session")
    const booked = await run(c, Travel.book(session, form.value, attemptOf(fields)))
    if (Either.isLeft(booked)) {
      const problem = booked.left
      if (problem.type === "seats-unavailable") {
        return seatMap(c, flightId, { ...party.value, seats: [] }, {}, [ApiProblem.messageOf(problem)], 409)
      }
      return again({}, ApiProblem.linesOf(problem), statusFor(problem), problem)
    }
    const booking = booked.right
    // A guest holds the booking by its token; an account by being its owner (nothing to keep).
    if (session.account === null) c.set("session", withGuest(session, booking.id, { reference: booking.reference, token: booking.accessToken }))
    c.set("session", { ...c.get("session"), flash: { kind: "info", text: `Your seats are held. Your booking reference is ${booking.reference}.` } })
    return c.redirect(`/bookings/${booking.id}`, 303)
  })
}
