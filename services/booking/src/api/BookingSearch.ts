/**
 * `GET /api/bookings`: the searches of bookings, told apart by their query. With `flightId`, a
 * flight's bookings (staff); with `mine=true`, the caller's own ("my trips"); with `reference` and
 * `lastName`, the traveller's lookup (anyone); with `reference` alone, the staff's lookup.
 */
import { AuthProblem, CurrentPrincipal, Policy } from "@flight/auth"
import { Paging, Problem, Route } from "@flight/runtime"
import { Effect, Option, Schema } from "effect"
import * as BookingAccess from "../application/BookingAccess.ts"
import { BookingQueries } from "../application/BookingQueries.ts"
import type { Booking } from "../domain/Booking.ts"
import { problems } from "./BookingProblems.ts"
import { BookingsPage, BookingsQuery, BookingView, viewOf } from "./BookingViews.ts"

type Query = typeof BookingsQuery.Type

/** A page of the answer, with the cursor of the next one when more follow. */
const pageOf = (page: { readonly items: ReadonlyArray<Booking>; readonly more: boolean }, offset: number, limit: number) => ({
  items: page.items.map(viewOf),
  nextCursor: Paging.nextOffset(offset, limit, page.more),
})

/** The 400 for query fields that cannot go with `field`, each named; none when there are none. */
const refuseWith = (field: "flightId" | "mine", query: Query, others: ReadonlyArray<keyof Query>) => {
  const present = others.filter((other) => query[other] !== undefined)
  if (present.length === 0) return Effect.void
  const purpose = field === "flightId" ? "flightId lists a flight's bookings" : "mine=true lists your bookings"
  return Effect.fail(Problem.badRequest(`${purpose}; it takes no ${present.join(" or ")}`, [
    { path: `query.${field}`, message: `cannot be combined with ${present.join(" or ")}` },
    ...present.map((other) => ({ path: `query.${other}`, message: `cannot be combined with ${field}` })),
  ]))
}

/** A lookup finds no booking, or a list or a lookup cannot read the store. */
const searching = problems.for("BookingNotFound", "BookingStoreError")

export const route = Route.make({
  method: "get",
  path: "/api/bookings",
  // Open to every caller, since the traveller's lookup by reference and last name is; each search
  // then asks its own rule (BookingAccess): staff for flightId and a reference alone, an account
  // for mine=true. The traveller's lookup answers no more than manage does (decision 17).
  access: "anyone",
  summary: "Search bookings: by reference and last name, my trips, a flight's (staff), by reference alone (staff)",
  description: "With reference and lastName: as at an airline, a reference alone reveals nothing: the last name of one of " +
    "the passengers must match (case-insensitive); 404 when either does not. With mine=true: the signed-in customer's " +
    "bookings, newest first; 401 without a token, 403 for a guest token. With flightId (ops and admin; 401 without a token, " +
    "403 for a customer or a guest token): the flight's bookings, every status, newest first; it takes no mine, reference " +
    "or lastName. With reference alone (ops and admin): the booking of that reference, 404 when none; for anyone else a " +
    "400 asking for lastName. Lists answer { items, nextCursor }, `limit` (1-100, default 20) a page, `cursor` the " +
    "previous page's nextCursor.",
  tags: ["bookings"],
  query: BookingsQuery,
  success: { status: 200, schema: Schema.Union(BookingView, BookingsPage) },
  // 400 for a query that lacks a field or mixes searches; 401 and 403 from the searches' own rules.
  errors: [400, 401, 403, ...searching.statuses],
  handler: ({ query }) =>
    searching.answer(Effect.gen(function* () {
      const queries = yield* BookingQueries
      const caller = yield* CurrentPrincipal
      const offset = Paging.offsetOf(query)
      if (query.flightId !== undefined) {
        yield* refuseWith("flightId", query, ["mine", "reference", "lastName"])
        yield* Policy.admit(BookingAccess.staffQueries, caller)
        return pageOf(yield* queries.ofFlight(query.flightId, { offset, limit: query.limit }), offset, query.limit)
      }
      if (query.mine === "true") {
        yield* refuseWith("mine", query, ["reference", "lastName"])
        if (Option.isNone(caller)) return yield* Effect.fail(AuthProblem.noToken("missing"))
        const page = yield* queries.mine(caller, { offset, limit: query.limit })
        if (Option.isNone(page)) return yield* Effect.fail(AuthProblem.forbidden(["customer"]))
        return pageOf(page.value, offset, query.limit)
      }
      if (query.reference !== undefined && query.lastName === undefined && BookingAccess.isStaffCaller(caller)) {
        return viewOf(yield* queries.byReference(query.reference))
      }
      if (query.reference === undefined || query.lastName === undefined) {
        return yield* Effect.fail(Problem.badRequest("Give reference and lastName, or mine=true", [
          ...(query.reference === undefined ? [{ path: "query.reference", message: "is required without mine=true" }] : []),
          ...(query.lastName === undefined ? [{ path: "query.lastName", message: "is required without mine=true" }] : []),
        ]))
      }
      return viewOf(yield* queries.find(query.reference, query.lastName))
    })),
})
