/** The holding limit's rule (DESIGN §10) as pure functions: who a booking counts against, and admission. */
import { describe, expect, test } from "bun:test"
import { FastCheck } from "effect"
import { Owner } from "../src/domain/Booking.ts"
import { admit, holdersOf } from "../src/domain/HoldLimit.ts"

describe("holding limit", () => {
  test("a booking counts against its account (when signed in), its contact email lower-cased, and the client's address (when known)", () => {
    expect(holdersOf({ owner: null, email: "Ada@Example.COM", clientAddress: null })).toEqual(["email:ada@example.com"] as never)
    expect(holdersOf({ owner: Owner.make("customer-a"), email: "ada@example.com", clientAddress: "203.0.113.7" }))
      .toEqual(["owner:customer-a", "email:ada@example.com", "address:203.0.113.7"] as never)
  })

  test("a loopback address is no client's: it does not count (a local proxy not trusted to forward, or a test)", () => {
    for (const loopback of ["127.0.0.1", "127.8.9.10", "::1", "0:0:0:0:0:0:0:1"]) {
      expect(holdersOf({ owner: null, email: "ada@example.com", clientAddress: loopback })).toEqual(["email:ada@example.com"] as never)
    }
    for (const address of ["128.0.0.1", "10.0.0.1"]) {
      expect(holdersOf({ owner: null, email: "ada@example.com", clientAddress: address })).toContain(`address:${address}` as never)
    }
    for (const [address, network] of [["::", "0:0:0:0::/64"], ["2001:db8::1", "2001:db8:0:0::/64"], ["1::1", "1:0:0:0::/64"]]) {
      expect(holdersOf({ owner: null, email: "ada@example.com", clientAddress: address! })).toContain(`address:${network}` as never)
    }
  })

  test("an IPv6 client counts as its /64: any address of it is the same holder, another /64 another", () => {
    const holderOf = (address: string) => holdersOf({ owner: null, email: "ada@example.com", clientAddress: address })[1]
    expect(holderOf("2001:db8:0:7::100")).toBe("address:2001:db8:0:7::/64" as never)
    expect(holderOf("2001:db8:0:7:aaaa:bbbb:cccc:dddd")).toBe(holderOf("2001:db8:0:7::100"))
    expect(holderOf("2001:db8:0:8::100")).not.toBe(holderOf("2001:db8:0:7::100"))
  })

  test("holds that ran out by now do not count; a request that fits is admitted", () => {
    const now = 1_000
    const holds = [{ seats: 5, expiresAt: now }, { seats: 4, expiresAt: now + 10 }]
    expect(admit([holds], 5, 9, now)).toEqual({ _tag: "Admitted" })
    expect(admit([holds], 6, 9, now)).toEqual({ _tag: "Refused", held: 4, retryAt: now + 10 })
  })

  test("refused: the most any full holder holds, and when enough of every full holder's holds have run out", () => {
    const now = 0
    const email = [{ seats: 4, expiresAt: 100 }, { seats: 5, expiresAt: 200 }]
    const address = [{ seats: 9, expiresAt: 150 }]
    expect(admit([email, address], 1, 9, now)).toEqual({ _tag: "Refused", held: 9, retryAt: 150 })
    expect(admit([email, []], 5, 9, now)).toEqual({ _tag: "Refused", held: 9, retryAt: 200 })
    expect(admit([[], []], 9, 9, now)).toEqual({ _tag: "Admitted" })
  })

  test("the retry time is the first moment, on the holds' own expiries, at which the request fits every holder", () => {
    const hold = FastCheck.record({ seats: FastCheck.integer({ min: 1, max: 9 }), expiresAt: FastCheck.integer({ min: 1, max: 50 }) })
    FastCheck.assert(
      FastCheck.property(FastCheck.array(FastCheck.array(hold, { maxLength: 6 }), { minLength: 1, maxLength: 3 }), FastCheck.integer({ min: 1, max: 9 }), (holdings, requested) => {
        const fitsAt = (at: number) =>
          holdings.every((holds) => holds.filter((h) => h.expiresAt > at).reduce((sum, h) => sum + h.seats, 0) + requested <= 9)
        const answer = admit(holdings, requested, 9, 0)
        if (fitsAt(0)) return answer._tag === "Admitted"
        const first = [...new Set(holdings.flat().map((h) => h.expiresAt))].toSorted((a, b) => a - b).find(fitsAt)
        return answer._tag === "Refused" && answer.retryAt === first
      }),
    )
  })
})
