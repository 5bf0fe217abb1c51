/**
 * Bad input in every form: the page comes back (400) with a message at the field and in the summary,
 * what was typed kept, and nothing changed in the system (DESIGN §6.7).
 */
import { describe, expect, test } from "bun:test"
import * as Seed from "./support/Seed.ts"
import { lifetime } from "./support/System.ts"
import { type Answer, attemptOf, csrfOf, textOf, visitor } from "./support/Visitor.ts"

const system = lifetime()
const slow = 30_000

const refused = (answer: Answer, ...messages: ReadonlyArray<string>) => {
  expect(answer.status).toBe(400)
  expect(answer.html).toContain(`role="alert"`)
  for (const message of messages) expect(textOf(answer.html)).toContain(message)
}

describe("the traveller's forms", () => {
  test("search: bad codes, the same airport twice, a bad date, 0 or 10 passengers, an unknown cabin", async () => {
    const guest = visitor((await system()).web)
    refused(await guest.get("/?origin=L1&destination=JFK&date=2026-12-01"), "Enter a three-letter airport code")
    refused(await guest.get("/?origin=LHR&destination=lhr&date=2026-12-01"), "The destination must differ from the origin")
    refused(await guest.get("/?origin=LHR&destination=JFK&date=2026-02-30"), "Enter a date as YYYY-MM-DD")
    refused(await guest.get("/?origin=LHR&destination=JFK&date=2026-12-01&passengers=0"), "Enter a number of passengers from 1 to 9")
    refused(await guest.get("/?origin=LHR&destination=JFK&date=2026-12-01&passengers=10"), "from 1 to 9")
    refused(await guest.get("/?origin=LHR&destination=JFK&date=2026-12-01&cabin=cargo"), "Choose economy, premium, business or first")
    const kept = await guest.get("/?origin=L1&destination=JFK&date=2026-12-01")
    expect(kept.html).toContain(`value="L1"`)
    expect(kept.html).toContain(`aria-invalid="true"`)
  })

  test("seats: fewer seats than passengers, or a seat that is not one, are explained on the map; nothing is held", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const guest = visitor(sys.web)
    refused(await guest.get(`/flights/${flight.id}/passengers?cabin=economy&passengers=2&seat=10A`), "Choose 2 seats, one for each passenger")
    refused(await guest.get(`/flights/${flight.id}/passengers?cabin=economy&passengers=1&seat=A10`), "Choose seats from the map")
    expect(Object.values(await Seed.seats(sys, flight.id)).every((state) => state === "free")).toBe(true)
  })

  test("passengers and contact: missing names, a bad email and phone; a seat taken meanwhile sends back to the map; nothing is held", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const guest = visitor(sys.web)
    const form = await guest.get(`/flights/${flight.id}/passengers?cabin=economy&passengers=2&seat=10A&seat=10B`)
    const base = { _csrf: csrfOf(form.html), attempt: attemptOf(form.html), cabin: "economy", passengers: "2", seat: ["10A", "10B"] }
    const answer = await guest.post(`/flights/${flight.id}/book`, { ...base, firstName0: "Ada", lastName0: "", firstName1: "", lastName1: "Byron", email: "not-an-email", phone: "12" })
    refused(answer, "Enter the last name of passenger 1", "Enter the first name of passenger 2", "Enter an email address like name@example.com", "Enter the phone number with its country code")
    expect(answer.html).toContain(`value="Ada"`)
    expect(Object.values(await Seed.seats(sys, flight.id)).every((state) => state === "free")).toBe(true)

    const other = visitor(sys.web)
    const otherForm = await other.get(`/flights/${flight.id}/passengers?cabin=economy&passengers=1&seat=10B`)
    await other.post(`/flights/${flight.id}/book`, { _csrf: csrfOf(otherForm.html), attempt: attemptOf(otherForm.html), cabin: "economy", passengers: "1", seat: "10B", firstName0: "X", lastName0: "Y", email: "x@example.com" })
    const taken = await guest.post(`/flights/${flight.id}/book`, { ...base, firstName0: "Ada", lastName0: "Lovelace", firstName1: "George", lastName1: "Byron", email: "ada@example.com" })
    expect(taken.status).toBe(409)
    expect(textOf(taken.html)).toContain("Some of those seats were taken a moment ago")
    expect(taken.html).toContain(`aria-label="Seat 10B, held by another booking"`)
    expect((await Seed.seats(sys, flight.id))["10A"]).toBe("free")
  }, slow)

  test("pay: no card chosen is explained; the booking stays pending and unpaid", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const guest = visitor(sys.web)
    const form = await guest.get(`/flights/${flight.id}/passengers?cabin=economy&passengers=1&seat=12A`)
    const held = await guest.post(`/flights/${flight.id}/book`, { _csrf: csrfOf(form.html), attempt: attemptOf(form.html), cabin: "economy", passengers: "1", seat: "12A", firstName0: "A", lastName0: "B", email: "ab@example.com" })
    const page = held.headers.get("location")!
    const shown = await guest.get(page)
    refused(await guest.post(`${page}/pay`, { _csrf: csrfOf(shown.html), attempt: attemptOf(shown.html) }), "Choose a card")
    const after = textOf((await guest.get(page)).html)
    expect(after).toContain("Status: Pending")
    expect(after).toContain("Payments and refunds None yet.")
  }, slow)

  test("pay and cancel on a path that names no booking: the not-found page, never a redirect to it (before: 500 on CR/LF)", async () => {
    const guest = visitor((await system()).web)
    const shown = await guest.get("/manage")
    for (const id of ["a%0d%0aSet-Cookie:%20x=1", "a%0aX-Injected:%201", "a%00b", "not-a-booking"]) {
      for (const action of ["pay", "cancel"]) {
        const answer = await guest.post(`/bookings/${id}/${action}`, { _csrf: csrfOf(shown.html), attempt: "1", card: "tok_visa" })
        expect([id, action, answer.status, answer.headers.get("location")]).toEqual([id, action, 404, null])
        expect(textOf(answer.html)).toContain("Not found")
      }
    }
  })

  test("manage: a reference that cannot be one, and no last name", async () => {
    const guest = visitor((await system()).web)
    const answer = await guest.submit("/manage", "/manage", { reference: "ABC", lastName: "" })
    refused(answer, "A booking reference is six letters and digits", "Enter the last name of a passenger")
    expect(answer.html).toContain(`value="ABC"`)
  })
})

