/**
 * The flows of DESIGN §5 as a person walks them through the pages (no browser: forms posted as a
 * browser posts them), against the system behind the real gateway.
 */
import { describe, expect, test } from "bun:test"
import * as Seed from "./support/Seed.ts"
import { lifetime } from "./support/System.ts"
import { attemptOf, csrfOf, textOf, visitor } from "./support/Visitor.ts"

const system = lifetime()
const slow = 30_000

type Client = ReturnType<typeof visitor>

/** Search → seat map → passengers → held: the booking's page address. */
const bookAsVisitor = async (client: Client, flight: { readonly id: string; readonly date: string }, seats: ReadonlyArray<string>, lastName = "Lovelace") => {
  const results = await client.get(`/?origin=LHR&destination=JFK&date=${flight.date}&passengers=${seats.length}&cabin=economy`)
  expect(results.html).toContain(`/flights/${flight.id}/seats?cabin=economy&amp;passengers=${seats.length}`)
  const map = await client.get(`/flights/${flight.id}/seats?cabin=economy&passengers=${seats.length}`)
  for (const seat of seats) expect(map.html).toContain(`value="${seat}"`)
  const query = new URLSearchParams({ cabin: "economy", passengers: String(seats.length) })
  for (const seat of seats) query.append("seat", seat)
  const form = await client.get(`/flights/${flight.id}/passengers?${query}`)
  expect(form.status).toBe(200)
  const names = Object.fromEntries(seats.flatMap((_, index) => [[`firstName${index}`, index === 0 ? "Ada" : "George"], [`lastName${index}`, index === 0 ? lastName : "Byron"]]))
  const held = await client.post(`/flights/${flight.id}/book`, {
    _csrf: csrfOf(form.html),
    attempt: attemptOf(form.html),
    cabin: "economy",
    passengers: String(seats.length),
    seat: seats,
    ...names,
    email: `ada-${crypto.randomUUID().slice(0, 8)}@example.com`,
    phone: "+447700900123",
  })
  expect(held.status).toBe(303)
  return held.headers.get("location")!
}

const payWith = async (client: Client, page: string, card: string) => {
  const shown = await client.get(page)
  return client.post(`${page}/pay`, { _csrf: csrfOf(shown.html), attempt: attemptOf(shown.html), card })
}

const eventually = async (client: Client, path: string, text: string) => {
  await Seed.until(async () => textOf((await client.get(path)).html).includes(text))
  return textOf((await client.get(path)).html)
}

describe("a guest", () => {
  test("books two chosen seats, is declined, pays with tok_visa, is confirmed; manages it by reference and cancels; sees the refund", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const guest = visitor(sys.web)
    const page = await bookAsVisitor(guest, flight, ["11A", "11B"])
    const held = textOf((await guest.get(page)).html)
    expect(held).toContain("Status: Pending")
    expect(held).toContain("Your seats are held until")
    expect(held).toContain("tok_chargeDeclined")
    const reference = /Your booking reference is ([A-Z0-9]{6})/.exec(held)![1]!
    expect(await Seed.seats(sys, flight.id)).toMatchObject({ "11A": "held", "11B": "held" })

    const declined = await payWith(guest, page, "tok_chargeDeclined")
    expect(declined.status).toBe(303)
    const afterDecline = textOf((await guest.get(page)).html)
    expect(afterDecline).toContain("Payment failed: the card was declined")
    expect(afterDecline).toContain("Status: Pending")
    await payWith(guest, page, "tok_visa")
    const confirmed = await eventually(guest, `${page}/live?seen=pending`, "Status: Confirmed")
    expect(confirmed).toContain("Failed: the card was declined")
    expect(confirmed).toContain("Succeeded")

    // Another browser: reference and last name (any case) open the same booking.
    const later = visitor(sys.web)
    const manage = await later.get("/manage")
    const found = await later.post("/manage", { _csrf: csrfOf(manage.html), reference: reference.toLowerCase(), lastName: "lovelace" })
    expect([found.status, found.headers.get("location")]).toEqual([303, page])
    const opened = textOf((await later.get(page)).html)
    expect(opened).toContain(reference)
    expect(opened).toContain("Cancel this booking (refunded in full)")
    const shown = await later.get(page)
    const cancelled = await later.post(`${page}/cancel`, { _csrf: csrfOf(shown.html), attempt: attemptOf(shown.html) })
    expect(cancelled.status).toBe(303)
    const refunded = await eventually(later, page, "Refunded: 900.00 GBP")
    expect(refunded).toContain("Status: Cancelled (cancelled on request)")
    expect(await Seed.seats(sys, flight.id)).toMatchObject({ "11A": "free", "11B": "free" })
    await eventually(later, page, `Refund for booking ${reference}`)
  }, slow)

  test("a wrong last name is the same refusal as an unknown reference; a booking's page without its token is a 404 page", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const guest = visitor(sys.web)
    const page = await bookAsVisitor(guest, flight, ["10C"], "Hopper")
    const reference = /([A-Z0-9]{6})/.exec(textOf((await guest.get(page)).html).split("Booking ")[1]!)![1]!
    const stranger = visitor(sys.web)
    const form = await stranger.get("/manage")
    const wrongName = await stranger.post("/manage", { _csrf: csrfOf(form.html), reference, lastName: "Lovelace" })
    const unknown = await stranger.post("/manage", { _csrf: csrfOf(form.html), reference: "ZZZZZZ", lastName: "Hopper" })
    expect([wrongName.status, unknown.status]).toEqual([404, 404])
    expect(textOf(wrongName.html)).toContain("No booking matches")
    expect(textOf(unknown.html)).toContain("No booking matches")
    const direct = await stranger.get(page)
    expect(direct.status).toBe(404)
    expect(textOf(direct.html)).toContain("No booking matches")
    expect(direct.html).not.toContain(reference)
  }, slow)

  test("a party the system seats: no seat chosen, seats kept together", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const guest = visitor(sys.web)
    const form = await guest.get(`/flights/${flight.id}/passengers?cabin=economy&passengers=3`)
    expect(textOf(form.html)).toContain("seats chosen for you")
    const held = await guest.post(`/flights/${flight.id}/book`, {
      _csrf: csrfOf(form.html), attempt: attemptOf(form.html), cabin: "economy", passengers: "3",
      firstName0: "A", lastName0: "One", firstName1: "B", lastName1: "Two", firstName2: "C", lastName2: "Three", email: "party@example.com",
    })
    const page = textOf((await guest.get(held.headers.get("location")!)).html)
    expect(page).toMatch(/seat 10A .*seat 10B .*seat 10C/)
  }, slow)
})

