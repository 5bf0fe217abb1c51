/** Valid messages for the bus suites, built through the contracts' own constructors. */
import { Envelope, Messages } from "@flight/contracts"
import { Effect, Schema } from "effect"

const uuid = () => Bun.randomUUIDv7()

export const flightScheduled = (note = "A320") =>
  Envelope.make(
    Messages.FlightScheduled,
    Schema.decodeUnknownSync(Messages.FlightScheduled.data)({
      flightId: uuid(),
      flightNumber: "BA117",
      origin: "LHR",
      destination: "JFK",
      departureAt: "2026-12-01T09:00:00.000Z",
      arrivalAt: "2026-12-01T17:00:00.000Z",
      aircraft: note,
      cabins: [{ cabin: "economy", rows: { from: 10, to: 30 }, seatLetters: "ABCDEF", fare: { amount: 42_000, currency: "GBP" } }],
    }),
    { source: "flight" },
  )

export const bookingCreated = () =>
  Envelope.make(
    Messages.BookingCreated,
    Schema.decodeUnknownSync(Messages.BookingCreated.data)({
      bookingId: uuid(),
      reference: "X7K2QP",
      flightId: uuid(),
      cabin: "economy",
      seats: ["12A", "12B"],
      passengers: [
        { firstName: "Ada", lastName: "Lovelace", seat: "12A" },
        { firstName: "Charles", lastName: "Babbage", seat: "12B" },
      ],
      contact: { email: "ada@example.com" },
      total: { amount: 84_000, currency: "GBP" },
      holdExpiresAt: "2026-12-01T08:15:00.000Z",
    }),
    { source: "booking" },
  )

export const sendNotification = (recipient = "ada@example.com") =>
  Envelope.make(
    Messages.SendNotification,
    Schema.decodeUnknownSync(Messages.SendNotification.data)({
      channel: "email",
      recipient,
      template: "flight-delayed",
      data: { flightNumber: "BA117" },
    }),
    { source: "booking" },
  )

export const many = <A>(count: number, make: () => Effect.Effect<A>) => Effect.all(Array.from({ length: count }, make))
