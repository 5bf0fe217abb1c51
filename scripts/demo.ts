/**
 * Walks flow 1 of the design (book and pay) through the HTTP APIs of a running system, printing each
 * step: schedule a flight, search it, book two seats, pay, see the booking confirmed, the flight's
 * availability follow, and the notifications sent.
 *
 *   ./run start            # in one terminal: the whole system, embedded
 *   ./run demo             # in another
 *
 * Every call goes through the gateway at API_URL (http://127.0.0.1:3000 unless set), as a client's
 * would; FLIGHT_URL, BOOKING_URL, PAYMENT_URL, NOTIFICATION_URL and IDENTITY_URL, when set, send one
 * service's calls elsewhere (the tests run it against services on ports of their own). Scheduling a flight is ops' work: the
 * demo signs in as the seeded ops account (SEED_OPS_EMAIL / SEED_OPS_PASSWORD, or the development
 * defaults, which identity seeds only in memory: against identity on PostgreSQL, as in the infra
 * mode, set both for the demo and the service) through the identity service first. Exits 1 when a
 * step does not happen.
 */
import * as StaffSession from "./support/StaffSession.ts"

const gateway = process.env["API_URL"] ?? "http://127.0.0.1:3000"
const base = (variable: string) => new URL(process.env[variable] ?? gateway)
const services = {
  flight: base("FLIGHT_URL"),
  booking: base("BOOKING_URL"),
  payment: base("PAYMENT_URL"),
  notification: base("NOTIFICATION_URL"),
}
const identity = base("IDENTITY_URL")

type Json = Record<string, any>

