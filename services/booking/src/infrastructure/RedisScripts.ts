/**
 * The booking store's atomic steps, as Redis Lua scripts. Every key a script touches carries the
 * flight's hash tag (`{<flightId>}`), so each script runs on one node of a Redis Cluster too.
 *
 * Seats: a hash per cabin, seat -> `h:<bookingId>` (held) or `s:<bookingId>` (sold); a free seat has
 * no field. Bookings: JSON strings. The outbox: a stream per flight, entries `id`, `body`,
 * `traceparent`. The hold script chooses seats with the same steps as `SeatInventory.allocate`.
 *
 * The holding limit's sets (`RedisHoldLimits`) are the exception: one per holder, across flights.
 */
import * as RedisHoldLimits from "./RedisHoldLimits.ts"


/**
 * cjson writes numbers with 14 significant digits; money may need more. A booking's total is
 * therefore never re-encoded by cjson: it is swapped for a marker and the exact text put back.
 */
const keepTotal = `
local function encodeWithTotal(value, totalText)
  value.total = "__TOTAL__"
  local encoded = cjson.encode(value)
  return (string.gsub(encoded, '"__TOTAL__"', function() return totalText end))
end
`

/**
 * KEYS: seating, seats of the cabin, booking, active set, expiries, idempotency record (or any key
 * of the slot when none), outbox, flight status, the booking's record of its holder sets, the
 * flight's bookings by creation time, then the holder sets (none or more).
 * ARGV: booking JSON (passenger seats and total to fill in), booking.created JSON (the same),
 * traceparent, requested seats (JSON array, "" where none is named), hold expiry (ms), idempotency
 * record TTL (ms, "0" when there is no key), booking id, message id, request fingerprint, total
 * amount (integer text), total currency, seats a holder may hold, now (ms).
 * Answers `ok`, the booking's JSON and its seats (a passenger's each), or `replayed` and the
 * booking's JSON, or a refusal.
 */
export const hold = keepTotal + RedisHoldLimits.lua + `
if ARGV[6] ~= "0" then
  local recorded = redis.call("GET", KEYS[6])
  if recorded then
    local record = cjson.decode(recorded)
    if record.fingerprint ~= ARGV[9] then return {"reused"} end
    return {"replayed", record.booking}
  end
end
local seatingJson = redis.call("GET", KEYS[1])
if not seatingJson then return {"flight-not-found"} end
local seating = cjson.decode(seatingJson)
local status = redis.call("GET", KEYS[8]) or seating.status
if status ~= "scheduled" and status ~= "delayed" then return {"not-bookable", status} end
local booking = cjson.decode(ARGV[1])
local layout = nil
for _, candidate in ipairs(seating.cabins) do
  if candidate.cabin == booking.cabin then layout = candidate end
end
if not layout then return {"cabin-not-on-flight"} end
local refused = holdLimitRefusal(11, #booking.passengers, tonumber(ARGV[12]), tonumber(ARGV[13]))
if refused then return {"limit", string.format("%.0f", refused[1]), string.format("%.0f", refused[2])} end
local requested = cjson.decode(ARGV[4])
local rows, all = {}, {}
for r = layout.rows.from, layout.rows.to do
  local row = {}
  for i = 1, #layout.seatLetters do
    local seat = r .. string.sub(layout.seatLetters, i, i)
    row[#row + 1] = seat
    all[#all + 1] = seat
  end
  rows[#rows + 1] = row
end
local taken = {}
local held = redis.call("HGETALL", KEYS[2])
for i = 1, #held, 2 do taken[held[i]] = true end
local free = #all - #held / 2
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
local chosen = nil
if wanted == 0 then chosen = {} end
if not chosen then
  for _, row in ipairs(rows) do
    for start = 1, #row - wanted + 1 do
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
if not chosen then
  for _, row in ipairs(rows) do
    local inRow = {}
    for _, seat in ipairs(row) do
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
  for _, seat in ipairs(all) do
    if open(seat) then
      anywhere[#anywhere + 1] = seat
      if #anywhere == wanted then break end
    end
  end
  if #anywhere == wanted then chosen = anywhere end
end
if not chosen then return {"unavailable", tostring(free)} end
local id = ARGV[7]
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
local totalText = '{"amount":' .. ARGV[10] .. ',"currency":' .. cjson.encode(ARGV[11]) .. '}'
local bookingJson = encodeWithTotal(booking, totalText)
redis.call("SET", KEYS[3], bookingJson)
redis.call("SADD", KEYS[4], id)
redis.call("ZADD", KEYS[5], ARGV[5], id)
redis.call("ZADD", KEYS[10], ARGV[13], id)
holdLimitCount(11, KEYS[9], heldMember(#booking.passengers, id), ARGV[5], tonumber(ARGV[13]))
local event = cjson.decode(ARGV[2])
event.data.seats = seats
event.data.passengers = booking.passengers
local eventData = event.data
eventData.total = "__TOTAL__"
local eventJson = string.gsub(cjson.encode(event), '"__TOTAL__"', function() return totalText end)
redis.call("XADD", KEYS[7], "*", "id", ARGV[8], "body", eventJson, "traceparent", ARGV[3])
if ARGV[6] ~= "0" then
  local record = '{"fingerprint":' .. cjson.encode(ARGV[9]) .. ',"booking":' .. cjson.encode(bookingJson) .. '}'
  redis.call("SET", KEYS[6], record, "PX", ARGV[6])
end
return {"ok", bookingJson, unpack(seats)}
`

