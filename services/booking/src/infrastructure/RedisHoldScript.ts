/**
 * The hold, Redis's atomic step for a new booking (decision 10): over the keys of one flight (its
 * hash tag) and the holders' sets of the holding limit, it checks the flight, the limit and the
 * seats, chooses the seats with the same steps as `SeatInventory.allocate` (a seat asked for is
 * kept), writes the booking, its indexes and holder counts, and appends `booking.created`.
 */
import { SeatNumber } from "@flight/contracts"
import { Schema } from "effect"
import { Booking } from "../domain/Booking.ts"
import * as RedisHoldLimits from "./RedisHoldLimits.ts"
import * as RedisScript from "./RedisScript.ts"
import { keepTotal } from "./RedisScripts.ts"

const lua = keepTotal + RedisHoldLimits.lua + `
local existing = redis.call("GET", KEYS[3])
if existing then return {"replayed", existing} end
local seatingJson = redis.call("GET", KEYS[1])
if not seatingJson then return {"flight-not-found"} end
local seating = cjson.decode(seatingJson)
local status = redis.call("GET", KEYS[7]) or seating.status
if status ~= "scheduled" and status ~= "delayed" then return {"not-bookable", status} end
local booking = cjson.decode(ARGV[1])
local layout = nil
for _, candidate in ipairs(seating.cabins) do
  if candidate.cabin == booking.cabin then layout = candidate end
end
if not layout then return {"cabin-not-on-flight"} end
local refused = holdLimitRefusal(10, #booking.passengers, tonumber(ARGV[10]), tonumber(ARGV[11]))
if refused then return {"limit", string.format("%.0f", refused[1]), string.format("%.0f", refused[2])} end
local requested = cjson.decode(ARGV[4])
local from, to, letters = layout.rows.from, layout.rows.to, layout.seatLetters
local width = #letters
local letter = {}
for i = 1, width do letter[i] = string.sub(letters, i, i) end
local taken = {}
local held = redis.call("HKEYS", KEYS[2])
for i = 1, #held do taken[held[i]] = true end
local free = (to - from + 1) * width - #held
local named, takenNamed, wanted = {}, {}, 0
for _, seat in ipairs(requested) do
  if seat ~= "" then
    named[seat] = true
    if taken[seat] then takenNamed[#takenNamed + 1] = seat end
  else
    wanted = wanted + 1
  end
end
if #takenNamed > 0 then return {"taken", tostring(free), unpack(takenNamed)} end
local function open(seat) return not taken[seat] and not named[seat] end
local rows = {}
local function rowOf(r)
  local row = rows[r]
  if row then return row end
  row = {}
  for i = 1, width do row[i] = r .. letter[i] end
  rows[r] = row
  return row
end
local chosen = nil
if wanted == 0 then chosen = {} end
if not chosen and wanted <= width then
  for r = from, to do
    local row = rowOf(r)
    for start = 1, width - wanted + 1 do
      local run = true
      for k = start, start + wanted - 1 do
        if not open(row[k]) then run = false break end
      end
      if run then
        chosen = {}
        for k = start, start + wanted - 1 do chosen[#chosen + 1] = row[k] end
        break
      end
    end
    if chosen then break end
  end
end
if not chosen and wanted <= width then
  for r = from, to do
    local inRow = {}
    for _, seat in ipairs(rowOf(r)) do
      if open(seat) then inRow[#inRow + 1] = seat end
    end
    if #inRow >= wanted then
      chosen = {}
      for k = 1, wanted do chosen[k] = inRow[k] end
      break
    end
  end
end
if not chosen then
  local anywhere = {}
  for r = from, to do
    for _, seat in ipairs(rowOf(r)) do
      if open(seat) then
        anywhere[#anywhere + 1] = seat
        if #anywhere == wanted then break end
      end
    end
    if #anywhere == wanted then break end
  end
  if #anywhere == wanted then chosen = anywhere end
end
if not chosen then return {"unavailable", tostring(free)} end
local id = ARGV[6]
local seats, nextChosen = {}, 1
for i, seat in ipairs(requested) do
  if seat ~= "" then
    seats[i] = seat
  else
    seats[i] = chosen[nextChosen]
    nextChosen = nextChosen + 1
  end
  redis.call("HSET", KEYS[2], seats[i], "h:" .. id)
  booking.passengers[i].seat = seats[i]
end
local totalText = '{"amount":' .. ARGV[8] .. ',"currency":' .. cjson.encode(ARGV[9]) .. '}'
local bookingJson = encodeWithTotal(booking, totalText)
redis.call("SET", KEYS[3], bookingJson)
redis.call("SADD", KEYS[4], id)
redis.call("ZADD", KEYS[5], ARGV[5], id)
redis.call("ZADD", KEYS[9], ARGV[11], id)
holdLimitCount(10, KEYS[8], heldMember(#booking.passengers, id), ARGV[5], tonumber(ARGV[11]))
local event = cjson.decode(ARGV[2])
event.data.seats = seats
event.data.passengers = booking.passengers
local eventData = event.data
eventData.total = "__TOTAL__"
local eventJson = withTotal(cjson.encode(event), totalText)
redis.call("XADD", KEYS[6], "*", "id", ARGV[7], "body", eventJson, "traceparent", ARGV[3])
return {"ok", bookingJson, unpack(seats)}
`

/**
 * What the hold answers: `ok`, the booking's JSON and the seats it chose (a passenger's each), or
 * `replayed` and the booking stored under its id (held before: nothing is held again), or why it
 * held nothing.
 */
export const Reply = Schema.Union(
  Schema.Tuple([Schema.Literal("ok"), Schema.String], SeatNumber),
  Schema.Tuple(Schema.Literal("replayed"), Schema.parseJson(Booking)),
  /** A holder would hold more than the limit: the most it holds, and when (ms) the hold would fit. */
  Schema.Tuple(Schema.Literal("limit"), Schema.NumberFromString, Schema.NumberFromString),
  Schema.Tuple(Schema.Literal("flight-not-found")),
  Schema.Tuple(Schema.Literal("not-bookable"), Schema.String),
  Schema.Tuple(Schema.Literal("cabin-not-on-flight")),
  /** A seat asked for is taken: how many are free, and the ones taken. */
  Schema.Tuple([Schema.Literal("taken"), Schema.NumberFromString], SeatNumber),
  /** Not enough free seats: how many are. */
  Schema.Tuple(Schema.Literal("unavailable"), Schema.NumberFromString),
)

/**
 * KEYS: `booking` is the new booking's (its id's) key, which the script answers as it is when it
 * exists; `holders` the booking's record of its holder sets; `holderSets` the sets it counts in.
 * ARGV: `booking` and `event` are the booking and booking.created as JSON, their seats and total for
 * the script to fill in; `requested` a JSON array of the seats asked for ("" where none is named);
 * `expiresAt` and `now` in ms; `totalAmount` integer text; `maxSeats` how many seats a holder may
 * hold. The Idempotency-Key is not the script's: its record lives in a slot of its own
 * (`RedisIdempotencyKeys`), so the script stays in the flight's.
 */
export const hold = RedisScript.make({
  name: "hold",
  lua,
  keys: ["seating", "seats", "booking", "active", "expiries", "outbox", "status", "holders", "bookings"],
  moreKeys: "holderSets",
  args: [
    "booking",
    "event",
    "traceparent",
    "requested",
    "expiresAt",
    "id",
    "messageId",
    "totalAmount",
    "totalCurrency",
    "maxSeats",
    "now",
  ],
  reply: Reply,
})

export type Input = RedisScript.InputOf<typeof hold>
