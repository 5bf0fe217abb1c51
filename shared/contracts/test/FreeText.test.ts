import { describe, expect, test } from "bun:test"
import { Either, FastCheck as fc, Schema } from "effect"
import { Catalogue, Email, FreeText, PersonName } from "../src/index.ts"
import { bookingCreated, flightScheduled, ids } from "./fixtures.ts"

/** The rule restated, independently of the implementation: code points free text may not contain. */
const refusedRanges: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x001F], // C0, tab and line breaks included
  [0x007F, 0x009F], // DEL and C1
  [0x2028, 0x2029], // line and paragraph separators
  [0x202A, 0x202E], // bidi embeddings and overrides
  [0x2066, 0x2069], // bidi isolates
]
const isRefused = (codePoint: number) => refusedRanges.some(([from, to]) => codePoint >= from && codePoint <= to)

const refusedCharacter = fc.oneof(...refusedRanges.map(([from, to]) => fc.integer({ min: from, max: to })))
  .map((codePoint) => String.fromCodePoint(codePoint))
const loneHigh = fc.integer({ min: 0xD800, max: 0xDBFF }).map((unit) => String.fromCharCode(unit))
const loneLow = fc.integer({ min: 0xDC00, max: 0xDFFF }).map((unit) => String.fromCharCode(unit))

/** Any code point but the refused ones and surrogates: every script, emoji, accents, symbols. */
const allowedCharacter = fc.fullUnicode().filter((character) => !isRefused(character.codePointAt(0)!))
const allowedText = fc.array(allowedCharacter, { maxLength: 30 }).map((characters) => characters.join(""))

const Text = Schema.String.pipe(FreeText.filter)
const decode = Schema.decodeUnknownEither(Text)

describe("free text", () => {
  test("accepts every text of allowed characters, surrogate pairs included", () => {
    fc.assert(fc.property(allowedText, (text) => Either.isRight(decode(text))))
  })

  test("refuses every text with a refused character, naming it and its position in code points", () => {
    fc.assert(fc.property(allowedText, refusedCharacter, allowedText, (before, character, after) => {
      const codePoint = character.codePointAt(0)!
      expect(FreeText.firstForbidden(before + character + after)).toMatchObject({ codePoint, index: Array.from(before).length })
      expect(Either.isLeft(decode(before + character + after))).toBe(true)
    }))
  })

  test("refuses every lone surrogate, high or low, wherever it is", () => {
    // An allowed text never starts with a low surrogate or ends with a high one, so none pairs up.
    fc.assert(fc.property(allowedText, fc.oneof(loneHigh, loneLow), allowedText, (before, surrogate, after) => {
      expect(FreeText.firstForbidden(before + surrogate + after)).toMatchObject({
        kind: "lone-surrogate",
        codePoint: surrogate.charCodeAt(0),
        index: Array.from(before).length,
      })
    }))
  })

  test.each([
    "Zoë", "Łukasz", "Nguyễn Thị Minh Khai", "李小龍", "محمد", "עברית", "Ἀριστοτέλης", "O'Brien-Smith", "Boeing 777-300ER",
    "🙂", "👩‍👩‍👧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "Jean\u00A0Luc", "\u200F\u05E9\u05DC\u05D5\u05DD", "a\u061Cb", "x\u200Ey",
  ])("accepts %p", (text) => {
    expect(FreeText.issueOf(text)).toBeUndefined()
  })

  test.each([
    ["\u0000", "must not contain control characters (U+0000 at 0)"],
    ["Smi\u0000th", "must not contain control characters (U+0000 at 3)"],
    ["X\u0007\u001b[31mY", "must not contain control characters (U+0007 at 1)"],
    ["tab\there", "must not contain control characters (U+0009 at 3)"],
    ["two\nlines", "must not contain control characters (U+000A at 3)"],
    ["del\u007F", "must not contain control characters (U+007F at 3)"],
    ["c1\u0085", "must not contain control characters (U+0085 at 2)"],
    ["a\u2028b", "must not contain line or paragraph separators (U+2028 at 1)"],
    ["\u202eevil", "must not contain bidirectional embeddings, overrides or isolates (U+202E at 0)"],
    ["\u2066x\u2069", "must not contain bidirectional embeddings, overrides or isolates (U+2066 at 0)"],
    ["A\udfff", "must be well-formed Unicode, without lone surrogates (U+DFFF at 1)"],
    ["\ud83d", "must be well-formed Unicode, without lone surrogates (U+D83D at 0)"],
    ["🙂🙂\u0000", "must not contain control characters (U+0000 at 2)"],
  ])("refuses %p: %s", (text, message) => {
    expect(FreeText.issueOf(text)).toBe(message)
  })

  test("the message of a refused value never carries the value", () => {
    fc.assert(fc.property(allowedText.filter((text) => text.length > 3), refusedCharacter, (text, character) => {
      expect(FreeText.issueOf(text + character)).not.toContain(text)
    }))
  })

  test("names and emails are free text; the rule is checked before their other rules", () => {
    expect(Schema.decodeUnknownEither(PersonName)("\tAda")).toMatchObject({ left: { message: expect.stringContaining("U+0009 at 0") } })
    expect(Schema.is(Email)("x\u0000y@example.com")).toBe(false)
    expect(Schema.is(Email)("zoë@example.com")).toBe(true)
  })
})

