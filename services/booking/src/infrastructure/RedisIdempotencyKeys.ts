/**
 * The Idempotency-Keys of the booking POSTs on Redis (decision 24): one record per key,
 * `booking:idempotency:{<hash of the key>}`, in a slot of its own and never touched by a flight's
 * script, holding `{ fingerprint, bookingId, until, response }` and kept `IdempotencyKey.retention`
 * from the claim on (Redis expires it). Each step is a small script, so two requests under one key
 * never both claim it: a new claim names a booking id of its own, a claim whose `until` passed with
 * nothing recorded is taken over by the same request keeping its booking id, `record` writes the
 * response once, and `release` deletes a claim that has none, unless the booking its claim named
 * was held (the request failed after its hold, e.g. its reply lost): that claim only lapses, so the
 * same request sent again takes it over at once and answers the booking held.
 */
import { BookingId, CompiledParser } from "@flight/contracts"
import { Idempotent, IdempotencyKey } from "@flight/runtime"
import { Clock, Duration, Effect, Option, Schema } from "effect"
import type { Redis } from "ioredis"
import { Booking } from "../domain/Booking.ts"
import { defaultClaimWindow, type IdempotencyKeys } from "../domain/BookingRepository.ts"
import { call } from "./RedisCall.ts"
import type { Keys } from "./RedisKeys.ts"
import * as RedisScript from "./RedisScript.ts"

/** A key whose first request answered: its fingerprint and response (the rest of the record is not needed). */
const Answered = Schema.parseJson(Schema.Struct({ fingerprint: Schema.String, response: Booking }))

/** A claim's record, waiting for its request until `untilMs`. */
const claimRecord = `
local function claimRecord(fingerprint, id, untilMs)
  return '{"fingerprint":' .. cjson.encode(fingerprint) .. ',"bookingId":' .. cjson.encode(id) ..
    ',"until":' .. untilMs .. ',"response":null}'
end
`

/**
 * Claims the key for a request. ARGV: the request's fingerprint; `bookingId` the id a new claim
 * names; `now` and `until` (ms) the claim's window; `retention` (ms) how long Redis keeps the key.
 * Answers `fresh` and the booking id claimed, `running` and the fingerprint of the claim that holds
 * the key, or `done` and the record with its response.
 */
const claim = RedisScript.make({
  name: "claim key",
  lua: claimRecord + `
local function claim(id)
  redis.call("SET", KEYS[1], claimRecord(ARGV[1], id, ARGV[4]), "PX", ARGV[5])
  return {"fresh", id}
end
local json = redis.call("GET", KEYS[1])
if not json then return claim(ARGV[2]) end
local held = cjson.decode(json)
if held.response ~= cjson.null then return {"done", json} end
if held.fingerprint == ARGV[1] and tonumber(held["until"]) <= tonumber(ARGV[3]) then return claim(held.bookingId) end
return {"running", held.fingerprint}
`,
  keys: ["key"],
  args: ["fingerprint", "bookingId", "now", "until", "retention"],
  reply: Schema.Union(
    Schema.Tuple(Schema.Literal("fresh"), BookingId),
    Schema.Tuple(Schema.Literal("running"), Schema.String),
    Schema.Tuple(Schema.Literal("done"), Answered),
  ),
})

/**
 * Writes the record with its response, unless the key answered already or another request holds it;
 * it keeps the key's time to live (a key gone meanwhile is written for `retention`). ARGV: the
 * request's fingerprint, the record (JSON), `retention` (ms). Answers 1 when written.
 */
const record = RedisScript.make({
  name: "record key",
  lua: `
local json = redis.call("GET", KEYS[1])
if not json then
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
  return 1
end
local held = cjson.decode(json)
if held.response ~= cjson.null or held.fingerprint ~= ARGV[1] then return 0 end
redis.call("SET", KEYS[1], ARGV[2], "KEEPTTL")
return 1
`,
  keys: ["key"],
  args: ["fingerprint", "record", "retention"],
  reply: Schema.Literal(0, 1),
})

/**
 * The request's claim, unless it recorded a response: deleted (`mode` "delete"), or let lapse
 * (`mode` "lapse": its window ends `now`, its booking id kept). ARGV: the request's fingerprint.
 */
const release = RedisScript.make({
  name: "release key",
  lua: claimRecord + `
local json = redis.call("GET", KEYS[1])
if not json then return 0 end
local held = cjson.decode(json)
if held.response ~= cjson.null or held.fingerprint ~= ARGV[1] then return 0 end
if ARGV[2] == "delete" then return redis.call("DEL", KEYS[1]) end
redis.call("SET", KEYS[1], claimRecord(held.fingerprint, held.bookingId, ARGV[3]), "KEEPTTL")
return 1
`,
  keys: ["key"],
  args: ["fingerprint", "mode", "now"],
  reply: Schema.Literal(0, 1),
})

/** A claim still waiting for its request: the booking id it named. */
const Claimed = Schema.parseJson(Schema.Struct({ bookingId: BookingId, response: Schema.Null }))
const claimedIn = Schema.decodeUnknownOption(Claimed)

const encodeBooking = CompiledParser.encoderSync(Booking)

const retention = Duration.toMillis(IdempotencyKey.retention)

/** The keys on the store's connection; a claim waits `claimFor` for its request (30 s unless given). */
export const make = (client: Redis, keys: Keys, claimFor: Duration.DurationInput = defaultClaimWindow): IdempotencyKeys => {
  const window = Duration.toMillis(claimFor)
  return {
    claim: (request) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const reply = yield* RedisScript.run(client, claim, {
          keys: { key: keys.key(request.key) },
          args: { fingerprint: request.fingerprint, bookingId: Bun.randomUUIDv7(), now, until: now + window, retention },
        })
        switch (reply[0]) {
          case "fresh":
            return Idempotent.fresh(reply[1])
          case "running":
            return Idempotent.running(reply[1])
          case "done":
            return Idempotent.done(reply[1].fingerprint, reply[1].response)
        }
      }),
    record: (request, response) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.asVoid(RedisScript.run(client, record, {
          keys: { key: keys.key(request.key) },
          args: {
            fingerprint: request.fingerprint,
            record: JSON.stringify({ fingerprint: request.fingerprint, bookingId: response.id, until: now, response: encodeBooking(response) }),
            retention,
          },
        }))),
    release: (request) =>
      Effect.gen(function* () {
        const json = yield* call("release key", () => client.get(keys.key(request.key)))
        const claimed = claimedIn(json)
        if (Option.isNone(claimed)) return
        const { bookingId } = claimed.value
        // The booking's slot is the flight's, not the key's: looked at first, then the key changed.
        const flight = yield* call("release key", () => client.get(keys.where(bookingId)))
        const held = flight !== null && (yield* call("release key", () => client.exists(keys.booking(flight, bookingId)))) > 0
        yield* RedisScript.run(client, release, {
          keys: { key: keys.key(request.key) },
          args: { fingerprint: request.fingerprint, mode: held ? "lapse" : "delete", now: yield* Clock.currentTimeMillis },
        })
      }),
  }
}
