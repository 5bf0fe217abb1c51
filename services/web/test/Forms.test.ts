/** The forms' rules, the problems told as sentences, and who may open the console: pure functions. */
import { describe, expect, test } from "bun:test"
import * as ConsoleAccess from "../src/application/ConsoleAccess.ts"
import * as AccountForms from "../src/domain/AccountForms.ts"
import * as ApiProblem from "../src/domain/ApiProblem.ts"
import * as BusStatus from "../src/domain/BusStatus.ts"
import * as ConsoleForms from "../src/domain/ConsoleForms.ts"
import * as Session from "../src/domain/Session.ts"
import * as TravelForms from "../src/domain/TravelForms.ts"

describe("the traveller's forms", () => {
  test("a search is normalised: codes upper-cased, one passenger and economy by default", () => {
    expect(TravelForms.search({ origin: " lhr ", destination: "jfk", date: "2026-12-01" })).toEqual({
      ok: true,
      value: { origin: "LHR", destination: "JFK", date: "2026-12-01", passengers: 1, cabin: "economy" },
    })
  })

  test("a party's seats are unique, upper-case, and as many as its passengers or none", () => {
    expect(TravelForms.party({ cabin: "business", passengers: "2", seat: ["1a", "1C", "1A"] })).toEqual({
      ok: true,
      value: { cabin: "business", passengers: 2, seats: ["1A", "1C"] },
    })
    expect(TravelForms.party({ passengers: "3" })).toEqual({ ok: true, value: { cabin: "economy", passengers: 3, seats: [] } })
    expect(TravelForms.party({ passengers: "3", seat: "1A" }).ok).toBe(false)
  })

  test("a booking: names per passenger with their seats, the phone compacted, empty phone left out", () => {
    const party = { cabin: "economy" as const, passengers: 2, seats: ["10A", "10B"] }
    const fields = { firstName0: "Ada", lastName0: "Lovelace", firstName1: "George", lastName1: "Byron", email: "ada@example.com", phone: "+44 7700 900123" }
    expect(TravelForms.booking("f", party, fields)).toEqual({
      ok: true,
      value: {
        flightId: "f",
        cabin: "economy",
        passengers: [{ firstName: "Ada", lastName: "Lovelace", seat: "10A" }, { firstName: "George", lastName: "Byron", seat: "10B" }],
        contact: { email: "ada@example.com", phone: "+447700900123" },
      },
    })
    const noPhone = TravelForms.booking("f", { ...party, seats: [] }, { ...fields, phone: "" })
    expect(noPhone.ok && noPhone.value.contact).toEqual({ email: "ada@example.com" })
    expect(noPhone.ok && noPhone.value.passengers[0]).toEqual({ firstName: "Ada", lastName: "Lovelace" })
  })

  test("names refuse control and bidi characters, as the API does", () => {
    const party = { cabin: "economy" as const, passengers: 1, seats: [] }
    const result = TravelForms.booking("f", party, { firstName0: "Ada\u202E", lastName0: "Lo\u0000", email: "a@example.com" })
    expect(result.ok ? {} : Object.keys(result.errors)).toEqual(["firstName0", "lastName0"])
  })

  test("manage: the reference is upper-cased and stripped of spaces", () => {
    expect(TravelForms.manage({ reference: "x7k 2qp", lastName: "Lovelace" })).toEqual({ ok: true, value: { reference: "X7K2QP", lastName: "Lovelace" } })
  })
})

