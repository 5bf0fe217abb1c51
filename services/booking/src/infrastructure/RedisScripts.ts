/**
 * The booking store's atomic steps after the hold (`RedisHoldScript`), as Redis Lua scripts: confirm,
 * cancel or expire a booking, record a flight's status. Every key a script touches carries the
 * flight's hash tag (`{<flightId>}`), so each script runs on one node of a Redis Cluster too; the
 * holding limit's sets (`RedisHoldLimits`) are the exception: one per holder, across flights.
 *
 * Seats: a hash per cabin, seat -> `h:<bookingId>` (held) or `s:<bookingId>` (sold); a free seat has
 * no field. Bookings: JSON strings. The outbox: a stream per flight, entries `id`, `body`,
 * `traceparent`.
 */
import { Schema } from "effect"
import { Booking, BookingStatus } from "../domain/Booking.ts"
import * as RedisHoldLimits from "./RedisHoldLimits.ts"
import * as RedisScript from "./RedisScript.ts"

/**
 * cjson writes numbers with 14 significant digits; money may need more. A booking's total is
 * therefore never re-encoded by cjson: it is swapped for a marker and the exact text put back. The
 * marker is found with its key, "total":"__TOTAL__", which no text a client sends can make (a quote
 * inside a string is written with a backslash before it): a passenger called __TOTAL__ stays one.
 */
export const keepTotal = `
local function withTotal(encoded, totalText)
  return (string.gsub(encoded, '"total":"__TOTAL__"', function() return '"total":' .. totalText end))
end
local function encodeWithTotal(value, totalText)
  value.total = "__TOTAL__"
  return withTotal(cjson.encode(value), totalText)
end
`

const BookingJson = Schema.parseJson(Booking)

/**
 * Confirms a pending booking with a payment: its seats are sold, it leaves the expiries and its
 * holder sets (`holders`, the booking's record of them, and `holderSets`). ARGV: `nowMillis` and
 * `nowIso` the same instant; `event` booking.confirmed as JSON; `cabin` the cabin the caller named,
 * whose seats are KEYS[2] (a booking of another cabin is not found there).
 */
export const confirm = RedisScript.make({
  name: "confirm",
  lua: keepTotal + RedisHoldLimits.lua + `
local json = redis.call("GET", KEYS[1])
if not json then return {"not-found"} end
local booking = cjson.decode(json)
if booking.cabin ~= ARGV[7] then return {"not-found"} end
if booking.status == "confirmed" and booking.paymentId == ARGV[1] then return {"already", json} end
if booking.status ~= "pending" then return {"invalid", booking.status} end
local expiry = redis.call("ZSCORE", KEYS[3], booking.id)
if (not expiry) or tonumber(ARGV[2]) >= tonumber(expiry) then return {"expired", json} end
for _, passenger in ipairs(booking.passengers) do
  redis.call("HSET", KEYS[2], passenger.seat, "s:" .. booking.id)
end
booking.status = "confirmed"
booking.paymentId = ARGV[1]
booking.updatedAt = ARGV[3]
json = encodeWithTotal(booking, string.match(json, '"total":(%b{})'))
redis.call("SET", KEYS[1], json)
redis.call("ZREM", KEYS[3], booking.id)
holdLimitRelease(KEYS[5], 6, heldMember(#booking.passengers, booking.id))
redis.call("XADD", KEYS[4], "*", "id", ARGV[6], "body", ARGV[4], "traceparent", ARGV[5])
return {"ok", json}
`,
  keys: ["booking", "seats", "expiries", "outbox", "holders"],
  moreKeys: "holderSets",
  args: ["paymentId", "nowMillis", "nowIso", "event", "traceparent", "messageId", "cabin"],
  reply: Schema.Union(
    Schema.Tuple(Schema.Literal("ok"), BookingJson),
    /** Confirmed before by the same payment. */
    Schema.Tuple(Schema.Literal("already"), BookingJson),
    Schema.Tuple(Schema.Literal("expired"), BookingJson),
    Schema.Tuple(Schema.Literal("invalid"), BookingStatus),
    Schema.Tuple(Schema.Literal("not-found")),
  ),
})

/**
 * Cancel (a pending or confirmed booking) or expire (a pending one whose hold ran out): the seats
 * go back, the booking ends, `booking.cancelled` says whether it was paid. ARGV: `mode` "cancel" or
 * "expire"; `nowIso` and `nowMillis` the same instant; `event` booking.cancelled as JSON.
 */
export const release = RedisScript.make({
  name: "release",
  lua: keepTotal + RedisHoldLimits.lua + `
local json = redis.call("GET", KEYS[1])
if not json then return {"not-found"} end
local booking = cjson.decode(json)
if ARGV[6] == "expire" then
  if booking.status ~= "pending" then return {"not-due", booking.status} end
  local expiry = redis.call("ZSCORE", KEYS[3], booking.id)
  if expiry and tonumber(ARGV[7]) < tonumber(expiry) then return {"not-due", booking.status} end
elseif booking.status ~= "pending" and booking.status ~= "confirmed" then
  return {"invalid", booking.status}
end
for _, passenger in ipairs(booking.passengers) do
  local holder = redis.call("HGET", KEYS[2], passenger.seat)
  if holder and string.sub(holder, 3) == booking.id then redis.call("HDEL", KEYS[2], passenger.seat) end
end
if ARGV[6] == "expire" then booking.status = "expired" else booking.status = "cancelled" end
booking.cancellationReason = ARGV[1]
booking.updatedAt = ARGV[2]
json = encodeWithTotal(booking, string.match(json, '"total":(%b{})'))
redis.call("SET", KEYS[1], json)
redis.call("ZREM", KEYS[3], booking.id)
redis.call("SREM", KEYS[4], booking.id)
holdLimitRelease(KEYS[6], 7, heldMember(#booking.passengers, booking.id))
local event = cjson.decode(ARGV[3])
event.data.paid = booking.paymentId ~= cjson.null and booking.paymentId ~= nil
redis.call("XADD", KEYS[5], "*", "id", ARGV[5], "body", cjson.encode(event), "traceparent", ARGV[4])
return {"ok", json}
`,
  keys: ["booking", "seats", "expiries", "active", "outbox", "holders"],
  moreKeys: "holderSets",
  args: ["reason", "nowIso", "event", "traceparent", "messageId", "mode", "nowMillis"],
  reply: Schema.Union(
    Schema.Tuple(Schema.Literal("ok"), BookingJson),
    Schema.Tuple(Schema.Literal("invalid"), BookingStatus),
    /** Expire only: no longer pending, or its hold has not run out. */
    Schema.Tuple(Schema.Literal("not-due"), BookingStatus),
    Schema.Tuple(Schema.Literal("not-found")),
  ),
})

/**
 * Records a flight's status, kept apart from its seating (which is never re-encoded), unless it
 * would go backwards (see `SeatInventory.supersedes`). Answers 0 for an unknown flight, 1 when
 * recorded, 2 when a later status was already there.
 */
export const setFlightStatus = RedisScript.make({
  name: "setFlightStatus",
  lua: `
local json = redis.call("GET", KEYS[1])
if not json then return 0 end
local rank = { scheduled = 0, delayed = 0, boarding = 1, departed = 2, arrived = 3, cancelled = 4 }
local current = redis.call("GET", KEYS[2]) or cjson.decode(json).status
if current == "cancelled" or current == "arrived" or rank[ARGV[1]] < rank[current] then return 2 end
redis.call("SET", KEYS[2], ARGV[1])
return 1
`,
  keys: ["seating", "status"],
  args: ["status"],
  reply: Schema.Literal(0, 1, 2),
})
