/** A flight's seat map: each cabin's seats, row by row, and no seat in two cabins of a valid schedule. */
import { describe, expect, test } from "bun:test"
import { type CabinLayout, SeatNumber } from "@flight/contracts"
import { FastCheck, Schema } from "effect"
import { capacityOf, seatMap, seatsOf } from "../src/domain/Flight.ts"
import { layoutArb, scheduleInputArb } from "./support/FlightArbitraries.ts"
import { cabinAt, decoded, validInput } from "./support/FlightSchedules.ts"

describe("the seat map", () => {
  test("a cabin has rows x letters seats, all distinct, all valid seat numbers, counted by capacityOf", () => {
    FastCheck.assert(FastCheck.property(layoutArb, (layout) => {
      const seats = seatsOf(layout)
      const rows = layout.rows.to - layout.rows.from + 1
      expect(seats.length).toBe(rows * layout.seatLetters.length)
      expect(capacityOf(layout)).toBe(seats.length)
      expect(new Set(seats).size).toBe(seats.length)
      for (const seat of seats) expect(Schema.is(SeatNumber)(seat)).toBe(true)
      expect(seats[0]).toBe(SeatNumber.make(`${layout.rows.from}${layout.seatLetters[0]}`))
      expect(seats.at(-1)).toBe(SeatNumber.make(`${layout.rows.to}${layout.seatLetters.at(-1)}`))
    }))
  })

  test("lists a cabin's seats row by row, in the order of its letters", () => {
    const layout = cabinAt(validInput(), 0)
    expect(seatsOf(layout as CabinLayout)).toEqual(["1A", "1K", "2A", "2K"].map((seat) => SeatNumber.make(seat)))
  })

  test("the seats of different cabins of a valid schedule never collide", () => {
    FastCheck.assert(FastCheck.property(scheduleInputArb, (input) => {
      const { cabins } = decoded(input)
      const map = seatMap(cabins)
      expect(map.map((entry) => entry.cabin)).toEqual(cabins.map((layout) => layout.cabin))
      const all = map.flatMap((entry) => entry.seats)
      expect(new Set(all).size).toBe(all.length)
      expect(all.length).toBe(cabins.reduce((sum, layout) => sum + capacityOf(layout), 0))
    }))
  })
})
