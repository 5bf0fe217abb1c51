/** The saga bench's measure of how far the flight's availability lags behind the bookings. */
import { expect, test } from "bun:test"
import * as AvailabilityLag from "./AvailabilityLag.ts"

test("a reading is as far behind as the first booking it does not show has waited", () => {
  const answered = [100, 250, 400]
  expect(AvailabilityLag.lagOf(answered, 0, 1_000)).toBe(900)
  expect(AvailabilityLag.lagOf(answered, 2, 1_000)).toBe(600)
  expect(AvailabilityLag.lagOf(answered, 2, 450)).toBe(50)
})

test("a reading that shows every booking, or more (another client's), is not behind", () => {
  expect(AvailabilityLag.lagOf([100, 250], 2, 1_000)).toBe(0)
  expect(AvailabilityLag.lagOf([100, 250], 5, 1_000)).toBe(0)
  expect(AvailabilityLag.lagOf([], 0, 1_000)).toBe(0)
})

test("the tracker keeps each flight's bookings apart and every reading's lag in order", () => {
  const lag = AvailabilityLag.tracker()
  lag.booked("a", 100)
  lag.booked("b", 150)
  lag.booked("a", 200)
  lag.read("a", 1, 500)
  lag.read("b", 0, 500)
  lag.read("b", 1, 600)
  lag.read("c", 0, 700)
  expect(lag.lags()).toEqual([300, 350, 0, 0])
})

test("the seats taken are each cabin's capacity less its available seats, summed", () => {
  expect(AvailabilityLag.seatsTaken({ cabins: [{ capacity: 180, availableSeats: 171 }, { capacity: 24, availableSeats: 20 }] })).toBe(13)
  expect(AvailabilityLag.seatsTaken({ cabins: [] })).toBe(0)
})
