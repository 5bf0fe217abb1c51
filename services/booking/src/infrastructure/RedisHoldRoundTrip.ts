/**
 * A hold in one round trip. Besides its script, a hold writes global keys (decision 10), each in a
 * slot of its own: before the script, the booking's flight (`where`), its reference (claimed before,
 * maybe reserved ahead: `RedisReferences`), the expiry index, the owner's index and the
 * outbox's dirty mark; after it, the dirty mark again. They are not awaited one after
 * the other but sent on the store's one connection in one go, in that order: Redis applies a
 * connection's commands in the order they came, so the writes before are applied before the script
 * and the mark after once the script has committed, as decision 10 orders them for crash-safety,
 * for one round trip instead of three.
 *
 * The script is sent by its SHA-1 (EVALSHA). When Redis no longer has it (restarted, flushed), it is
 * sent again in full: that EVAL comes after the mark sent behind the EVALSHA, so the caller marks
 * the flight again (`late`). A write before that failed while the script held is for the caller to
 * write again (`failed`): a booking must be found by its id and expire.
 */
import type { Redis } from "ioredis"
import * as RedisHoldScript from "./RedisHoldScript.ts"
import type { Keys } from "./RedisKeys.ts"
import * as RedisScript from "./RedisScript.ts"

/** What the global keys say of a new booking. */
export interface HoldIndexes {
  readonly flight: string
  readonly id: string
  /** The booking's reference, whose key names the booking (claimed before, maybe ahead: `RedisReferences`). */
  readonly reference: string
  readonly owner: string | null
  /** Hold expiry (ms), the expiry index's score. */
  readonly expiresAt: number
  /** Creation time (ms), the owner's index's score. */
  readonly createdAt: number
}

export interface Sent {
  /** The hold script's reply, undecoded. */
  readonly reply: unknown
  /** The writes before the script that failed (none, mostly). */
  readonly failed: ReadonlyArray<Error>
  /** The script ran only after the mark sent behind it (NOSCRIPT, then EVAL), or that mark failed: mark again. */
  readonly markAgain: boolean
}

const settled = (sent: Promise<unknown>): Promise<Error | null> =>
  sent.then(() => null, (error: unknown) => (error instanceof Error ? error : new Error(String(error))))

/** The writes that precede a hold (idempotent but for the mark, which only counts up). */
export const before = (client: Redis, keys: Keys, indexes: HoldIndexes): Array<Promise<unknown>> => {
  const member = `${indexes.flight}/${indexes.id}`
  return [
    client.set(keys.where(indexes.id), indexes.flight),
    client.set(keys.reference(indexes.reference), indexes.id),
    client.zadd(keys.expiring, indexes.expiresAt, member),
    client.zincrby(keys.dirty, 1, indexes.flight),
    ...(indexes.owner === null ? [] : [client.zadd(keys.owner(indexes.owner), indexes.createdAt, member)]),
  ]
}

/**
 * Sends the writes before, the hold script and the mark after, in this order, and answers when all
 * have answered. Fails only when the script fails.
 */
export const send = async (client: Redis, keys: Keys, indexes: HoldIndexes, hold: RedisHoldScript.Input): Promise<Sent> => {
  const writes = before(client, keys, indexes).map(settled)
  const script = RedisScript.evaluate(client, RedisHoldScript.hold, hold)
  const markAfter = settled(client.zincrby(keys.dirty, 1, indexes.flight))
  const [failed, { late, reply }, markFailed] = await Promise.all([Promise.all(writes), script, markAfter])
  return { reply, failed: failed.filter((error): error is Error => error !== null), markAgain: late || markFailed !== null }
}