describe("the console's forms", () => {
  test("a schedule with two cabins: UTC times, fares in minor units, empty cabin slots ignored", () => {
    const result = ConsoleForms.schedule({
      flightNumber: "ba117", origin: "LHR", destination: "JFK", departureAt: "2026-12-01T10:00", arrivalAt: "2026-12-01T18:00",
      aircraft: "Boeing 777", currency: "gbp",
      cabin0: "business", rowsFrom0: "1", rowsTo0: "4", letters0: "ac", fare0: "1,250.5",
      cabin1: "economy", rowsFrom1: "10", rowsTo1: "39", letters1: "ABCDEF", fare1: "450",
    })
    expect(result).toEqual({
      ok: true,
      value: {
        flightNumber: "BA117", origin: "LHR", destination: "JFK", departureAt: "2026-12-01T10:00:00Z", arrivalAt: "2026-12-01T18:00:00Z", aircraft: "Boeing 777",
        cabins: [
          { cabin: "business", rows: { from: 1, to: 4 }, seatLetters: "AC", fare: { amount: 125050, currency: "GBP" } },
          { cabin: "economy", rows: { from: 10, to: 39 }, seatLetters: "ABCDEF", fare: { amount: 45000, currency: "GBP" } },
        ],
      },
    })
  })

  test("a time that does not exist is refused", () => {
    expect(ConsoleForms.delay({ departureAt: "2026-02-30T10:00" }).ok).toBe(false)
    expect(ConsoleForms.delay({ departureAt: "2026-12-01 12:30", reason: "fog" })).toEqual({ ok: true, value: { departureAt: "2026-12-01T12:30:00Z", reason: "fog" } })
  })

  test("a day's flights: the day required, origin and destination each optional, upper-cased, and not the same", () => {
    expect(ConsoleForms.flights({ date: "2026-12-01" })).toEqual({ ok: true, value: { date: "2026-12-01", origin: null, destination: null } })
    expect(ConsoleForms.flights({ date: "2026-12-01", origin: "lhr", destination: "" })).toEqual({ ok: true, value: { date: "2026-12-01", origin: "LHR", destination: null } })
    expect(ConsoleForms.flights({ date: "2026-12-01", destination: "JFK" })).toEqual({ ok: true, value: { date: "2026-12-01", origin: null, destination: "JFK" } })
    expect(ConsoleForms.flights({ date: "2026-12-01", origin: "LHR", destination: "lhr" }).ok).toBe(false)
    expect(ConsoleForms.flights({ date: "2026-12-01", origin: "LH" }).ok).toBe(false)
    expect(ConsoleForms.flights({ origin: "LHR", destination: "JFK" }).ok).toBe(false)
  })

  test("a booking is found by id, or by reference with or without a last name", () => {
    expect(ConsoleForms.findBooking({ id: "0193E0A0-0000-7000-8000-000000000000" })).toEqual({ ok: true, value: { by: "id", id: "0193e0a0-0000-7000-8000-000000000000" } })
    expect(ConsoleForms.findBooking({ reference: "X7K2QP", lastName: "Lovelace" })).toEqual({ ok: true, value: { by: "reference", reference: "X7K2QP", lastName: "Lovelace" } })
    expect(ConsoleForms.findBooking({ reference: "X7K2QP", lastName: "" })).toEqual({ ok: true, value: { by: "reference", reference: "X7K2QP", lastName: null } })
    expect(ConsoleForms.findBooking({ reference: "X7K2QP", lastName: "Love\u202Elace" }).ok).toBe(false)
    expect(ConsoleForms.findBooking({}).ok).toBe(false)
  })
})

