/** @jsxImportSource hono/jsx */
/**
 * The flight's page for staff, rendered on its own: its bookings as the booking API pages them
 * (newest first, every status), with links to the older page and back to the newest.
 */
import { SampleFlight } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import { FlightPage, type FlightView } from "../src/api/views/OpsFlightPage.tsx"
import type { Booking, Flight } from "../src/domain/Resources.ts"
import { textOf } from "./support/Visitor.ts"

const flight: Flight = {
  id: "0193e0a0-0000-7000-8000-0000000000f1",
  ...SampleFlight.ba117,
  scheduledDepartureAt: SampleFlight.ba117.departureAt,
  aircraft: SampleFlight.aircraft,
  status: "scheduled",
  statusReason: null,
  cabins: [{ cabin: "economy", rows: { from: 10, to: 12 }, seatLetters: "ABC", fare: { amount: 45000, currency: "GBP" }, capacity: 9, availableSeats: 7 }],
}

const booking = (reference: string, status: Booking["status"], seat: string): Booking => ({
  id: `0193e0a0-0000-7000-8000-${reference.toLowerCase().padStart(12, "0")}`,
  reference,
  status,
  flightId: flight.id,
  cabin: "economy",
  passengers: [{ firstName: "Ada", lastName: "Lovelace", seat }],
  contact: { email: "ada@example.com" },
  total: { amount: 45000, currency: "GBP" },
  holdExpiresAt: "2026-12-01T09:00:00.000Z",
  paymentId: null,
  cancellationReason: status === "cancelled" ? "customer" : null,
  createdAt: "2026-11-30T09:00:00.000Z",
})

const page = (props: Partial<FlightView>) =>
  String(<FlightPage admin={false} flight={flight} bookings={null} olderPage={false} fields={{}} errors={{}} problem={[]} csrf="csrf" {...props} />)

describe("a flight's page for staff", () => {
  test("lists the bookings as the API pages them, every status, with a link to the older ones", () => {
    const html = page({ bookings: { bookings: [booking("X7K2QP", "pending", "10A"), booking("Y8L3RR", "cancelled", "10B")], nextCursor: "eyJvZmZzZXQiOjEwMH0" } })
    const text = textOf(html)
    expect(text).toContain("X7K2QP Pending Ada Lovelace 10A")
    expect(text).toContain("Y8L3RR Cancelled Ada Lovelace 10B")
    expect(html).toContain(`href="/ops/flights/${flight.id}?bookings=eyJvZmZzZXQiOjEwMH0"`)
    expect(text).not.toContain("Newest bookings")
    expect(text).not.toContain("notification")
  })

  test("an older page links back to the newest; the last page has no older link", () => {
    const html = page({ bookings: { bookings: [booking("X7K2QP", "expired", "10A")], nextCursor: null }, olderPage: true })
    expect(html).toContain(`<a href="/ops/flights/${flight.id}">Newest bookings</a>`)
    expect(textOf(html)).not.toContain("Older bookings")
  })

  test("no bookings, and bookings that could not be read, are said so", () => {
    expect(textOf(page({ bookings: { bookings: [], nextCursor: null } }))).toContain("No bookings found.")
    expect(textOf(page({ bookings: null }))).toContain("The bookings could not be read just now.")
  })
})
