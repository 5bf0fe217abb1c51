/**
 * The running booking service and the bus: a hold that runs out publishes its cancellation, payments
 * confirm a booking once, and a flight's delay or cancellation notifies and cancels its bookings.
 */
import { Envelope, FlightNumber, Messages, type MessageOf } from "@flight/contracts"
import { expect } from "bun:test"
import { DateTime, Effect, Ref } from "effect"
import { eventually, it, onEachEnvironment, paymentProcessed, running } from "./support/RunningService.ts"

onEachEnvironment("messages in and out", (environment) => {
  it("a hold expires without any request, its seats come back, and booking.cancelled (expired) is published", () =>
    Effect.gen(function* () {
      const { book, count, received, request } = yield* running(environment, { holdTtl: "300 millis" })
      const created = yield* book([{}, {}])
      expect(created.status).toBe(201)
      expect(yield* count("held")).toBe(2)
      yield* eventually("the seats are free again", count("free"), (free) => free === 24)
      expect((yield* request(`/api/bookings/${created.body.id}`)).body.status).toBe("expired")
      const cancelled = yield* eventually("booking.cancelled published", Ref.get(received), (all) =>
        all.some((message) => message.type === "booking.cancelled"))
      const event = cancelled.find((message) => message.type === "booking.cancelled") as MessageOf<"booking.cancelled">
      expect(event.data).toMatchObject({ bookingId: created.body.id, reason: "expired", paid: false })
    }))

  it("the same payment.processed delivered twice confirms once; a failed payment leaves the booking pending", () =>
    Effect.gen(function* () {
      const { book, bus, count, received, request } = yield* running(environment)
      const created = yield* book([{}, {}])
      yield* bus.publish(yield* paymentProcessed(created.body.id, "failed"))
      yield* Effect.sleep("200 millis")
      expect((yield* request(`/api/bookings/${created.body.id}`)).body.status).toBe("pending")
      const paid = yield* paymentProcessed(created.body.id, "succeeded")
      yield* bus.publish(paid)
      yield* bus.publish(paid)
      yield* eventually("confirmed", request(`/api/bookings/${created.body.id}`), (answer) => answer.body.status === "confirmed")
      expect(yield* count("sold")).toBe(2)
      yield* Effect.sleep("300 millis")
      const confirmations = (yield* Ref.get(received)).filter((message) => message.type === "booking.confirmed")
      expect(confirmations).toHaveLength(1)
      expect((confirmations[0] as MessageOf<"booking.confirmed">).data.paymentId).toBe(paid.data.paymentId)
    }))

  it("a cancelled flight cancels its bookings (paid ones flagged) and sells no more seats; a delay notifies each contact once", () =>
    Effect.gen(function* () {
      const { book, bus, client, count, flightId, received, request } = yield* running(environment)
      const pending = yield* book([{}])
      const confirmed = yield* book([{}])
      yield* bus.publish(yield* paymentProcessed(confirmed.body.id, "succeeded"))
      yield* eventually("confirmed", request(`/api/bookings/${confirmed.body.id}`), (answer) => answer.body.status === "confirmed")
      const delay = yield* Envelope.make(Messages.FlightStatusChanged, {
        flightId,
        flightNumber: FlightNumber.make("BA117"),
        previousStatus: "scheduled",
        status: "delayed",
        reason: "late inbound aircraft",
        departureAt: DateTime.unsafeMake("2026-12-01T13:00:00Z"),
      }, { source: "flight" })
      yield* bus.publish(delay)
      yield* bus.publish(delay)
      yield* eventually("two contacts notified by email and SMS", Ref.get(received), (all) =>
        all.filter((message) => message.type === "notification.send").length >= 4)
      yield* Effect.sleep("300 millis")
      const commands = (yield* Ref.get(received)).filter((message) => message.type === "notification.send") as Array<
        MessageOf<"notification.send">
      >
      // Redelivered, the delay gives the same command ids: consumers drop the copies by id.
      expect(new Set(commands.map((message) => message.id)).size).toBe(4)
      const sent = new Set(commands.map((message) => `${message.data.channel} ${message.data.recipient} ${message.data.template}`))
      expect([...sent].toSorted()).toEqual([`email ${client.email} flight-delayed`, "sms +447700900123 flight-delayed"])
      const cancel = yield* Envelope.make(Messages.FlightStatusChanged, {
        flightId,
        flightNumber: FlightNumber.make("BA117"),
        previousStatus: "delayed",
        status: "cancelled",
        reason: "strike",
        departureAt: DateTime.unsafeMake("2026-12-01T13:00:00Z"),
      }, { source: "flight" })
      yield* bus.publish(cancel)
      yield* eventually("both cancelled", Effect.all([
        request(`/api/bookings/${pending.body.id}`),
        request(`/api/bookings/${confirmed.body.id}`),
      ]), ([a, b]) => a.body.status === "cancelled" && b.body.status === "cancelled")
      expect(yield* count("free")).toBe(24)
      const cancellations = (yield* eventually("two booking.cancelled", Ref.get(received), (all) =>
        all.filter((message) => message.type === "booking.cancelled").length >= 2))
        .filter((message) => message.type === "booking.cancelled") as Array<MessageOf<"booking.cancelled">>
      expect(cancellations.map((event) => [event.data.bookingId, event.data.reason, event.data.paid]).toSorted()).toEqual(
        [[pending.body.id, "flight-cancelled", false], [confirmed.body.id, "flight-cancelled", true]].toSorted(),
      )
      const refused = yield* book([{}])
      expect([refused.status, refused.body.type]).toEqual([409, "flight-not-bookable"])
    }))
})