describe("the account forms", () => {
  test("sign up: no name, a bad email, a short password; no account is made", async () => {
    const guest = visitor((await system()).web)
    const email = `short-${crypto.randomUUID().slice(0, 8)}@example.com`
    refused(await guest.submit("/sign-up", "/sign-up", { name: "", email: "nope", password: "short" }), "Enter your name", "Enter an email address like", "at least 12 characters")
    refused(await guest.submit("/sign-up", "/sign-up", { name: "Ada", email, password: "short" }), "at least 12 characters")
    const signIn = await guest.submit("/sign-in", "/sign-in", { email, password: "short-but-unknown-1" })
    expect(signIn.status).toBe(401)
    expect(textOf(signIn.html)).toContain("The email or password is not right")
  })

  test("sign in: empty fields, and a wrong password told without saying which was wrong", async () => {
    const guest = visitor((await system()).web)
    refused(await guest.submit("/sign-in", "/sign-in", { email: "", password: "" }), "Enter an email address", "Enter your password")
    const wrong = await guest.submit("/sign-in", "/sign-in", { email: Seed.ops.email, password: "not-the-password" })
    expect(wrong.status).toBe(401)
    expect(textOf(wrong.html)).toContain("The email or password is not right")
    expect(wrong.html).not.toContain("not-the-password")
  })

  test("a taken email on sign up is explained", async () => {
    const guest = visitor((await system()).web)
    const taken = await guest.submit("/sign-up", "/sign-up", { name: "Ops Again", email: Seed.ops.email, password: "another-long-password" })
    expect(taken.status).toBe(409)
    expect(textOf(taken.html)).toContain("An account with this email already exists")
  })
})