const envelope = (type: string, source: string, data: unknown) => ({ ...bookingCreated(), type, source, data })

/** The issues of a message the catalogue refuses, by path. */
const issues = (message: unknown): Record<string, string> => {
  const result = Catalogue.decode(message)
  if (Either.isRight(result)) throw new Error("expected the message to be refused")
  expect(result.left.reason).toBe("invalid")
  return Object.fromEntries(result.left.detail.split("; ").map((issue) => {
    const at = issue.indexOf(": ")
    return [issue.slice(0, at), issue.slice(at + 2)]
  }))
}

describe("a message with a refused character in free text is invalid, naming the field", () => {
  test("a passenger's names and the contact's email", () => {
    const message = bookingCreated()
    message.data.passengers[0]!.firstName = "X\u0007\u001b[31mY"
    message.data.passengers[1]!.lastName = "\u202eevil"
    message.data.contact.email = "x\u0000y@example.com"
    expect(issues(message)).toEqual({
      "data.passengers.0.firstName": "must not contain control characters (U+0007 at 1)",
      "data.passengers.1.lastName": "must not contain bidirectional embeddings, overrides or isolates (U+202E at 0)",
      "data.contact.email": "must not contain control characters (U+0000 at 1)",
    })
  })

  test("a flight's aircraft", () => {
    const message = flightScheduled()
    message.data.aircraft = "A\udfff"
    expect(Object.keys(issues(message))).toEqual(["data.aircraft"])
  })

  test("a status reason, a payment's failure reason and transaction id", () => {
    const statusChanged = envelope("flight.status-changed", "flight", {
      flightId: ids.flight,
      flightNumber: "BA117",
      previousStatus: "scheduled",
      status: "delayed",
      reason: "late\r\ninbound",
      departureAt: "2030-06-01T13:20:00.000Z",
    })
    expect(Object.keys(issues(statusChanged))).toEqual(["data.reason"])
    const processed = envelope("payment.processed", "payment", {
      paymentId: ids.payment,
      bookingId: ids.booking,
      status: "failed",
      amount: { amount: 100, currency: "GBP" },
      transactionId: "tx\u0000",
      failureReason: "card\u009bdeclined",
    })
    expect(Object.keys(issues(processed)).sort()).toEqual(["data.failureReason", "data.transactionId"])
  })

  test("a notification's recipient, a template value, and a template key (named by its position, not echoed)", () => {
    const send = (recipient: string, data: Record<string, unknown>) =>
      envelope("notification.send", "booking", { channel: "email", recipient, template: "booking-confirmed", data })
    expect(issues(send("ada\u0000@example.com", { reference: "X7K2QP", seats: "12A\u202e" }))).toEqual({
      "data.recipient": "must not contain control characters (U+0000 at 3)",
      "data.data.seats": "must not contain bidirectional embeddings, overrides or isolates (U+202E at 3)",
    })
    expect(issues(send("ada@example.com", { reference: "X7K2QP", "se\u001bats": "12A" }))).toEqual({
      "data.data": "key 1: must not contain control characters (U+001B at 2)",
    })

  })

  test("a notification's template data is bounded: its fields, a key's length, a string value's", () => {
    const send = (data: Record<string, unknown>) =>
      envelope("notification.send", "notification", { channel: "email", recipient: "ada@example.com", template: "booking-confirmed", data })
    const seats = "12A, ".repeat(200).slice(0, 1000)
    expect(Either.isRight(Catalogue.decode(send({ reference: "X7K2QP", seats })))).toBe(true)
    expect(issues(send({ reference: "X7K2QP", seats: `${seats}B` }))).toEqual({ "data.data.seats": "at most 1000 characters" })
    expect(issues(send({ reference: "X7K2QP", seats: "12A", ["k".repeat(65)]: 1 }))).toEqual({ "data.data": "key 2: at most 64 characters" })
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`field${index}`, index]))
    expect(issues(send({ ...many, reference: "X7K2QP", seats: "12A" }))).toEqual({ "data.data": "at most 32 fields" })
  })
})
