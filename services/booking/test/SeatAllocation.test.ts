/** Seat allocation by example: the cabin's seats, the seats `allocate` gives a party, and `checkRequested`. */
import { describe, expect, test } from "bun:test"
import { type CabinLayout, SeatNumber } from "@flight/contracts"
import { Either } from "effect"
import { allocate, checkRequested, rowsOf, SeatNotInCabin, SeatRequestedTwice, seatsOf, SeatsUnavailable } from "../src/domain/SeatInventory.ts"
import { flightId } from "./support/Bookings.ts"
import { expectLeft, expectRight } from "./support/Results.ts"

const seat = (name: string) => SeatNumber.make(name)
const seats = (...names: ReadonlyArray<string>) => names.map(seat)

/** Rows 1 to 3, six seats a row: 18 seats. */
const small: CabinLayout = {
  cabin: "economy",
  rows: { from: 1, to: 3 },
  seatLetters: "ABCDEF",
  fare: { amount: 45000, currency: "GBP" },
}

/** Every seat free except these. */
const freeExcept = (...taken: ReadonlyArray<string>) => {
  const set = new Set<string>(taken)
  return (candidate: SeatNumber) => !set.has(candidate)
}

/** Every seat taken except these. */
const onlyFree = (...free: ReadonlyArray<string>) => {
  const set = new Set<string>(free)
  return (candidate: SeatNumber) => set.has(candidate)
}

/** A party of `n` passengers who name no seat. */
const party = (n: number): Array<SeatNumber | undefined> => Array.from({ length: n }, () => undefined)

// -------------------------------------------------------------------------------------------------
// The layout

describe("rowsOf and seatsOf", () => {
  test("rows front to back, each with its seats in letter order", () => {
    const layout: CabinLayout = { ...small, rows: { from: 11, to: 12 }, seatLetters: "ACDG" }
    expect(rowsOf(layout)).toEqual([seats("11A", "11C", "11D", "11G"), seats("12A", "12C", "12D", "12G")])
    expect(seatsOf(layout)).toEqual(seats("11A", "11C", "11D", "11G", "12A", "12C", "12D", "12G"))
    expect(seatsOf(small)).toHaveLength(18)
  })
})

// -------------------------------------------------------------------------------------------------
// allocate, by example

