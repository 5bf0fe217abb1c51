import { describe, expect, test } from "bun:test"
import { FlightId } from "@flight/contracts"
import { DateTime, Either, Option, Schema } from "effect"
import * as FlightViews from "../src/api/FlightViews.ts"
import * as Flight from "../src/domain/Flight.ts"
import { scheduleOf } from "./support/Fixtures.ts"

const now = DateTime.unsafeMake("2026-11-01T08:00:00.123Z")
const later = DateTime.unsafeMake("2026-11-02T08:30:00Z")

const scheduled = Flight.schedule(FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9e"), scheduleOf(), now)
const delayed = Either.getOrThrow(Flight.changeStatus(scheduled, {
  status: "delayed",
  reason: Option.some("Crew \"rest\" rules — late inbound"),
  departureAt: Option.some(DateTime.unsafeMake("2026-12-01T12:45:30.5Z")),
}, later))
const partlySold = Flight.updated(
  Flight.schedule(FlightId.make("01936f0e-8a5c-7b3d-9c2e-4f5a6b7c8d9f"), scheduleOf({ flightNumber: "U21234A" }), now),
  { availability: [{ cabin: "economy", capacity: 60, available: 3 }, { cabin: "business", capacity: 4, available: 0 }] },
  later,
)
const cancelled = Either.getOrThrow(Flight.changeStatus(partlySold, {
  status: "cancelled",
  reason: Option.none(),
  departureAt: Option.none(),
}, later))

/** What the route answered before: the page of `viewOf`s encoded by the `FlightPage` schema. */
const encodedBySchema = (page: { readonly items: ReadonlyArray<Flight.Flight>; readonly next: Option.Option<unknown> }) =>
  JSON.stringify(Schema.encodeSync(FlightViews.FlightPage)({
    items: page.items.map(FlightViews.viewOf),
    nextCursor: Option.getOrNull(page.next) as typeof FlightViews.Cursor.Type | null,
  }))

describe("a page of flights as the search answers it", () => {
  const flights = [scheduled, delayed, partlySold, cancelled]

  test("is the same JSON as the FlightPage schema encodes", () => {
    const pages = [
      { items: flights, next: Option.none() },
      { items: [], next: Option.none() },
      { items: [delayed], next: Option.some({ departureAt: delayed.departureAt, id: delayed.id }) },
    ]
    for (const page of pages) {
      expect(JSON.stringify(FlightViews.pageResponse(page).body)).toBe(encodedBySchema(page))
      // Again, from the views kept.
      expect(JSON.stringify(FlightViews.pageResponse(page).body)).toBe(encodedBySchema(page))
    }
    expect(FlightViews.pageResponse({ items: flights, next: Option.none() }).status).toBe(200)
  })

  test("is each flight's view, encoded once per flight value", () => {
    expect(FlightViews.encodedViewOf(scheduled)).toBe(FlightViews.encodedViewOf(scheduled))
    // A change is a new flight value, with its own view.
    expect(FlightViews.encodedViewOf(delayed).status).toBe("delayed")
    expect(FlightViews.encodedViewOf(scheduled).status).toBe("scheduled")
    expect(FlightViews.encodedViewOf(cancelled).cabins.map((cabin) => cabin.availableSeats)).toEqual([3, 0])
  })
})