/**
 * KEYS: booking, seats of its cabin, expiries, outbox, its record of holder sets, those sets.
 * ARGV: payment id, now (ms), now (ISO), booking.confirmed JSON, traceparent, message id.
 */
export const confirm = keepTotal + RedisHoldLimits.lua + `
local json = redis.call("GET", KEYS[1])
if not json then return {"not-found"} end
local booking = cjson.decode(json)
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
`

/**
 * Cancel (a pending or confirmed booking) or expire (a pending one whose hold ran out): the seats
 * go back, the booking ends, `booking.cancelled` says whether it was paid.
 * KEYS: booking, seats of its cabin, expiries, active set, outbox, its record of holder sets, those sets.
 * ARGV: reason, now (ISO), booking.cancelled JSON, traceparent, message id, "cancel" | "expire", now (ms).
 */
export const release = keepTotal + RedisHoldLimits.lua + `
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
`

/**
 * Records a flight's status, kept apart from its seating (which is never re-encoded), unless it
 * would go backwards (see `SeatInventory.supersedes`). Answers 0 for an unknown flight, 1 when
 * recorded, 2 when a later status was already there.
 * KEYS: seating, flight status. ARGV: status.
 */
export const setFlightStatus = `
local json = redis.call("GET", KEYS[1])
if not json then return 0 end
local rank = { scheduled = 0, delayed = 0, boarding = 1, departed = 2, arrived = 3, cancelled = 4 }
local current = redis.call("GET", KEYS[2]) or cjson.decode(json).status
if current == "cancelled" or current == "arrived" or rank[ARGV[1]] < rank[current] then return 2 end
redis.call("SET", KEYS[2], ARGV[1])
return 1
`

/** Removes a member of a sorted set only if its score is still the one read. KEYS: set. ARGV: member, score. */
export const removeIfUnchanged = `
local score = redis.call("ZSCORE", KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call("ZREM", KEYS[1], ARGV[1]) end
return 0
`

/** Deletes an Idempotency-Key's claim unless it recorded a response. KEYS: the key's record. */
export const releaseKey = `
local json = redis.call("GET", KEYS[1])
if json and cjson.decode(json).response == cjson.null then return redis.call("DEL", KEYS[1]) end
return 0
`

/**
 * Renews an outbox lease: the entries still pending to the consumer (the relay) are claimed again by
 * it, which resets their idle time (the lease XAUTOCLAIM measures); an entry another relay took is
 * left to it. Answers the ids renewed. KEYS: the flight's outbox stream. ARGV: group, consumer, ids.
 */
export const renewOwn = `
local mine = {}
for index = 3, #ARGV do
  local pending = redis.call("XPENDING", KEYS[1], ARGV[1], ARGV[index], ARGV[index], 1)
  if pending[1] and pending[1][2] == ARGV[2] then mine[#mine + 1] = ARGV[index] end
end
if #mine == 0 then return mine end
local claim = { KEYS[1], ARGV[1], ARGV[2], 0 }
for _, id in ipairs(mine) do claim[#claim + 1] = id end
claim[#claim + 1] = "JUSTID"
redis.call("XCLAIM", unpack(claim))
return mine
`
