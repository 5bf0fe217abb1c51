import { describe, expect, test } from "bun:test"
import { Either } from "effect"
import { Catalogue } from "../src/index.ts"
import { bookingCreated, flightScheduled } from "./fixtures.ts"

/** Decodes a message that should be refused, and returns the issues the detail lists, by path. */
const issues = (message: unknown): Record<string, string> => {
  const result = Catalogue.decode(message)
  if (Either.isRight(result)) throw new Error("expected the message to be rejected")
  expect(result.left.reason).toBe("invalid")
  return Object.fromEntries(result.left.detail.split("; ").map((issue) => {
    const at = issue.indexOf(": ")
    return [issue.slice(0, at), issue.slice(at + 2)]
  }))
}

describe("the well-formed fixtures", () => {
  test("decode", () => {
    expect(Either.isRight(Catalogue.decode(bookingCreated()))).toBe(true)
    expect(Either.isRight(Catalogue.decode(flightScheduled()))).toBe(true)
  })

  test("decode without the optional phone", () => {
    const message = bookingCreated()
    const { phone: _, ...contact } = message.data.contact
    expect(Either.isRight(Catalogue.decode({ ...message, data: { ...message.data, contact } }))).toBe(true)
  })
})

describe("a message is rejected, naming the field, when", () => {
  test("a money amount is negative", () => {
    const message = bookingCreated()
    message.data.total.amount = -1
    expect(Object.keys(issues(message))).toEqual(["data.total.amount"])
  })

  test("a money amount is not a whole number of minor units", () => {
    const message = bookingCreated()
    message.data.total.amount = 249.99
    expect(issues(message)["data.total.amount"]).toContain("integer")
  })

  test("a money amount is a string", () => {
    const message = bookingCreated()
    ;(message.data.total as { amount: unknown }).amount = "25000"
    expect(Object.keys(issues(message))).toEqual(["data.total.amount"])
  })

  test("an IATA code is lower-case", () => {
    const message = flightScheduled()
    message.data.origin = "lhr"
    expect(Object.keys(issues(message))).toEqual(["data.origin"])
  })

  test("a fare is negative in a cabin layout", () => {
    const message = flightScheduled()
    message.data.cabins[0]!.fare.amount = -100
    expect(Object.keys(issues(message))).toEqual(["data.cabins.0.fare.amount"])
  })

  test.each(["0A", "12", "12a", "1234A", "A12"])("a seat number is %p", (seat) => {
    const message = bookingCreated()
    message.data.seats[1] = seat
    expect(Object.keys(issues(message))).toEqual(["data.seats.1"])
  })

  test.each(["X7K2QO", "X7K2Q1", "X7K2QI", "X7K2Q0", "x7k2qp", "X7K2Q"])("a booking reference is %p", (reference) => {
    const message = bookingCreated()
    message.data.reference = reference
    expect(Object.keys(issues(message))).toEqual(["data.reference"])
  })

  test.each([
    ["version 4", "3f2b8c1e-4d5a-4e6f-9a7b-1c2d3e4f5a6b"],
    ["upper-case", "01A219C1-A899-7051-AB6C-7096EDB2DCC7"],
    ["no hyphens", "01a219c1a8997051ab6c7096edb2dcc7"],
  ])("a booking id is a UUID but %s", (_, bookingId) => {
    const message = bookingCreated()
    message.data.bookingId = bookingId
    expect(Object.keys(issues(message))).toEqual(["data.bookingId"])
  })

  test("the message id is not a UUID v7", () => {
    expect(Object.keys(issues({ ...bookingCreated(), id: "3f2b8c1e-4d5a-4e6f-9a7b-1c2d3e4f5a6b" }))).toEqual(["id"])
  })

  test.each(["ada.example.com", "ada@", "@example.com", "ada@example"])("an email is %p", (email) => {
    const message = bookingCreated()
    message.data.contact.email = email
    expect(Object.keys(issues(message))).toEqual(["data.contact.email"])
  })

  test("a phone number is not E.164", () => {
    const message = bookingCreated()
    message.data.contact.phone = "07700 900123"
    expect(Object.keys(issues(message))).toEqual(["data.contact.phone"])
  })

  test("a passenger name is blank or padded", () => {
    const message = bookingCreated()
    message.data.passengers[0]!.firstName = ""
    message.data.passengers[1]!.lastName = " Babbage"
    expect(Object.keys(issues(message)).sort()).toEqual(["data.passengers.0.firstName", "data.passengers.1.lastName"])
  })

  test("a time is not an ISO date", () => {
    const message = bookingCreated()
    message.data.holdExpiresAt = "in fifteen minutes"
    expect(Object.keys(issues(message))).toEqual(["data.holdExpiresAt"])
  })

  test("several fields are wrong: every one is named", () => {
    const message = bookingCreated()
    message.data.total.amount = -1
    message.data.reference = "OOOOOO"
    message.data.contact.email = "nobody"
    expect(Object.keys(issues(message)).sort()).toEqual(["data.contact.email", "data.reference", "data.total.amount"])
  })
})
