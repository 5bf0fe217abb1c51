/**
 * The staff's searches over HTTP: a flight's bookings (ops and admin, every status, newest first, a
 * page at a time) and a booking by its reference alone; who else may ask, and what the query refuses.
 */
import { TestIssuer } from "@flight/auth/testing"
import { HttpAssertions } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { bookingBody } from "./support/BookingRequests.ts"
import { type Api, apiTest } from "./support/BookingRoutesApp.ts"
import { bearer, signed } from "./support/Callers.ts"

const { expectProblem, expectValidation } = HttpAssertions

describe("GET /api/bookings for staff: a flight's bookings, a booking by reference alone", () => {
  type Page = { items: Array<{ id: string; status: string; flightId: string }>; nextCursor: string | null }

  /** A token of each kind of caller, and a guest token of a booking on the flight. */
  const callers = (api: Api, flightId: string) =>
    Effect.gen(function* () {
      const sign = (f: (issuer: TestIssuer.TestIssuer) => Effect.Effect<string>) => Effect.map(signed(api, f), bearer)
      const guest = (yield* api.post(bookingBody(flightId))).body as { id: string; reference: string; accessToken: string }
      return {
        guest,
        customer: yield* sign((issuer) => issuer.customer("customer-a")),
        guestToken: bearer(guest.accessToken),
        ops: yield* sign((issuer) => issuer.staff("olga", ["ops"])),
        admin: yield* sign((issuer) => issuer.staff("adam", ["admin"])),
      }
    })

  apiTest("a flight's bookings: ops and admin get them; no token is a 401, a customer or a guest token a 403", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const who = yield* callers(api, flightId)
      const path = `/api/bookings?flightId=${flightId}`
      for (const staff of [who.ops, who.admin]) {
        const answer = yield* api.send("GET", path, { headers: staff })
        expect(answer.status).toBe(200)
        expect((answer.body as Page).items.map((item) => item.id)).toEqual([who.guest.id])
      }
      const anonymous = yield* api.send("GET", path, { anonymous: true })
      expectProblem(anonymous, 401, "unauthorized")
      expect(anonymous.headers.get("www-authenticate")).toStartWith("Bearer")
      expectProblem(yield* api.send("GET", path, { headers: who.customer }), 403, "forbidden")
      expectProblem(yield* api.send("GET", path, { headers: who.guestToken }), 403, "forbidden")
    }))

  apiTest("a flight's bookings come newest first, every status, a page at a time; another flight's are not among them", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const otherFlight = yield* api.scheduleFlight
      const who = yield* callers(api, otherFlight)
      const ids: Array<string> = []
      for (let index = 0; index < 3; index++) {
        ids.push((yield* api.book(bookingBody(flightId))).id)
        yield* Effect.sleep("3 millis")
      }
      const cancelled = yield* api.send("POST", `/api/bookings/${ids[0]}/cancel`)
      expect(cancelled.status).toBe(200)
      const first = yield* api.send("GET", `/api/bookings?flightId=${flightId}&limit=2`, { headers: who.ops })
      expect(first.status).toBe(200)
      const firstPage = first.body as Page
      expect(firstPage.items.map((item) => item.id)).toEqual([ids[2]!, ids[1]!])
      expect(firstPage.nextCursor).not.toBeNull()
      const second = (yield* api.send("GET", `/api/bookings?flightId=${flightId}&limit=2&cursor=${firstPage.nextCursor}`, { headers: who.ops })).body as Page
      expect([second.items.map((item) => [item.id, item.status]), second.nextCursor]).toEqual([[[ids[0]!, "cancelled"]], null])
      const empty = (yield* api.send("GET", `/api/bookings?flightId=${Bun.randomUUIDv7()}`, { headers: who.admin })).body as Page
      expect(empty).toEqual({ items: [], nextCursor: null })
    }))

  apiTest("a flight's bookings refuse bad input with the field named: a bad flightId, cursor or limit, flightId with mine or a reference", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const { ops } = yield* callers(api, flightId)
      const ask = (query: string) => api.send("GET", `/api/bookings?${query}`, { headers: ops })
      expectValidation(yield* ask("flightId=not-a-flight"), ["query.flightId"])
      expectValidation(yield* ask(`flightId=${flightId}&cursor=not-a-cursor`), ["query.cursor"])
      for (const limit of ["0", "101", "ten", "-1"]) expectValidation(yield* ask(`flightId=${flightId}&limit=${limit}`), ["query.limit"])
      expectValidation(yield* ask(`flightId=${flightId}&mine=true`), ["query.flightId", "query.mine"])
      expectValidation(yield* ask(`flightId=${flightId}&reference=X7K2QP`), ["query.flightId", "query.reference"])
      expectValidation(yield* ask(`flightId=${flightId}&reference=X7K2QP&lastName=Lovelace`), [
        "query.flightId",
        "query.reference",
        "query.lastName",
      ])
      // Checked before who asks: an anonymous caller is told what is wrong with the query too.
      expect((yield* api.send("GET", `/api/bookings?flightId=${flightId}&mine=true`, { anonymous: true })).status).toBe(400)
    }))

  apiTest("a reference alone finds the booking for ops and admin (404 when unknown); anyone else is asked for a last name", (api) =>
    Effect.gen(function* () {
      const flightId = yield* api.scheduleFlight
      const who = yield* callers(api, flightId)
      const path = `/api/bookings?reference=${who.guest.reference}`
      for (const staff of [who.ops, who.admin]) {
        const answer = yield* api.send("GET", path, { headers: staff })
        expect(answer.status).toBe(200)
        expect((answer.body as { id: string }).id).toBe(who.guest.id)
        expectProblem(yield* api.send("GET", "/api/bookings?reference=ZZZZZZ", { headers: staff }), 404, "booking-not-found")
      }
      for (const other of [{ anonymous: true }, { headers: who.customer }, { headers: who.guestToken }]) {
        const answer = yield* api.send("GET", path, other)
        expectValidation(answer, ["query.lastName"])
      }
      // The traveller's lookup is unchanged: the same 404 for a wrong name as for an unknown reference.
      const wrongName = yield* api.send("GET", `${path}&lastName=Turing`, { anonymous: true })
      const unknown = yield* api.send("GET", "/api/bookings?reference=ZZZZZZ&lastName=Turing", { anonymous: true })
      expectProblem(wrongName, 404, "booking-not-found")
      expectProblem(unknown, 404, "booking-not-found")
      const { instance: _a, ...wrongBody } = wrongName.body as Record<string, unknown>
      const { instance: _b, ...unknownBody } = unknown.body as Record<string, unknown>
      expect(wrongBody).toEqual(unknownBody)
      expect((yield* api.send("GET", `${path}&lastName=lovelace`, { anonymous: true })).status).toBe(200)
    }))

  apiTest("the OpenAPI document tells both staff searches and their statuses", (api) =>
    Effect.gen(function* () {
      const document = (yield* api.send("GET", "/openapi.json", { anonymous: true })).body as {
        paths: Record<string, { get?: { description?: string; parameters?: Array<{ name: string }>; responses: Record<string, unknown> } }>
      }
      const search = document.paths["/api/bookings"]!.get!
      expect(search.parameters!.map((parameter) => parameter.name)).toEqual(expect.arrayContaining(["flightId", "reference", "lastName", "mine", "limit", "cursor"]))
      expect(Object.keys(search.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404"]))
      expect(search.description).toContain("With flightId (ops and admin")
      expect(search.description).toContain("With reference alone (ops and admin)")
    }))
})
