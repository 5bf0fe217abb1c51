/**
 * A hold in one round trip. Besides its script, a hold writes global keys (decision 10), each in a
 * slot of its own: before the script, the booking's flight (`where`), its reference (claimed before,
 * maybe reserved ahead: `RedisReferences`), the expiry index, the owner's index and the
 * outbox's dirty mark; after it, the dirty mark again. They are not awaited one after
 * the other but sent on the store's one connection in one go, in that order: Redis applies a
 * connection's commands in the order they came, so the writes before are applied before the script
 * and the mark after once the script has committed, as decision 10 orders them for crash-safety,
 * for one round trip instead of three. They go as one pipeline, answered all at once: a promise for
 * each command (and one more to catch each write's failure) cost a booking more than the commands'
 * own work in this process (docs/benchmarks.md, "Spans in fewer steps").
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

/** Where the writes before a hold go: the client (a promise each) or a pipeline (chained). */
interface Writes<T> {
  set(key: string, value: string): T
  zadd(key: string, score: number, member: string): T
  zincrby(key: string, increment: number, member: string): T
}

/** The writes that precede a hold (idempotent but for the mark, which only counts up), in their order. */
const writesBefore = <T>(target: Writes<T>, keys: Keys, indexes: HoldIndexes): Array<T> => {
  const member = `${indexes.flight}/${indexes.id}`
  return [
    target.set(keys.where(indexes.id), indexes.flight),
    target.set(keys.reference(indexes.reference), indexes.id),
    target.zadd(keys.expiring, indexes.expiresAt, member),
    target.zincrby(keys.dirty, 1, indexes.flight),
    ...(indexes.owner === null ? [] : [target.zadd(keys.owner(indexes.owner), indexes.createdAt, member)]),
  ]
}

/** The writes that precede a hold, each sent on its own (written again after one failed, or for a replay). */
export const before = (client: Redis, keys: Keys, indexes: HoldIndexes): Array<Promise<unknown>> =>
  writesBefore<Promise<unknown>>(client, keys, indexes)

/**
 * Sends the writes before, the hold script and the mark after, in this order, in one pipeline (one
 * write to the connection and one answer for all, rather than a promise for each command), and
 * answers when all have answered. Fails only when the script fails.
 */
export const send = async (client: Redis, keys: Keys, indexes: HoldIndexes, hold: RedisHoldScript.Input): Promise<Sent> => {
  const { args, keys: scriptKeys } = RedisHoldScript.hold.lists(hold)
  const pipeline = client.pipeline()
  writesBefore<unknown>(pipeline, keys, indexes)
  pipeline.evalsha(RedisHoldScript.hold.sha, scriptKeys.length, ...scriptKeys, ...args).zincrby(keys.dirty, 1, indexes.flight)
  const replies = (await pipeline.exec()) ?? []
  const writes = replies.length - 2
  const failed = replies.slice(0, writes).flatMap(([error]) => (error === null ? [] : [error]))
  const [scriptError, scriptReply] = replies[writes] ?? [new Error("no answer to the hold script"), null]
  const [markError] = replies[writes + 1] ?? [new Error("no answer to the mark")]
  if (scriptError === null) return { reply: scriptReply, failed, markAgain: markError !== null }
  if (!RedisScript.isNoScript(scriptError)) throw scriptError
  // Redis no longer has the script: sent in full, after the mark sent behind it, which is made again.
  const reply = await client.eval(RedisHoldScript.hold.lua, scriptKeys.length, ...scriptKeys, ...args)
  return { reply, failed, markAgain: true }
}
