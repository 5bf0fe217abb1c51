/**
 * A Lua script as the store calls it: its KEYS and ARGV named, put in the order the Lua reads them
 * in one place (the script's `make`), and its reply decoded by a Schema, so a caller writes
 * `{ keys: { booking, seats }, args: { now } }` and gets a typed answer, never positions and raw
 * strings. A script may end its KEYS (`moreKeys`) or its ARGV (`moreArgs`) with a list of any length.
 */
import { createHash } from "node:crypto"
import { CompiledParser } from "@flight/contracts"
import { Effect, Schema } from "effect"
import type { Redis } from "ioredis"
import { BookingStoreError } from "../domain/BookingRepository.ts"
import { call } from "./RedisCall.ts"

type Arg = string | number

/** A script's named KEYS and ARGV: one value each, a list for the last when it takes any number. */
export interface Input<K extends string, A extends string, MK extends string, MA extends string> {
  readonly keys: { readonly [N in K]: string } & { readonly [N in MK]: ReadonlyArray<string> }
  readonly args: { readonly [N in A]: Arg } & { readonly [N in MA]: ReadonlyArray<Arg> }
}

export interface Script<In, Out> {
  readonly name: string
  readonly lua: string
  readonly sha: string
  /** KEYS and ARGV in the Lua's order. */
  readonly lists: (input: In) => { readonly keys: ReadonlyArray<string>; readonly args: ReadonlyArray<Arg> }
  /** The reply as the script's Schema reads it; any other is the store's error (not transient: Redis answered). */
  readonly decode: (reply: unknown) => Effect.Effect<Out, BookingStoreError>
}

/** The input of a script, as its callers name it. */
export type InputOf<S> = S extends Script<infer In, unknown> ? In : never

export const make = <
  const K extends string,
  const A extends string,
  Out,
  Encoded,
  const MK extends string = never,
  const MA extends string = never,
>(spec: {
  readonly name: string
  readonly lua: string
  readonly keys: ReadonlyArray<K>
  readonly moreKeys?: MK
  readonly args: ReadonlyArray<A>
  readonly moreArgs?: MA
  readonly reply: Schema.Schema<Out, Encoded>
}): Script<Input<K, A, MK, MA>, Out> => {
  // Every call of every script decodes its reply: compiled (`CompiledParser`, Effect's answers).
  const decode = CompiledParser.decoder(spec.reply)
  return {
    name: spec.name,
    lua: spec.lua,
    sha: createHash("sha1").update(spec.lua).digest("hex"),
    lists: ({ args, keys }) => ({
      keys: [
        ...spec.keys.map((name) => keys[name] as string),
        ...(spec.moreKeys === undefined ? [] : keys[spec.moreKeys] as ReadonlyArray<string>),
      ],
      args: [
        ...spec.args.map((name) => args[name] as Arg),
        ...(spec.moreArgs === undefined ? [] : args[spec.moreArgs] as ReadonlyArray<Arg>),
      ],
    }),
    decode: (reply) =>
      decode(reply).pipe(Effect.mapError((error) =>
        new BookingStoreError({ operation: spec.name, reason: `unexpected answer: ${error.message}`, transient: false })
      )),
  }
}

export const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith("NOSCRIPT")

/**
 * Sends the script by its SHA-1 (EVALSHA), at once, so it keeps its place among the connection's
 * commands; when Redis does not have it (restarted, flushed) it is sent again in full (EVAL), and
 * then ran `late`: after whatever was sent behind the EVALSHA.
 */
export const evaluate = <In>(
  client: Redis,
  script: Script<In, unknown>,
  input: NoInfer<In>,
): Promise<{ readonly reply: unknown; readonly late: boolean }> => {
  const { args, keys } = script.lists(input)
  return client.evalsha(script.sha, keys.length, ...keys, ...args).then(
    (reply) => ({ reply, late: false }),
    (error: unknown) =>
      isNoScript(error)
        ? client.eval(script.lua, keys.length, ...keys, ...args).then((reply) => ({ reply, late: true }))
        : Promise.reject(error),
  )
}

/** Runs the script and decodes its reply: a failure of Redis or an unexpected reply is the store's error. */
export const run = <In, Out>(client: Redis, script: Script<In, Out>, input: NoInfer<In>): Effect.Effect<Out, BookingStoreError> =>
  Effect.flatMap(call(script.name, () => evaluate(client, script, input)), ({ reply }) => script.decode(reply))