describe("the console's forms", () => {
  const staff = async () => {
    const client = visitor((await system()).web)
    await client.submit("/sign-in", "/sign-in", Seed.ops)
    return client
  }

  test("schedule: every field explained, overlapping rows, arrival before departure; no flight is made", async () => {
    const client = await staff()
    const date = Seed.day()
    const number = Seed.flightNumber()
    const answer = await client.submit("/ops/flights/new", "/ops/flights", {
      flightNumber: "B", origin: "CDG", destination: "CDG", departureAt: `${date}T10:00`, arrivalAt: `${date}T09:00`, aircraft: "",
      cabin0: "economy", rowsFrom0: "10", rowsTo0: "5", letters0: "AAB", fare0: "abc",
      cabin1: "economy", rowsFrom1: "3", rowsTo1: "8", letters1: "AB", fare1: "10",
    })
    refused(answer, "Enter a flight number", "The destination must differ", "The arrival must be after the departure", "Enter the aircraft",
      "The last row must not come before the first", "Enter the seat letters, each once", "Enter an amount", "Each class may be given once")
    refused(await client.submit("/ops/flights/new", "/ops/flights", { flightNumber: number, origin: "CDG", destination: "FCO", departureAt: `${date}T10:00`, arrivalAt: `${date}T12:00`, aircraft: "A320" }), "Give at least one cabin")
    const listed = await client.get(`/ops?origin=CDG&destination=FCO&date=${date}`)
    expect(listed.html).not.toContain(number)
  })

  test("delay without a time and cancel without confirming are explained; the flight is unchanged", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const client = await staff()
    const page = await client.get(`/ops/flights/${flight.id}`)
    refused(await client.post(`/ops/flights/${flight.id}/delay`, { _csrf: csrfOf(page.html), departureAt: "tomorrow" }), "Enter a date and time in UTC")
    refused(await client.post(`/ops/flights/${flight.id}/cancel`, { _csrf: csrfOf(page.html), cancelReason: "strike" }), "Tick the box to confirm the cancellation")
    const early = await client.post(`/ops/flights/${flight.id}/delay`, { _csrf: csrfOf(page.html), departureAt: `${flight.date}T08:00` })
    expect(early.status).toBe(400)
    expect(textOf(early.html)).toContain("Departure at")
    const status = await (await fetch(`${sys.api}/api/flights/${flight.id}`)).json() as { status: string }
    expect(status.status).toBe("scheduled")
  })

  test("a booking path that names no booking, read or cancelled: the not-found page (before: 500 on CR/LF when cancelled)", async () => {
    const client = await staff()
    const shown = await client.get("/ops")
    for (const id of ["a%0d%0aSet-Cookie:%20x=1", "a%00b", "not-a-booking"]) {
      const cancelled = await client.post(`/ops/bookings/${id}/cancel`, { _csrf: csrfOf(shown.html), attempt: "1", confirm: "yes" })
      expect([id, cancelled.status, cancelled.headers.get("location")]).toEqual([id, 404, null])
      expect((await client.get(`/ops/bookings/${id}`)).status).toBe(404)
    }
  })

  test("the flights list and the booking finder explain bad input", async () => {
    const client = await staff()
    refused(await client.get("/ops?origin=LH1&destination=&date=2026-13-01"), "Enter a three-letter airport code", "Enter a date as YYYY-MM-DD")
    refused(await client.get("/ops?origin=LHR&destination=lhr&date=2026-12-01"), "The destination must differ from the origin")
    refused(await client.get("/ops/bookings?reference=12&lastName="), "A booking reference is six letters and digits")
    refused(await client.get("/ops/bookings?id=nope"), "A booking id looks like")
    const unknown = await client.get("/ops/bookings?reference=ZZZZZZ&lastName=Nobody")
    expect(unknown.status).toBe(404)
    expect(textOf(unknown.html)).toContain("No booking matches")
  })
})
