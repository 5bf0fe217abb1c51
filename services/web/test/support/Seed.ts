/** Flights and accounts made straight through the APIs (the gateway), for tests that start from them. */
import type { System } from "./System.ts"

const json = async (response: Response) => ({ status: response.status, body: await response.json() as any })

/** The access token of an account signed in through the gateway. */
export const signIn = async (system: System, email: string, password: string): Promise<string> => {
  const session = await json(await fetch(`${system.api}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  }))
  const access = await json(await fetch(`${system.api}/api/auth/token`, { headers: { authorization: `Bearer ${session.body.token}` } }))
  return access.body.token as string
}

export const ops = { email: "ops@flight.local", password: "flight-ops-dev-only" }
export const admin = { email: "admin@flight.local", password: "flight-admin-dev-only" }

/** A flight number no other test uses. */
export const flightNumber = () => `FW${Math.floor(Math.random() * 9000) + 1000}`

/** A day of its own for each flight, so searches in parallel tests do not see each other's. */
export const day = () => {
  const date = new Date(Date.UTC(2027, 0, 1) + Math.floor(Math.random() * 600) * 86_400_000)
  return date.toISOString().slice(0, 10)
}

/** Schedules a flight (economy rows 10-12 ABC, 450.00 GBP) and waits until its seats are on sale. */
export const flight = async (system: System, options: { readonly date?: string; readonly origin?: string; readonly destination?: string } = {}) => {
  const token = await signIn(system, ops.email, ops.password)
  const date = options.date ?? day()
  const number = flightNumber()
  const scheduled = await json(await fetch(`${system.api}/api/flights`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      flightNumber: number,
      origin: options.origin ?? "LHR",
      destination: options.destination ?? "JFK",
      departureAt: `${date}T10:00:00Z`,
      arrivalAt: `${date}T18:00:00Z`,
      aircraft: "Boeing 777",
      cabins: [{ cabin: "economy", rows: { from: 10, to: 12 }, seatLetters: "ABC", fare: { amount: 45000, currency: "GBP" } }],
    }),
  }))
  if (scheduled.status !== 201) throw new Error(`scheduling failed: ${JSON.stringify(scheduled.body)}`)
  await until(async () => (await fetch(`${system.api}/api/seatmaps/${scheduled.body.id}?cabin=economy`)).status === 200)
  return { id: scheduled.body.id as string, number, date }
}

/** Waits until `check` holds, for 10 seconds unless told. */
export const until = async (check: () => Promise<boolean>, within = 10_000) => {
  const deadline = Date.now() + within
  while (Date.now() < deadline) {
    if (await check()) return
    await Bun.sleep(50)
  }
  throw new Error("never happened")
}

/** The seat map's states, by seat. */
export const seats = async (system: System, flightId: string): Promise<Record<string, string>> => {
  const map = await json(await fetch(`${system.api}/api/seatmaps/${flightId}?cabin=economy`))
  return Object.fromEntries((map.body.seats as Array<{ seat: string; state: string }>).map((seat) => [seat.seat, seat.state]))
}
