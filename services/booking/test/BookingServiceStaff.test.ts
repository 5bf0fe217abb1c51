/** The running booking service's staff searches: a flight's bookings page by page, and a booking by its reference alone. */
import { TestIssuer } from "@flight/auth/testing"
import { expect } from "bun:test"
import { Effect } from "effect"
import { it, onEachEnvironment, running } from "./support/RunningService.ts"

onEachEnvironment("staff searches", (environment) => {
  it("ops list the flight's bookings newest first, page by page, and find one by its reference alone", () =>
    Effect.gen(function* () {
      const issuer = yield* TestIssuer.make()
      const { book, flightId, request } = yield* running(environment, { auth: issuer.settings })
      const ops = { authorization: `Bearer ${yield* issuer.staff("olga", ["ops"])}` }
      const ids: Array<string> = []
      for (let index = 0; index < 3; index++) {
        const answer = yield* book([{}])
        expect(answer.status).toBe(201)
        ids.push(answer.body.id)
        yield* Effect.sleep("3 millis")
      }
      const first = yield* request(`/api/bookings?flightId=${flightId}&limit=2`, { headers: ops })
      expect([first.status, first.body.items.map((item: { id: string }) => item.id)]).toEqual([200, [ids[2], ids[1]]])
      const second = yield* request(`/api/bookings?flightId=${flightId}&limit=2&cursor=${first.body.nextCursor}`, { headers: ops })
      expect([second.body.items.map((item: { id: string }) => item.id), second.body.nextCursor]).toEqual([[ids[0]], null])
      const customer = { authorization: `Bearer ${yield* issuer.customer("customer-a")}` }
      expect((yield* request(`/api/bookings?flightId=${flightId}`, { headers: customer })).status).toBe(403)
      const reference = first.body.items[0].reference as string
      const found = yield* request(`/api/bookings?reference=${reference}`, { headers: ops })
      expect([found.status, found.body.id]).toEqual([200, ids[2]])
      expect((yield* request(`/api/bookings?reference=${reference}`)).status).toBe(400)
    }))
})
