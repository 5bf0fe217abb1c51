/**
 * The outbox's Lua scripts (decision 10): the take of a pass's entries, which drops the dirty marks
 * of the flights it finds empty, and the renewal of a relay's lease.
 */
import { Schema } from "effect"
import * as RedisScript from "./RedisScript.ts"

/**
 * Takes the entries of a pass's flights for a relay in one step, each flight's stream in turn: those
 * left past the lease (a dead relay's, or given back; XAUTOCLAIM, by idle time), then new ones
 * (XREADGROUP), at most `share` a flight and `room` in all (a flight reached once the room is full is
 * not read). New ones only once XAUTOCLAIM looked through every entry taken and not acknowledged
 * (its cursor back at 0-0; it looks at ten times its count at most): an older entry given back is
 * never passed by a new one. A flight it finds empty loses its dirty mark, if the mark still has the
 * score the relay read (`marks`: each flight's name and that score): a write since moved it, and its
 * flight stays marked. Answers for each flight its entries; whether it drained the stream (looked
 * through everything and took less than it could: nothing else was there); when it drained it
 * empty, the stream's length (-1 otherwise); and Redis's error for that flight alone (NOGROUP: its
 * stream lost the group; "" when none). The streams are in as many slots as flights: one Redis, as
 * the hold's scripts need (decision 18).
 */
export const Taken = Schema.Tuple(
  Schema.Array(Schema.Tuple(Schema.String, Schema.Array(Schema.String))),
  Schema.Literal(0, 1),
  Schema.Number,
  Schema.String,
)
export type Taken = typeof Taken.Type

export const takeEntries = RedisScript.make({
  name: "outbox take",
  lua: `
local share = tonumber(ARGV[4])
local room = tonumber(ARGV[5])
local answers = {}
for index = 1, #KEYS - 1 do
  local stream = KEYS[index + 1]
  local count = math.min(share, room)
  local reclaimed = count > 0 and redis.pcall("XAUTOCLAIM", stream, ARGV[1], ARGV[2], ARGV[3], "0-0", "COUNT", count)
  if not reclaimed then
    answers[index] = { {}, 0, -1, "" }
  elseif reclaimed.err then
    answers[index] = { {}, 0, -1, reclaimed.err }
  else
    local entries = reclaimed[2]
    local looked = reclaimed[1] == "0-0"
    if #entries < count and looked then
      local fresh = redis.call("XREADGROUP", "GROUP", ARGV[1], ARGV[2], "COUNT", count - #entries, "STREAMS", stream, ">")
      if fresh then for _, entry in ipairs(fresh[1][2]) do entries[#entries + 1] = entry end end
    end
    room = room - #entries
    if not looked or #entries >= count then
      answers[index] = { entries, 0, -1, "" }
    elseif #entries == 0 then
      local length = redis.call("XLEN", stream)
      if length == 0 then
        local flight, score = ARGV[4 + 2 * index], ARGV[5 + 2 * index]
        local marked = redis.call("ZSCORE", KEYS[1], flight)
        if marked and tonumber(marked) == tonumber(score) then redis.call("ZREM", KEYS[1], flight) end
      end
      answers[index] = { entries, 1, length, "" }
    else
      answers[index] = { entries, 1, -1, "" }
    end
  end
end
return answers
`,
  keys: ["dirty"],
  moreKeys: "streams",
  args: ["group", "consumer", "leaseMillis", "share", "room"],
  moreArgs: "marks",
  reply: Schema.Array(Taken),
})

/**
 * Renews an outbox lease: the entries still pending to the consumer (the relay) are claimed again by
 * it, which resets their idle time (the lease XAUTOCLAIM measures); an entry another relay took is
 * left to it. Answers the ids renewed.
 */
export const renewOwn = RedisScript.make({
  name: "renewOwn",
  lua: `
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
`,
  keys: ["stream"],
  args: ["group", "consumer"],
  moreArgs: "ids",
  reply: Schema.Array(Schema.String),
})
