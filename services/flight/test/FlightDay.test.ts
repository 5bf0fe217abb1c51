/** A calendar day (YYYY-MM-DD, UTC): which strings are days, and the day of an instant. */
import { describe, expect, test } from "bun:test"
import { DateTime, Either, FastCheck, ParseResult, Schema } from "effect"
import { Day, dayOf } from "../src/domain/Flight.ts"

describe("a day", () => {
  const isDay = Schema.is(Day)

  test.each(["2026-12-01", "2024-02-29", "2026-01-31"])("accepts %p", (day) => {
    expect(Either.isRight(Schema.decodeUnknownEither(Day)(day))).toBe(true)
  })

  test.each(["2026-02-30", "2025-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-12-00", "2026-1-1", "", "2026-12-01T00:00:00Z", " 2026-12-01"])(
    "rejects %p",
    (day) => {
      const result = Schema.decodeUnknownEither(Day)(day)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => issue.message))
          .toEqual(["must be a calendar day, YYYY-MM-DD"])
      }
    },
  )

  test("accepts exactly what a Date reads back as the same UTC day", () => {
    const byDate = (day: string) =>
      /^\d{4}-\d{2}-\d{2}$/.test(day) && Number.isFinite(Date.parse(`${day}T00:00:00Z`)) &&
      new Date(`${day}T00:00:00Z`).toISOString().startsWith(day)
    const pad = (n: number, width: number) => String(n).padStart(width, "0")
    for (const year of [0, 1, 4, 100, 400, 1600, 1700, 1900, 1999, 2000, 2024, 2025, 2100, 2400, 9996, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let date = 0; date <= 32; date++) {
          const day = `${pad(year, 4)}-${pad(month, 2)}-${pad(date, 2)}`
          expect([day, isDay(day)]).toEqual([day, byDate(day)])
        }
      }
    }
    FastCheck.assert(FastCheck.property(
      FastCheck.oneof(FastCheck.string({ maxLength: 12 }), FastCheck.stringMatching(/^\d{4}-\d{2}-\d{2}\n?$/)),
      (day) => isDay(day) === byDate(day),
    ))
  })

  test("dayOf gives the UTC day of an instant, which is a Day", () => {
    expect(dayOf(DateTime.unsafeMake("2026-12-01T00:00:00Z"))).toBe(Day.make("2026-12-01"))
    expect(dayOf(DateTime.unsafeMake("2026-12-01T23:59:59.999Z"))).toBe(Day.make("2026-12-01"))
    FastCheck.assert(FastCheck.property(
      FastCheck.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2999, 11, 31, 23, 59, 59, 999) }),
      (millis) => {
        const day = dayOf(DateTime.unsafeMake(millis))
        expect(isDay(day)).toBe(true)
        expect(day).toBe(Day.make(new Date(millis).toISOString().slice(0, 10)))
      },
    ))
  })
})
