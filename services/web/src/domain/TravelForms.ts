/** The traveller's forms (search, seats, passengers and contact, manage, pay): their rules, pure. */
import * as V from "./Validation.ts"

export interface Search {
  readonly origin: string
  readonly destination: string
  readonly date: string
  readonly passengers: number
  readonly cabin: V.Cabin
}

export const search = (fields: V.Fields): V.Checked<Search> => {
  const errors = new V.Errors()
  const origin = V.airport(errors, "origin", V.text(fields, "origin"))
  const destination = V.airport(errors, "destination", V.text(fields, "destination"))
  if (origin !== "" && origin === destination) errors.add("destination", "The destination must differ from the origin")
  const date = V.day(errors, "date", V.text(fields, "date"))
  const passengers = V.wholeNumber(errors, "passengers", V.text(fields, "passengers") || "1", 1, 9, "a number of passengers")
  const cabin = V.cabin(errors, "cabin", V.text(fields, "cabin"))
  return errors.result(() => ({ origin, destination, date, passengers, cabin }))
}

/** What the seat map and the passengers' form carry along: the cabin, the party's size, the seats chosen. */
export interface Party {
  readonly cabin: V.Cabin
  readonly passengers: number
  /** Empty: the system chooses, keeping the party together. */
  readonly seats: ReadonlyArray<string>
}

export const party = (fields: V.Fields): V.Checked<Party> => {
  const errors = new V.Errors()
  const cabin = V.cabin(errors, "cabin", V.text(fields, "cabin"))
  const passengers = V.wholeNumber(errors, "passengers", V.text(fields, "passengers") || "1", 1, 9, "a number of passengers")
  const seats = [...new Set(V.all(fields, "seat").map((seat) => seat.toUpperCase()))]
  if (seats.some((seat) => !/^[1-9][0-9]{0,2}[A-Z]$/.test(seat))) errors.add("seat", "Choose seats from the map")
  else if (seats.length > 0 && !Number.isNaN(passengers) && seats.length !== passengers) {
    errors.add("seat", `Choose ${passengers} ${passengers === 1 ? "seat" : "seats"}, one for each passenger, or let us choose`)
  }
  return errors.result(() => ({ cabin, passengers, seats }))
}

export interface Traveller {
  readonly firstName: string
  readonly lastName: string
  readonly seat?: string
}

export interface Booking {
  readonly flightId: string
  readonly cabin: V.Cabin
  readonly passengers: ReadonlyArray<Traveller>
  readonly contact: { readonly email: string; readonly phone?: string }
}

/** The passengers' names (one per seat of the party) and the contact. */
export const booking = (flightId: string, chosen: Party, fields: V.Fields): V.Checked<Booking> => {
  const errors = new V.Errors()
  const passengers = Array.from({ length: chosen.passengers }, (_, index) => {
    const firstName = V.personName(errors, `firstName${index}`, V.text(fields, `firstName${index}`), `the first name of passenger ${index + 1}`)
    const lastName = V.personName(errors, `lastName${index}`, V.text(fields, `lastName${index}`), `the last name of passenger ${index + 1}`)
    const seat = chosen.seats[index]
    return seat === undefined ? { firstName, lastName } : { firstName, lastName, seat }
  })
  const email = V.email(errors, "email", V.text(fields, "email"))
  const phone = V.phone(errors, "phone", V.text(fields, "phone"))
  return errors.result(() => ({
    flightId,
    cabin: chosen.cabin,
    passengers,
    contact: phone === undefined ? { email } : { email, phone },
  }))
}

export interface Manage {
  readonly reference: string
  readonly lastName: string
}

export const manage = (fields: V.Fields): V.Checked<Manage> => {
  const errors = new V.Errors()
  const reference = V.reference(errors, "reference", V.text(fields, "reference"))
  const lastName = V.personName(errors, "lastName", V.text(fields, "lastName"), "the last name of a passenger")
  return errors.result(() => ({ reference, lastName }))
}

/** The simulated gateway's test cards (services/payment): what each one does. */
export const testCards: ReadonlyArray<{ readonly token: string; readonly label: string }> = [
  { token: "tok_visa", label: "Visa: approved" },
  { token: "tok_mastercard", label: "Mastercard: approved" },
  { token: "tok_chargeDeclined", label: "Declined: card declined" },
  { token: "tok_insufficientFunds", label: "Declined: insufficient funds" },
  { token: "tok_processingError", label: "Fails twice in the gateway, then approved (retried for you)" },
]

export const payment = (fields: V.Fields): V.Checked<{ readonly token: string }> => {
  const errors = new V.Errors()
  const token = V.text(fields, "card")
  if (token === "") errors.add("card", "Choose a card")
  else if (!/^tok_[A-Za-z0-9_]{1,60}$/.test(token)) errors.add("card", "Choose one of the test cards")
  return errors.result(() => ({ token }))
}