describe("allocate", () => {
  test("a party of 3 in an empty cabin gets 1A, 1B, 1C", () => {
    expect(expectRight(allocate(flightId, small, () => true, party(3)))).toEqual(seats("1A", "1B", "1C"))
  })

  test("with 1B taken, a party of 3 gets the first run of three: 1C, 1D, 1E", () => {
    expect(expectRight(allocate(flightId, small, freeExcept("1B"), party(3)))).toEqual(seats("1C", "1D", "1E"))
  })

  test("a run in a later row beats scattered seats in an earlier one", () => {
    // Row 1 has 4 free seats but no run of 3; row 2 has 2D, 2E, 2F together.
    const isFree = freeExcept("1B", "1D", "2A", "2C", "3A", "3B", "3C", "3D", "3E", "3F")
    expect(expectRight(allocate(flightId, small, isFree, party(3)))).toEqual(seats("2D", "2E", "2F"))
  })

  test("a party that fits in no run but in a row gets the first such row's first free seats", () => {
    // No row has four adjacent free seats. Row 1 has only 3 free; row 2 has 5 free; row 3 has 4.
    const isFree = freeExcept("1B", "1D", "1F", "2C", "3B", "3E")
    expect(expectRight(allocate(flightId, small, isFree, party(4)))).toEqual(seats("2A", "2B", "2D", "2E"))
  })

  test("a party that fits in no row gets the first free seats from the front", () => {
    const isFree = freeExcept("1B", "1D", "1F", "2A", "2C", "2E", "3A", "3B", "3C", "3D", "3E")
    expect(expectRight(allocate(flightId, small, isFree, party(4)))).toEqual(seats("1A", "1C", "1E", "2B"))
  })

  test("named seats stay with their passengers, in order, and the others are filled in together", () => {
    expect(expectRight(allocate(flightId, small, () => true, [undefined, seat("2C"), undefined, undefined])))
      .toEqual(seats("1A", "2C", "1B", "1C"))
    // A seat named by one passenger is not free for the others: the run starts after it.
    expect(expectRight(allocate(flightId, small, () => true, [seat("1B"), undefined, undefined])))
      .toEqual(seats("1B", "1C", "1D"))
    expect(expectRight(allocate(flightId, small, freeExcept("1A"), [seat("3F"), seat("1B")]))).toEqual(seats("3F", "1B"))
  })

  test("a taken named seat fails with SeatsUnavailable listing the taken named seats", () => {
    const error = expectLeft(allocate(flightId, small, freeExcept("1A", "2B"), [seat("1A"), seat("3C"), seat("2B"), undefined]))
    expect(error).toBeInstanceOf(SeatsUnavailable)
    expect(error).toMatchObject({ _tag: "SeatsUnavailable", flightId, cabin: "economy", requested: 4, available: 16 })
    expect(error.seats).toEqual(seats("1A", "2B"))
    expect(error.message).toBe("Seats 1A, 2B are not free")
    expect(expectLeft(allocate(flightId, small, freeExcept("3C"), [seat("3C")])).message).toBe("Seat 3C is not free")
  })

  test("not enough free seats fails with SeatsUnavailable, no seats, and the requested and available counts", () => {
    const error = expectLeft(allocate(flightId, small, onlyFree("1F", "3A"), party(3)))
    expect(error).toBeInstanceOf(SeatsUnavailable)
    expect(error).toMatchObject({ flightId, cabin: "economy", seats: [], requested: 3, available: 2 })
    expect(error.message).toBe("3 economy seats requested, 2 free")
    // Named seats count towards the party.
    expect(expectLeft(allocate(flightId, small, onlyFree("1F", "3A"), [seat("1F"), undefined, undefined])))
      .toMatchObject({ seats: [], requested: 3, available: 2 })
    expect(expectLeft(allocate(flightId, small, () => false, party(1)))).toMatchObject({ seats: [], requested: 1, available: 0 })
  })

  test("exactly the last free seats can be taken", () => {
    expect(expectRight(allocate(flightId, small, onlyFree("1F", "2A", "3C"), party(3)))).toEqual(seats("1F", "2A", "3C"))
    expect(expectRight(allocate(flightId, small, onlyFree("1F", "2A", "3C"), [undefined, seat("1F"), undefined])))
      .toEqual(seats("2A", "1F", "3C"))
    expect(expectRight(allocate(flightId, small, () => true, party(18)))).toEqual(seatsOf(small))
  })

  test("a party that names every seat needs no others", () => {
    expect(expectRight(allocate(flightId, small, onlyFree("2B", "2A"), [seat("2B"), seat("2A")]))).toEqual(seats("2B", "2A"))
  })
})

// -------------------------------------------------------------------------------------------------
// checkRequested

describe("checkRequested", () => {
  test("named seats in the cabin, each once, pass; so does a party that names none", () => {
    expect(Either.isRight(checkRequested(small, [seat("1A"), undefined, seat("3F")]))).toBe(true)
    expect(Either.isRight(checkRequested(small, party(4)))).toBe(true)
  })

  test("a seat that is not in the cabin fails with SeatNotInCabin and the passenger's index", () => {
    const beyond = expectLeft(checkRequested(small, [undefined, seat("4A")]))
    expect(beyond).toBeInstanceOf(SeatNotInCabin)
    expect(beyond).toMatchObject({ _tag: "SeatNotInCabin", seat: "4A", cabin: "economy", passenger: 1 })
    expect(beyond.message).toBe("there is no seat 4A in the economy cabin")
    expect(expectLeft(checkRequested(small, [seat("1A"), undefined, seat("2G")]))).toMatchObject({ seat: "2G", passenger: 2 })
    const business: CabinLayout = { ...small, cabin: "business", rows: { from: 5, to: 6 } }
    expect(expectLeft(checkRequested(business, [seat("1A")]))).toMatchObject({ seat: "1A", cabin: "business", passenger: 0 })
  })

  test("a seat named twice fails with SeatRequestedTwice at the second passenger naming it", () => {
    const twice = expectLeft(checkRequested(small, [seat("1A"), undefined, seat("2B"), seat("1A")]))
    expect(twice).toBeInstanceOf(SeatRequestedTwice)
    expect(twice).toMatchObject({ _tag: "SeatRequestedTwice", seat: "1A", passenger: 3 })
  })
})