describe("a customer", () => {
  test("signs up, books, finds it under My trips; another customer cannot open it by its address", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const ada = visitor(sys.web)
    const signedUp = await ada.submit("/sign-up", "/sign-up", { name: "Ada Lovelace", email: `ada-${crypto.randomUUID().slice(0, 8)}@example.com`, password: "analytical-engine-1843" })
    expect(signedUp.headers.get("location")).toBe("/trips")
    expect(textOf((await ada.get("/trips")).html)).toContain("No bookings yet")
    const page = await bookAsVisitor(ada, flight, ["12C"])
    const trips = await ada.get("/trips")
    expect(trips.html).toContain(`href="${page}"`)
    expect(textOf(trips.html)).toContain(`${flight.number} LHR → JFK`)
    await payWith(ada, page, "tok_mastercard")
    await eventually(ada, page, "Status: Confirmed")

    const bob = visitor(sys.web)
    await bob.submit("/sign-up", "/sign-up", { name: "Bob Other", email: `bob-${crypto.randomUUID().slice(0, 8)}@example.com`, password: "difference-engine-1822" })
    const refused = await bob.get(page)
    expect(refused.status).toBe(404)
    expect(textOf(refused.html)).toContain("No booking matches")
    expect(textOf((await bob.get("/trips")).html)).toContain("No bookings yet")
  }, slow)
})