const call = async (service: keyof typeof services, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(new URL(path, services[service]), {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Json }
}

/** Asks again until `done` holds (the saga's steps travel over the message bus), for at most 15 s. */
const eventually = async <A>(what: string, ask: () => Promise<A>, done: (a: A) => boolean): Promise<A> => {
  const until = Date.now() + 15_000
  for (;;) {
    const answer = await ask()
    if (done(answer)) return answer
    if (Date.now() > until) throw new Error(`${what} did not happen within 15 s`)
    await Bun.sleep(50)
  }
}

const step = (text: string) => console.log(`\n▶ ${text}`)
const show = (text: string) => console.log(`  ${text}`)

const money = ({ amount, currency }: { amount: number; currency: string }) =>
  new Intl.NumberFormat("en-GB", { style: "currency", currency, currencyDisplay: "narrowSymbol" }).format(amount / 100)

const main = async () => {
  const day = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)
  const number = `FB${Math.floor(Math.random() * 9000) + 1000}`

  step(`Sign in as ${StaffSession.opsCredentials().email} (identity service) for an access token`)
  const ops = StaffSession.signIn(identity)
  const authorization = await ops.authorization()
  show(`access token ${authorization.slice(7, 27)}…`)

  step(`Schedule flight ${number} LHR → JFK on ${day}`)
  const scheduled = await call("flight", "POST", "/api/flights", {
    flightNumber: number,
    origin: "LHR",
    destination: "JFK",
    departureAt: `${day}T10:00:00Z`,
    arrivalAt: `${day}T18:00:00Z`,
    aircraft: "Boeing 777-300ER",
    cabins: [
      { cabin: "business", rows: { from: 1, to: 4 }, seatLetters: "ACDG", fare: { amount: 250000, currency: "GBP" } },
      { cabin: "economy", rows: { from: 10, to: 40 }, seatLetters: "ABCDEFGHJK", fare: { amount: 45000, currency: "GBP" } },
    ],
  }, { authorization })
  if (scheduled.status !== 201) throw new Error(`scheduling answered ${scheduled.status}: ${JSON.stringify(scheduled.body)}`)
  const flightId = scheduled.body["id"] as string
  show(`flight ${flightId}, ${scheduled.body["cabins"].map((cabin: Json) => `${cabin["cabin"]} ${cabin["capacity"]} seats`).join(", ")}`)

  step("Search LHR → JFK for 2 passengers in economy")
  const found = await eventually(
    "the flight in the search",
    () => call("flight", "GET", `/api/flights?origin=LHR&destination=JFK&date=${day}&passengers=2&cabin=economy`),
    (answer) => answer.body["items"]?.some((item: Json) => item["id"] === flightId),
  )
  show(`${found.body["items"].length} flight(s) found, ${number} with ${found.body["items"].find((item: Json) => item["id"] === flightId)["cabins"][1]["availableSeats"]} economy seats`)

  step("Book two seats (the booking service learned of the flight from flight.scheduled)")
  await eventually("the seats on sale", () => call("booking", "GET", `/api/seatmaps/${flightId}`), (answer) => answer.status === 200)
  const booked = await call("booking", "POST", "/api/bookings", {
    flightId,
    cabin: "economy",
    passengers: [{ firstName: "Ada", lastName: "Lovelace" }, { firstName: "Charles", lastName: "Babbage" }],
    contact: { email: "ada@example.com", phone: "+447700900123" },
  }, { "idempotency-key": crypto.randomUUID() })
  if (booked.status !== 201) throw new Error(`booking answered ${booked.status}: ${JSON.stringify(booked.body)}`)
  const bookingId = booked.body["id"] as string
  // The guest's token from the 201: what a traveller without an account sends for this booking.
  const asGuest = { authorization: `Bearer ${booked.body["accessToken"]}` }
  show(`booking ${booked.body["reference"]} ${booked.body["status"]}, seats ${booked.body["passengers"].map((p: Json) => p["seat"]).join(", ")}, total ${money(booked.body["total"])}, held until ${booked.body["holdExpiresAt"]}`)

  step("Pay with a card (the payment intent was opened by booking.created)")
  const paid = await eventually(
    "a payment answer",
    () => call("payment", "POST", "/api/payments", { bookingId, method: { type: "card", token: "tok_visa" } }, { "idempotency-key": `demo-${bookingId}`, ...asGuest }),
    (answer) => !(answer.status === 409 && answer.body["type"] === "payment-not-ready"),
  )
  if (paid.status !== 201) throw new Error(`payment answered ${paid.status}: ${JSON.stringify(paid.body)}`)
  show(`payment ${paid.body["status"]}, ${money(paid.body["amount"])}, transaction ${paid.body["transactionId"]}`)

  step("The booking is confirmed (payment.processed reached booking)")
  const confirmed = await eventually("the confirmation", () => call("booking", "GET", `/api/bookings/${bookingId}`, undefined, asGuest), (answer) => answer.body["status"] === "confirmed")
  show(`booking ${confirmed.body["reference"]} ${confirmed.body["status"]}, paid by ${confirmed.body["paymentId"]}`)

  step("The flight's availability follows (booking.created reached flight)")
  const flight = await call("flight", "GET", `/api/flights/${flightId}`)
  show(`economy: ${flight.body["cabins"][1]["availableSeats"]} of ${flight.body["cabins"][1]["capacity"]} seats available`)

  step("The customer was told (booking received, booking confirmed; by email and SMS)")
  const told = await eventually(
    "the notifications",
    () => call("notification", "GET", `/api/notifications?bookingId=${bookingId}`, undefined, asGuest),
    (answer) => (answer.body["items"] ?? []).length >= 4,
  )
  for (const item of told.body["items"] as Array<Json>) show(`${item["channel"]} to ${item["recipient"]}: ${item["subject"]} (${item["status"]})`)

  console.log("\n✔ flow 1 done: scheduled, searched, booked, paid, confirmed, notified")
}

main().catch((error: unknown) => {
  console.error(`\n✘ ${error instanceof Error ? error.message : String(error)}`)
  console.error("  Is the system running? Start it with ./run start")
  process.exit(1)
})
