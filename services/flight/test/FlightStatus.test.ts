/** A flight's status machine: every pair of statuses allowed or refused as the table says, and which flights are bookable. */
import { describe, expect, test } from "bun:test"
import type { FlightStatus } from "@flight/contracts"
import { allowedTransitions, canTransition, changeStatus, isBookable } from "../src/domain/Flight.ts"
import { later } from "./support/FlightSchedules.ts"
import { changeTo, failed, flightIn, statuses, succeeded } from "./support/FlightStatusChanges.ts"

/** The status machine as the issue states it. */
const expectedTransitions: Record<FlightStatus, ReadonlyArray<FlightStatus>> = {
  scheduled: ["delayed", "boarding", "cancelled"],
  delayed: ["boarding", "cancelled", "delayed"],
  boarding: ["departed"],
  departed: ["arrived"],
  arrived: [],
  cancelled: [],
}

describe("the status machine", () => {
  const pairs = statuses.flatMap((from) => statuses.map((to) => [from, to, expectedTransitions[from].includes(to)] as const))

  test("covers all 36 pairs of statuses", () => {
    expect(pairs).toHaveLength(36)
    expect(pairs.filter(([, , allowed]) => allowed)).toHaveLength(8)
  })

  test.each(pairs)("%p -> %p is allowed: %p", (from, to, allowed) => {
    const flight = flightIn(from)
    const result = changeStatus(flight, changeTo(to), later)
    expect(canTransition(from, to)).toBe(allowed)
    if (allowed) {
      const next = succeeded(result)
      expect(next.status).toBe(to)
      expect(next.version).toBe(flight.version + 1)
    } else {
      const error = failed(result)
      expect(error._tag).toBe("InvalidTransition")
      if (error._tag === "InvalidTransition") {
        expect({ from: error.from, to: error.to }).toEqual({ from, to })
      }
    }
  })

  test("allowedTransitions is the table of the issue", () => {
    const sorted = (table: Record<FlightStatus, ReadonlyArray<FlightStatus>>) =>
      Object.fromEntries(Object.entries(table).map(([from, to]) => [from, [...to].sort()]))
    expect(sorted(allowedTransitions)).toEqual(sorted(expectedTransitions))
  })

  test("a final status says so in the refusal", () => {
    const error = failed(changeStatus(flightIn("arrived"), changeTo("boarding"), later))
    expect(error.message).toContain("final")
  })
})

describe("a flight", () => {
  test.each(statuses.map((status) => [status, status === "scheduled" || status === "delayed"] as const))(
    "%p is bookable: %p",
    (status, bookable) => {
      expect(isBookable(flightIn(status))).toBe(bookable)
    },
  )
})
