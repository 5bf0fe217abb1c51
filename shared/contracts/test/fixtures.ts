/** Well-formed messages as they travel (their JSON form), for tests to start from and spoil. */
import { Arbitrary, type FastCheck } from "effect"
import { type AnyMessage, Catalogue } from "../src/index.ts"

export const ids = {
  message: "01a219c1-a899-704f-aa7c-a7e9d8914443",
  saga: "01a219c1-a899-7050-8dd6-dd3544126b8e",
  booking: "01a219c1-a899-7051-ab6c-7096edb2dcc7",
  flight: "01a219c1-a899-7052-aed6-ba03fbe47a7c",
  payment: "01a219c1-a899-7053-9a0e-3c1d5f7b2e44",
}

export const bookingCreated = () => ({
  id: ids.message,
  type: "booking.created",
  version: 1,
  occurredAt: "2030-05-01T10:00:00.000Z",
  correlationId: ids.saga,
  causationId: null,
  source: "booking",
  data: {
    bookingId: ids.booking,
    reference: "X7K2QP",
    flightId: ids.flight,
    cabin: "economy",
    seats: ["12A", "12B"],
    passengers: [
      { firstName: "Ada", lastName: "Lovelace", seat: "12A" },
      { firstName: "Charles", lastName: "Babbage", seat: "12B" },
    ],
    contact: { email: "ada@example.com", phone: "+447700900123" },
    total: { amount: 25_000, currency: "GBP" },
    holdExpiresAt: "2030-05-01T10:15:00.000Z",
  },
})

export const flightScheduled = () => ({
  id: ids.message,
  type: "flight.scheduled",
  version: 1,
  occurredAt: "2030-04-01T08:00:00.000Z",
  correlationId: ids.message,
  causationId: null,
  source: "flight",
  data: {
    flightId: ids.flight,
    flightNumber: "BA117",
    origin: "LHR",
    destination: "JFK",
    departureAt: "2030-06-01T11:20:00.000Z",
    arrivalAt: "2030-06-01T19:05:00.000Z",
    aircraft: "Boeing 777-300ER",
    cabins: [{ cabin: "economy", rows: { from: 10, to: 40 }, seatLetters: "ABCDEFGHJK", fare: { amount: 45_000, currency: "GBP" } }],
  },
})

/** Any message of the catalogue, drawn from the Schemas themselves. */
export const anyMessage: FastCheck.Arbitrary<AnyMessage> = Arbitrary.make(Catalogue.AnyMessage)
