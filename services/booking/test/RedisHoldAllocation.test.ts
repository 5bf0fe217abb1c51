/**
 * The hold script chooses seats as `allocate` does: over random cabins, seats already held and
 * parties (named seats free, taken or none), the script on a real Redis holds exactly the seats the
 * domain's rule gives, or refuses with the same named seats and the same count of free seats, and a
 * refusal holds nothing.
 */
import { RealServer } from "@flight/runtime/testing"
import { afterAll, expect, test } from "bun:test"
import { Either, FastCheck } from "effect"
import { Redis } from "ioredis"
import { allocate } from "../src/domain/SeatInventory.ts"
import * as RedisHoldScript from "../src/infrastructure/RedisHoldScript.ts"
import { keysFor } from "../src/infrastructure/RedisKeys.ts"
import * as RedisScript from "../src/infrastructure/RedisScript.ts"
import { flightId } from "./support/Bookings.ts"
import { deletePrefix, testPrefix } from "./support/Fixtures.ts"
import { isFreeIn, type Scenario, scenarioArb } from "./support/SeatArbitraries.ts"

RealServer.describeWith("REDIS_URL", "the hold script against allocate", (url) => {
  const prefix = testPrefix()
  const keys = keysFor(prefix)
  const client = new Redis(url)
  afterAll(async () => {
    await deletePrefix(url, prefix)
    client.disconnect()
  })

  /** A flight of the scenario's one cabin, its taken seats held, and the party's hold through the script. */
  const hold = async (scenario: Scenario) => {
    const flight = Bun.randomUUIDv7()
    const { layout, requested, taken } = scenario
    await client.set(keys.seating(flight), JSON.stringify({ flightId: flight, flightNumber: "FB100", departureAt: "2027-01-01T10:00:00.000Z", status: "scheduled", cabins: [layout] }))
    const seats = keys.seats(flight, layout.cabin)
    if (taken.size > 0) await client.hset(seats, Object.fromEntries([...taken].map((seat) => [seat, "h:someone-else"])))
    const id = Bun.randomUUIDv7()
    const now = new Date().toISOString()
    const passengers = requested.map((_, index) => ({ firstName: "Passenger", lastName: `Number${index + 1}` }))
    const booking = {
      id, reference: "ABCDEF", flightId: flight, cabin: layout.cabin, passengers, contact: { email: "party@example.com" },
      status: "pending", holdExpiresAt: now, paymentId: null, cancellationReason: null, createdAt: now, updatedAt: now,
    }
    const event = { id: Bun.randomUUIDv7(), type: "booking.created", version: 1, occurredAt: now, correlationId: id, causationId: null, source: "booking", data: { bookingId: id, flightId: flight } }
    const { reply } = await RedisScript.evaluate(client, RedisHoldScript.hold, {
      keys: {
        seating: keys.seating(flight), seats, booking: keys.booking(flight, id), active: keys.active(flight),
        expiries: keys.expiries(flight), outbox: keys.outbox(flight), status: keys.status(flight),
        holders: keys.holders(flight, id), bookings: keys.bookings(flight),
        holderSets: [keys.holder(`email:${id}@example.com`), keys.holder(`address:${id}`)],
      },
      args: {
        booking: JSON.stringify(booking), event: JSON.stringify(event), traceparent: "",
        requested: JSON.stringify(requested.map((seat) => seat ?? "")), expiresAt: Date.now() + 60_000, id, messageId: event.id,
        totalAmount: String(45000 * requested.length), totalCurrency: "GBP", maxSeats: 9, now: Date.now(),
      },
    })
    return { reply: reply as Array<string>, heldAfter: await client.hlen(seats) }
  }

  const agrees = (namedAmong: "free" | "any") => async (scenario: Scenario) => {
    const expected = allocate(flightId, scenario.layout, isFreeIn(scenario), scenario.requested)
    const { heldAfter, reply } = await hold(scenario)
    if (Either.isRight(expected)) {
      expect(reply[0]).toBe("ok")
      expect(reply.slice(2)).toEqual(expected.right.map(String))
      expect(heldAfter).toBe(scenario.taken.size + scenario.requested.length)
      return "held"
    }
    const refusal = expected.left
    expect(reply).toEqual(refusal.seats.length > 0
      ? ["taken", String(refusal.available), ...refusal.seats.map(String)]
      : ["unavailable", String(refusal.available)])
    expect(heldAfter).toBe(scenario.taken.size)
    return namedAmong === "any" && refusal.seats.length > 0 ? "named seat taken" : "too few"
  }

  /** How often each outcome came, over 300 scenarios whose named seats are drawn among the free seats or all of them. */
  const outcomesOver = async (namedAmong: "free" | "any") => {
    const outcomes: Record<string, number> = {}
    await FastCheck.assert(
      FastCheck.asyncProperty(scenarioArb(namedAmong), async (scenario) => {
        const outcome = await agrees(namedAmong)(scenario)
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
      }),
      { numRuns: 300 },
    )
    return outcomes
  }

  test("parties naming free seats or none: the same seats held, or the same refusal", async () => {
    const outcomes = await outcomesOver("free")
    // Both outcomes were drawn often enough to mean something.
    expect(outcomes["held"]).toBeGreaterThan(100)
    expect(outcomes["too few"]).toBeGreaterThan(10)
  }, 60_000)

  test("parties naming any seat: a named seat that is taken is refused by name, with the free count", async () => {
    const outcomes = await outcomesOver("any")
    expect(outcomes["named seat taken"]).toBeGreaterThan(30)
    expect(outcomes["held"]).toBeGreaterThan(50)
  }, 60_000)
})
