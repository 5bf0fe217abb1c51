/**
 * What the booking store reads on Redis: a booking by id (its flight from `booking:where:{id}`), by
 * reference, an owner's and a flight's bookings, the bookings that take a flight's seats, the seat
 * map, a flight's seating and the bookings due to expire. A booking of an index whose hold failed
 * (its name written before the script, the booking never) is skipped.
 */
import { type BookingId, CompiledParser } from "@flight/contracts"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Redis } from "ioredis"
import { Booking } from "../domain/Booking.ts"
import { type BookingRepository, BookingStoreError, CabinNotOnFlight, FlightNotFound } from "../domain/BookingRepository.ts"
import { FlightSeating, seatsOf } from "../domain/SeatInventory.ts"
import { call } from "./RedisCall.ts"
import type { Keys } from "./RedisKeys.ts"

const decodeBookingJson = CompiledParser.decoder(Schema.parseJson(Booking))
const decodeSeatingJson = CompiledParser.decoder(Schema.parseJson(FlightSeating))

const unreadable = (what: string) => (error: { readonly message: string }) =>
  new BookingStoreError({ operation: "read", reason: `stored ${what} is invalid: ${error.message}`, transient: false })

/** A stored booking's JSON as the booking; what this build cannot read is the store's error, not transient. */
export const bookingFrom = (json: unknown) => decodeBookingJson(json).pipe(Effect.mapError(unreadable("booking")))

type Reads = Pick<
  BookingRepository["Type"],
  "get" | "seating" | "findByReference" | "ownedBy" | "ofFlight" | "activeOnFlight" | "seatMap" | "dueForExpiry"
>

/** The reads on the store's connection, and a booking's flight (`flightOf`), which the changes start from. */
export const make = (client: Redis, keys: Keys) => {
  const flightOf = (id: BookingId) => call("where", () => client.get(keys.where(id)))

  const get: Reads["get"] = (id) =>
    Effect.gen(function* () {
      const flight = yield* flightOf(id)
      if (flight === null) return Option.none<Booking>()
      const json = yield* call("get", () => client.get(keys.booking(flight, id)))
      return json === null ? Option.none<Booking>() : Option.some(yield* bookingFrom(json))
    })

  const seating: Reads["seating"] = (flightId) =>
    Effect.gen(function* () {
      const [json, status] = yield* call("seating", () =>
        Promise.all([client.get(keys.seating(flightId)), client.get(keys.status(flightId))]))
      if (json === null) return Option.none()
      const seating = yield* decodeSeatingJson(json).pipe(Effect.mapError(unreadable("flight seating")))
      return Option.some(status === null ? seating : new FlightSeating({ ...seating, status: status as FlightSeating["status"] }))
    })

  const reads: Reads = {
    get,
    seating,

    dueForExpiry: (now, limit) =>
      Effect.map(
        call("due", () => client.zrangebyscore(keys.expiring, "-inf", DateTime.toEpochMillis(now), "LIMIT", 0, limit)),
        (members) => members.map((member) => member.slice(member.indexOf("/") + 1) as BookingId),
      ),

    ownedBy: (owner, page) =>
      Effect.gen(function* () {
        const members = yield* call("owned", () =>
          client.zrevrange(keys.owner(owner), page.offset, page.offset + page.limit))
        const shown = members.slice(0, page.limit)
        // Each booking in its own slot: one GET each, not an MGET across slots.
        const jsons = yield* call("owned", () =>
          Promise.all(shown.map((member) => {
            const slash = member.indexOf("/")
            return client.get(keys.booking(member.slice(0, slash), member.slice(slash + 1)))
          })))
        const items = yield* Effect.forEach(jsons.filter((json): json is string => json !== null), bookingFrom)
        return { items, more: members.length > page.limit }
      }),

    ofFlight: (flightId, page) =>
      Effect.gen(function* () {
        const ids = yield* call("flight bookings", () =>
          client.zrevrange(keys.bookings(flightId), page.offset, page.offset + page.limit))
        const shown = ids.slice(0, page.limit)
        if (shown.length === 0) return { items: [], more: false }
        // One slot, the flight's: one MGET.
        const jsons = yield* call("flight bookings", () => client.mget(shown.map((id) => keys.booking(flightId, id))))
        const items = yield* Effect.forEach(jsons.filter((json): json is string => json !== null), bookingFrom)
        return { items, more: ids.length > page.limit }
      }),

    findByReference: (reference) =>
      Effect.gen(function* () {
        const id = yield* call("reference", () => client.get(keys.reference(reference)))
        return id === null ? Option.none() : yield* get(id as BookingId)
      }),

    activeOnFlight: (flightId) =>
      Effect.gen(function* () {
        const ids = yield* call("active", () => client.smembers(keys.active(flightId)))
        if (ids.length === 0) return []
        const jsons = yield* call("active", () => client.mget(ids.map((id) => keys.booking(flightId, id))))
        return yield* Effect.forEach(jsons.filter((json): json is string => json !== null), bookingFrom)
      }),

    seatMap: (flightId, cabin) =>
      Effect.gen(function* () {
        const found = yield* seating(flightId)
        if (Option.isNone(found)) return yield* Effect.fail(new FlightNotFound({ flightId }))
        const layout = found.value.cabins.find((candidate) => candidate.cabin === cabin)
        if (layout === undefined) return yield* Effect.fail(new CabinNotOnFlight({ flightId, cabin }))
        const holders = yield* call("seat map", () => client.hgetall(keys.seats(flightId, cabin)))
        return seatsOf(layout).map((seat) => {
          const holder = holders[seat]
          return { seat, state: holder === undefined ? "free" as const : holder.startsWith("s:") ? "sold" as const : "held" as const }
        })
      }),
  }
  return { reads, flightOf }
}
