/**
 * Who reaches a booking (decision 17): its owner, its guest token, ops and admin read and cancel it,
 * anyone else gets the 404 of an unknown id; a customer's trips list their own bookings; manage
 * answers a booking and its token for a passenger's last name.
 */
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { bookingBody, passengers, unknownId, withoutToken } from "./support/BookingRequests.ts"
import { apiTest, type Send } from "./support/BookingRoutesApp.ts"
import { bearer, signed, verify } from "./support/Callers.ts"

const { expectProblem } = HttpAssertions

describe("owners, my trips and manage", () => {
  /** A problem's body but its instance (the request's path): what tells one 404 from another. */
  const withoutInstance = (body: unknown) => {
    const { instance: _, ...rest } = body as Record<string, unknown>
    return rest
  }

  apiTest("a booking is read and cancelled by its owner, its guest token, ops and admin; anyone else gets the 404 of an unknown id", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const customerA = bearer(yield* signed(api, (issuer) => issuer.customer("customer-a")))
      const customerB = bearer(yield* signed(api, (issuer) => issuer.customer("customer-b")))
      const ops = bearer(yield* signed(api, (issuer) => issuer.staff("olga", ["ops"])))
      const admin = bearer(yield* signed(api, (issuer) => issuer.staff("ann", ["ops", "admin"])))
      const x = (yield* api.post(bookingBody(flightId), customerA)).body as { id: string; accessToken: string }
      const y = (yield* api.post(bookingBody(flightId))).body as { id: string; accessToken: string }
      const callers: ReadonlyArray<readonly [string, Send]> = [
        ["anonymous", { anonymous: true }],
        ["customer A (owner)", { headers: customerA }],
        ["customer B", { headers: customerB }],
        ["guest token of X", { headers: bearer(x.accessToken) }],
        ["guest token of Y", { headers: bearer(y.accessToken) }],
        ["ops", { headers: ops }],
        ["admin", { headers: admin }],
      ]
      const unknown = yield* api.send("GET", `/api/bookings/${unknownId}`, { headers: admin })
      const statuses: Array<readonly [string, number]> = []
      for (const [name, caller] of callers) {
        const answer = yield* api.send("GET", `/api/bookings/${x.id}`, caller)
        statuses.push([name, answer.status])
        if (answer.status === 404) expect(withoutInstance(answer.body)).toEqual(withoutInstance(unknown.body))
      }
      expect(statuses).toEqual([
        ["anonymous", 404],
        ["customer A (owner)", 200],
        ["customer B", 404],
        ["guest token of X", 200],
        ["guest token of Y", 404],
        ["ops", 200],
        ["admin", 200],
      ])
      // The guest's own booking: no customer reaches it, its token and staff do.
      expect((yield* api.send("GET", `/api/bookings/${y.id}`, { headers: customerA })).status).toBe(404)
      expect((yield* api.send("GET", `/api/bookings/${y.id}`, { headers: bearer(y.accessToken) })).status).toBe(200)
      // Cancel: refused as unknown for strangers (the booking stays pending), done for its guest token.
      for (const caller of [{ anonymous: true }, { headers: customerB }, { headers: bearer(y.accessToken) }] satisfies Array<Send>) {
        const refused = yield* api.send("POST", `/api/bookings/${x.id}/cancel`, caller)
        expectProblem(refused, 404, "booking-not-found")
        expect(withoutInstance(refused.body)).toEqual(withoutInstance(unknown.body))
      }
      expect(((yield* api.send("GET", `/api/bookings/${x.id}`, { headers: ops })).body as { status: string }).status).toBe("pending")
      const cancelled = yield* api.send("POST", `/api/bookings/${x.id}/cancel`, { headers: bearer(x.accessToken) })
      expect([cancelled.status, (cancelled.body as { status: string }).status]).toEqual([200, "cancelled"])
      const byOps = yield* api.send("POST", `/api/bookings/${y.id}/cancel`, { headers: ops })
      expect([byOps.status, (byOps.body as { status: string }).status]).toEqual([200, "cancelled"])
    }))

  apiTest("my trips list a customer's own bookings, newest first, a page at a time; nobody else's", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const customerA = bearer(yield* signed(api, (issuer) => issuer.customer("customer-a")))
      const customerB = bearer(yield* signed(api, (issuer) => issuer.customer("customer-b")))
      const ofA: Array<string> = []
      for (let index = 0; index < 3; index++) {
        ofA.push(((yield* api.post(bookingBody(flightId), customerA)).body as { id: string }).id)
        yield* Effect.sleep("3 millis")
      }
      const ofB = ((yield* api.post(bookingBody(flightId), customerB)).body as { id: string }).id
      const guest = (yield* api.post(bookingBody(flightId))).body as { id: string; accessToken: string }
      type Page = { items: Array<{ id: string }>; nextCursor: string | null }
      const first = yield* api.send("GET", "/api/bookings?mine=true&limit=2", { headers: customerA })
      expect(first.status).toBe(200)
      const firstPage = first.body as Page
      expect(firstPage.items.map((item) => item.id)).toEqual([ofA[2]!, ofA[1]!])
      const second = (yield* api.send("GET", `/api/bookings?mine=true&limit=2&cursor=${firstPage.nextCursor}`, { headers: customerA })).body as Page
      expect([second.items.map((item) => item.id), second.nextCursor]).toEqual([[ofA[0]!], null])
      const theirs = (yield* api.send("GET", "/api/bookings?mine=true", { headers: customerB })).body as Page
      expect(theirs.items.map((item) => item.id)).toEqual([ofB])
      // No token: 401 with the challenge; a guest token has no trips: 403.
      const anonymous = yield* api.send("GET", "/api/bookings?mine=true", { anonymous: true })
      expect([anonymous.status, anonymous.headers.get("www-authenticate")?.startsWith("Bearer")]).toEqual([401, true])
      expectProblem(yield* api.send("GET", "/api/bookings?mine=true", { headers: bearer(guest.accessToken) }), 403, "forbidden")
      // mine=true with a reference, or neither: a 400.
      expect((yield* api.send("GET", "/api/bookings?mine=true&reference=X7K2QP&lastName=Lovelace", { headers: customerA })).status).toBe(400)
      expect((yield* api.send("GET", "/api/bookings", { headers: customerA })).status).toBe(400)
    }))

  apiTest("manage answers the booking and a token scoped to it for a passenger's last name, whatever its case", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId, { passengers: passengers(2) }))
      const lastName = (booking.passengers[1] as { lastName: string }).lastName
      for (const typed of [lastName, lastName.toUpperCase(), lastName.toLowerCase()]) {
        const answer = yield* api.send("POST", "/api/bookings/manage", { body: { reference: booking.reference, lastName: typed } })
        expect(answer.status).toBe(200)
        const { accessToken, booking: managed } = answer.body as { accessToken: string; booking: unknown }
        expect(managed).toEqual(withoutToken(booking))
        expect(yield* verify(api, accessToken)).toMatchObject({ kind: "guest-booking", bookingId: booking.id })
      }
    }))

  apiTest("manage answers the same 404 for a wrong last name as for an unknown reference", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const booking = yield* api.book(bookingBody(flightId))
      const wrongName = yield* api.send("POST", "/api/bookings/manage", { body: { reference: booking.reference, lastName: "Turing" } })
      const firstName = yield* api.send("POST", "/api/bookings/manage", {
        body: { reference: booking.reference, lastName: (booking.passengers[0] as { firstName: string }).firstName },
      })
      const unknown = yield* api.send("POST", "/api/bookings/manage", { body: { reference: "ZZZZZZ", lastName: "Turing" } })
      for (const answer of [wrongName, firstName, unknown]) expectProblem(answer, 404, "booking-not-found")
      expect(wrongName.body).toEqual(unknown.body)
      expect(firstName.body).toEqual(unknown.body)
    }))
})