describe("ops", () => {
  test("schedules a flight with the form, sees a booking on it, cancels it; the traveller's booking is cancelled and refunded", async () => {
    const sys = await system()
    const staff = visitor(sys.web)
    await staff.submit("/sign-in", "/sign-in", Seed.ops)
    const date = Seed.day()
    const number = Seed.flightNumber()
    const form = await staff.get("/ops/flights/new")
    const scheduled = await staff.post("/ops/flights", {
      _csrf: csrfOf(form.html), attempt: attemptOf(form.html), flightNumber: number, origin: "CDG", destination: "FCO",
      departureAt: `${date}T07:30`, arrivalAt: `${date}T09:45`, aircraft: "Airbus A320", currency: "EUR",
      cabin0: "business", rowsFrom0: "1", rowsTo0: "2", letters0: "AC", fare0: "399.50",
      cabin1: "economy", rowsFrom1: "5", rowsTo1: "20", letters1: "ABCDEF", fare1: "89",
    })
    expect(scheduled.status).toBe(303)
    const flightPage = scheduled.headers.get("location")!
    const flightId = flightPage.split("/").pop()!
    const shown = textOf((await staff.get(flightPage)).html)
    expect(shown).toContain(`${number} is scheduled.`)
    expect(shown).toContain("Business 1–2 AC 399.50 EUR 4 4")
    const listed = await staff.get(`/ops?origin=CDG&destination=FCO&date=${date}`)
    expect(listed.html).toContain(`href="/ops/flights/${flightId}"`)

    await Seed.until(async () => (await fetch(`${sys.api}/api/seatmaps/${flightId}?cabin=business`)).status === 200)
    const traveller = visitor(sys.web)
    const travellerForm = await traveller.get(`/flights/${flightId}/passengers?cabin=business&passengers=1&seat=1A`)
    const booked = await traveller.post(`/flights/${flightId}/book`, {
      _csrf: csrfOf(travellerForm.html), attempt: attemptOf(travellerForm.html), cabin: "business", passengers: "1", seat: "1A",
      firstName0: "Grace", lastName0: "Hopper", email: "grace@example.com",
    })
    const bookingPage = booked.headers.get("location")!
    await payWith(traveller, bookingPage, "tok_visa")
    await eventually(traveller, bookingPage, "Status: Confirmed")
    const reference = /data-reference="([A-Z0-9]{6})"/.exec((await traveller.get(bookingPage)).html)![1]!
    await eventually(staff, flightPage, reference)

    const beforeCancel = await staff.get(flightPage)
    const cancelled = await staff.post(`${flightPage}/cancel`, { _csrf: csrfOf(beforeCancel.html), cancelReason: "strike", confirm: "yes" })
    expect(cancelled.status).toBe(303)
    expect(textOf((await staff.get(flightPage)).html)).toContain("Cancelled: strike")
    const travellerSees = await eventually(traveller, bookingPage, "Refunded: 399.50 EUR")
    expect(travellerSees).toContain("Status: Cancelled (the flight was cancelled)")
    const saga = textOf((await staff.get(`/ops/bookings/${bookingPage.split("/").pop()}`)).html)
    expect(saga).toContain("Refunded: 399.50 EUR")
    const byReference = await staff.get(`/ops/bookings?reference=${reference}&lastName=Hopper`)
    expect(byReference.headers.get("location")).toBe(`/ops/bookings/${bookingPage.split("/").pop()}`)
    const byReferenceAlone = await staff.get(`/ops/bookings?reference=${reference}`)
    expect(byReferenceAlone.headers.get("location")).toBe(`/ops/bookings/${bookingPage.split("/").pop()}`)
    expect((await staff.get(`/ops/bookings?reference=${reference}&lastName=Turing`)).status).toBe(404)
  }, slow)

  test("cancels a traveller's booking from its saga page, after confirming", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const guest = visitor(sys.web)
    const page = await bookAsVisitor(guest, flight, ["12A"], "Turing")
    const id = page.split("/").pop()!
    const staff = visitor(sys.web)
    await staff.submit("/sign-in", "/sign-in", Seed.ops)
    // The flight's page lists it at once, from the booking service: no notification need be recorded first.
    const reference = /Your booking reference is ([A-Z0-9]{6})/.exec(textOf((await guest.get(page)).html))![1]!
    expect(textOf((await staff.get(`/ops/flights/${flight.id}`)).html)).toContain(`${reference} Pending Ada Turing 12A`)
    const saga = await staff.get(`/ops/bookings/${id}`)
    expect(textOf(saga.html)).toContain("Status: Pending")
    const unconfirmed = await staff.post(`/ops/bookings/${id}/cancel`, { _csrf: csrfOf(saga.html), attempt: attemptOf(saga.html) })
    expect(unconfirmed.status).toBe(400)
    expect(textOf(unconfirmed.html)).toContain("Tick the box to confirm the cancellation")
    const cancelled = await staff.post(`/ops/bookings/${id}/cancel`, { _csrf: csrfOf(saga.html), attempt: attemptOf(saga.html), confirm: "yes" })
    expect(cancelled.status).toBe(303)
    expect(textOf((await guest.get(page)).html)).toContain("Status: Cancelled")
    expect((await Seed.seats(sys, flight.id))["12A"]).toBe("free")
    // Every status: the cancelled booking stays on the flight's list.
    expect(textOf((await staff.get(`/ops/flights/${flight.id}`)).html)).toContain(`${reference} Cancelled Ada Turing 12A`)
  }, slow)

  test("delays a flight: the new departure shows on the flight", async () => {
    const sys = await system()
    const flight = await Seed.flight(sys)
    const staff = visitor(sys.web)
    await staff.submit("/sign-in", "/sign-in", Seed.ops)
    const page = await staff.get(`/ops/flights/${flight.id}`)
    const delayed = await staff.post(`/ops/flights/${flight.id}/delay`, { _csrf: csrfOf(page.html), departureAt: `${flight.date}T12:15`, reason: "late inbound aircraft" })
    expect(delayed.status).toBe(303)
    const shown = textOf((await staff.get(`/ops/flights/${flight.id}`)).html)
    expect(shown).toContain("Delayed: late inbound aircraft")
    expect(shown).toContain("12:15 UTC (scheduled")
  }, slow)
})
