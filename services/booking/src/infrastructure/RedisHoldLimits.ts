/**
 * The holding limit on Redis (DESIGN §10): the Lua the hold, confirm and release scripts share, so
 * that a holder's budget is checked and spent in the same script as the hold itself.
 *
 * Keys (see `keysFor`):
 * - `booking:holder:{<hash of holder>}`, one sorted set per holder (`owner:<sub>`, `email:<email>`,
 *   `address:<ip>`, hashed: no personal data in key names, no braces from a `sub`): members
 *   `<seats>:<bookingId>`, scored by the hold's expiry (ms). What ran out (score at or before the
 *   request's now) is pruned by the hold script before it sums the seats; the set itself expires a
 *   minute after its last hold would.
 * - `booking:{<flight>}:holders:<bookingId>`, in the flight's slot: the holder sets a pending booking
 *   counts in (JSON array of key names), read before confirm and release to name those sets, and
 *   deleted by them.
 *
 * The holder sets lie outside the flight's hash tag: these scripts run on one Redis, not on a
 * Cluster, where a script may touch one slot only (decision 18 says what would change there).
 */
import { Effect, Option, Schema } from "effect"
import { HoldLimitReached } from "../domain/HoldLimit.ts"

/** How long a holder's set outlives its last hold: room for clocks that differ a little. */
const margin = 60_000

/**
 * Lua functions for the scripts. Each takes the holder sets as `KEYS[first..#KEYS]`.
 * - `holdLimitRefusal(first, requested, limit, now)`: prunes what ran out; nil when `requested`
 *   seats fit every holder's budget, else `{ held, retryAt }` as `HoldLimit.admit` answers.
 * - `holdLimitCount(first, record, member, expiresAt, now)`: counts the new hold in each set and
 *   writes the booking's record of them.
 * - `holdLimitRelease(record, first, member)`: the hold counts no more; its record goes.
 */
export const lua = `
local function heldMember(seats, id) return seats .. ":" .. id end
local function heldSeats(member) return tonumber(string.match(member, "^(%d+):")) end
local function holdLimitRefusal(first, requested, limit, now)
  local refusedHeld, refusedAt = nil, 0
  for k = first, #KEYS do
    redis.call("ZREMRANGEBYSCORE", KEYS[k], "-inf", now)
    local holds = redis.call("ZRANGE", KEYS[k], 0, -1, "WITHSCORES")
    local held = 0
    for i = 1, #holds, 2 do held = held + heldSeats(holds[i]) end
    if held + requested > limit then
      local left, at = held, now
      for i = 1, #holds, 2 do
        left = left - heldSeats(holds[i])
        at = tonumber(holds[i + 1])
        if left + requested <= limit then break end
      end
      if refusedHeld == nil or held > refusedHeld then refusedHeld = held end
      if at > refusedAt then refusedAt = at end
    end
  end
  if refusedHeld == nil then return nil end
  return { refusedHeld, refusedAt }
end
local function holdLimitCount(first, record, member, expiresAt, now)
  if first > #KEYS then return end
  local counted = {}
  for k = first, #KEYS do
    redis.call("ZADD", KEYS[k], expiresAt, member)
    local last = redis.call("ZRANGE", KEYS[k], -1, -1, "WITHSCORES")
    redis.call("PEXPIRE", KEYS[k], string.format("%.0f", tonumber(last[2]) - now + ${margin}))
    counted[#counted + 1] = KEYS[k]
  end
  redis.call("SET", record, cjson.encode(counted))
end
local function holdLimitRelease(record, first, member)
  for k = first, #KEYS do redis.call("ZREM", KEYS[k], member) end
  redis.call("DEL", record)
end
`

const decodeRecord = Schema.decodeUnknownOption(Schema.parseJson(Schema.Array(Schema.String)))

/** The holder sets a booking counts in, from its record (none when it has none, or it is unreadable). */
export const countedIn = (record: string | null): ReadonlyArray<string> =>
  record === null ? [] : Option.getOrElse(decodeRecord(record), () => [])

/** The hold script's refusal (`limit`: seats held, and when in ms the hold would fit) as the domain's error. */
export const refusal = (held: number, retryAt: number, limit: number, now: number) =>
  Effect.fail(new HoldLimitReached({ limit, held, retryAfterMillis: Math.max(0, retryAt - now) }))