describe("accounts", () => {
  test("after signing in, only a path of this site is followed", () => {
    expect(AccountForms.nextPath("/ops/flights/new")).toBe("/ops/flights/new")
    for (const bad of ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)", "", undefined, 3]) {
      expect(AccountForms.nextPath(bad)).toBeUndefined()
    }
  })

  test("the console: anonymous signs in, a customer is refused, ops and admin enter; the system page is admin's", () => {
    const account = (roles: ReadonlyArray<string>): Session.Account => ({ sessionToken: "", accessToken: "", accessExpiresAt: 0, sub: "", email: "", name: "", roles })
    expect([null, account(["customer"]), account(["ops"]), account(["ops", "admin"])].map(ConsoleAccess.console)).toEqual(["sign-in", "forbidden", "granted", "granted"])
    expect([null, account(["customer"]), account(["ops"]), account(["ops", "admin"])].map(ConsoleAccess.operations)).toEqual(["sign-in", "forbidden", "forbidden", "granted"])
  })

  test("sessions: ids and CSRF tokens are random; rotating keeps the guest bookings under a new id; CSRF compares exactly", () => {
    const session = Session.withGuest(Session.fresh(), "b", { reference: "X7K2QP", token: "t" })
    const rotated = Session.rotate(session, null)
    expect(rotated.id).not.toBe(session.id)
    expect(rotated.csrf).not.toBe(session.csrf)
    expect(rotated.guests).toEqual(session.guests)
    expect(Session.csrfMatches(session, session.csrf)).toBe(true)
    for (const sent of [rotated.csrf, session.csrf.slice(1), `${session.csrf}x`, undefined, ["x"]]) expect(Session.csrfMatches(session, sent)).toBe(false)
  })
})

describe("problems told as sentences", () => {
  test("a known type has its sentence; an unknown one its status's; bad input lists each field", () => {
    expect(ApiProblem.messageOf(ApiProblem.fromAnswer(409, { type: "seats-unavailable" }, null))).toContain("seats were taken")
    expect(ApiProblem.messageOf(ApiProblem.fromAnswer(503, { type: "whatever" }, "2"))).toContain("Please try again")
    const bad = ApiProblem.fromAnswer(400, { type: "validation", errors: [{ path: "body.passengers.0.seat", message: "is not on this flight" }] }, null)
    expect(ApiProblem.linesOf(bad)).toEqual(["That request was not accepted. Please check what you entered.", "Passengers 1 seat: is not on this flight"])
    expect(ApiProblem.fromAnswer(502, "<html>", null)).toEqual({ status: 502, type: "http-502", detail: "", errors: [], retryAfterSeconds: null })
  })
})

describe("a service's /metrics", () => {
  test("the outbox's pending entries and lag, and the dead letters per queue and reason, are read from Prometheus text", () => {
    const text = [
      "# HELP outbox_lag_seconds Age of the oldest unpublished outbox entry",
      "# TYPE outbox_lag_seconds gauge",
      "outbox_lag_seconds 2.5",
      "outbox_pending_entries 7",
      'bus_messages_dead_lettered_total{queue="payment",reason="decode-failed"} 3',
      'bus_messages_dead_lettered_total{queue="flight",reason="retries \\"exhausted\\""} 1',
      'bus_messages_dead_lettered_total{queue="flight",reason="other"} 0',
      "http_requests_total{route=\"/x\"} 12",
    ].join("\n")
    expect(BusStatus.parse(text)).toEqual({
      outboxPending: 7,
      outboxLagSeconds: 2.5,
      deadLettered: [{ queue: "payment", reason: "decode-failed", count: 3 }, { queue: "flight", reason: 'retries "exhausted"', count: 1 }],
    })
    expect(BusStatus.parse("")).toEqual({ outboxPending: null, outboxLagSeconds: null, deadLettered: [] })
  })
})

describe("a form's Idempotency-Key when it is shown again", () => {
  test("the same key after no answer (a retry does the work once); a new one after a refusal", async () => {
    const { attemptAfter } = await import("../src/api/WebContext.ts")
    const key = "0193e0a0-0000-7000-8000-000000000000"
    expect(attemptAfter({ attempt: key }, { status: 503 })).toBe(key)
    expect(attemptAfter({ attempt: key }, { status: 502 })).toBe(key)
    expect(attemptAfter({ attempt: key }, { status: 409 })).not.toBe(key)
    expect(attemptAfter({ attempt: key }, null)).not.toBe(key)
    expect(attemptAfter({ attempt: "not a key" }, { status: 503 })).toMatch(/^[0-9a-f-]{36}$/)
  })
})
