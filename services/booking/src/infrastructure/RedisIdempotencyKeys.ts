/**
 * The Idempotency-Keys of the booking POSTs on Redis: one record per key,
 * `booking:idempotency:{<hash of the key>}`, in a slot of its own (never touched by a flight's
 * script). A claim records the request's fingerprint for a while (SET NX); the response, once the
 * request succeeded, is kept `IdempotencyKey.retention`.
 */
import { IdempotencyKey } from "@flight/runtime"
import { Clock, DateTime, Duration, Effect, Option, Schema } from "effect"
import type { Redis } from "ioredis"
import type { BookingRepository, KeyClaim } from "../domain/BookingRepository.ts"
import { call } from "./RedisCall.ts"
import type { Keys } from "./RedisKeys.ts"
import * as RedisScript from "./RedisScript.ts"

/** How long an Idempotency-Key and its response are kept (Redis expires them): `IdempotencyKey.retention`. */
export const keyRetention = IdempotencyKey.retention

/** Deletes an Idempotency-Key's claim unless it recorded a response. */
const releaseKey = RedisScript.make({
  name: "releaseKey",
  lua: `
local json = redis.call("GET", KEYS[1])
if json and cjson.decode(json).response == cjson.null then return redis.call("DEL", KEYS[1]) end
return 0
`,
  keys: ["key"],
  args: [],
  reply: Schema.Number,
})

type Repository = BookingRepository["Type"]

/** Claims, records and releases of the keys, on the store's connection. */
export const make = (client: Redis, keys: Keys): Pick<Repository, "claimKey" | "recordKey" | "releaseKey"> => {
  const claimKey: Repository["claimKey"] = (key, fingerprint, pending) =>
    Effect.gen(function* () {
      const ttl = Math.max(1, DateTime.toEpochMillis(pending) - (yield* Clock.currentTimeMillis))
      const claimed = yield* call("claim key", () =>
        client.set(keys.key(key), JSON.stringify({ fingerprint, response: null }), "PX", ttl, "NX"))
      if (claimed === "OK") return { _tag: "Claimed" } satisfies KeyClaim
      const json = yield* call("claim key", () => client.get(keys.key(key)))
      // Gone between the two calls (its claim ran out): claim it again.
      if (json === null) return yield* claimKey(key, fingerprint, pending)
      const recorded = JSON.parse(json) as { fingerprint: string; response: string | null }
      return { _tag: "Recorded", fingerprint: recorded.fingerprint, response: Option.fromNullable(recorded.response) } satisfies KeyClaim
    })
  return {
    claimKey,
    recordKey: (key, fingerprint, response) =>
      Effect.asVoid(call("record key", () =>
        client.set(keys.key(key), JSON.stringify({ fingerprint, response }), "PX", Duration.toMillis(keyRetention)))),
    releaseKey: (key) => Effect.asVoid(RedisScript.run(client, releaseKey, { keys: { key: keys.key(key) }, args: {} })),
  }
}
