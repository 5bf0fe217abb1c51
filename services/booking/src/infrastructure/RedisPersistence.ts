/**
 * Whether the booking store's Redis keeps anything on disk. The store is the seats' source of truth
 * (decision 10): a Redis with neither the append-only file (`appendonly`) nor snapshots (`save`)
 * forgets every hold, booking and sold seat when it restarts. In production (APP_ENV=production) the
 * service asks at start and warns; it starts all the same, since the operator may have reasons
 * (a replica that persists, a store being tried out), and says so where they will look.
 */
import { AppConfig, StoreError } from "@flight/runtime"
import { Effect } from "effect"
import type { Redis } from "ioredis"

export type Persistence =
  | { readonly _tag: "OnDisk"; readonly appendonly: string; readonly save: string }
  | { readonly _tag: "Nothing" }
  | { readonly _tag: "Unverified"; readonly reason: string }

/** From Redis' `appendonly` ("yes" or "no") and `save` ("" when no snapshot is ever taken). */
export const persistenceOf = (appendonly: string, save: string): Persistence =>
  appendonly.trim().toLowerCase() === "no" && save.trim() === ""
    ? { _tag: "Nothing" }
    : { _tag: "OnDisk", appendonly, save }

/** A CONFIG GET reply, `[name, value]`, read as its value. */
const valueOf = (parameter: string, reply: unknown): string => {
  if (Array.isArray(reply) && reply.length === 2 && typeof reply[1] === "string") return reply[1]
  throw new Error(`unexpected reply to CONFIG GET ${parameter}: ${JSON.stringify(reply)}`)
}

const { reasonOf } = StoreError

/**
 * Asks the server with CONFIG GET. Where CONFIG is refused (a managed Redis, an ACL without it) or
 * does not answer, the persistence is Unverified, with the reason.
 */
export const inspect = (client: Redis): Effect.Effect<Persistence> =>
  // Layers are built uninterruptibly: without this, the timeout would wait for the answer it races.
  Effect.interruptible(Effect.tryPromise({
    try: async () => {
      const [appendonly, save] = await Promise.all([client.config("GET", "appendonly"), client.config("GET", "save")])
      return persistenceOf(valueOf("appendonly", appendonly), valueOf("save", save))
    },
    catch: reasonOf,
  })).pipe(
    Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "no answer in 5 s" }),
    Effect.catchAll((reason) => Effect.succeed<Persistence>({ _tag: "Unverified", reason })),
  )

const risk = "the booking store is the seats' source of truth: a restart of Redis would lose every hold, booking and sold seat"

/** The warning for `persistence`, none when Redis keeps the store on disk. */
export const warningOf = (persistence: Persistence, address: string): string | undefined => {
  switch (persistence._tag) {
    case "OnDisk":
      return undefined
    case "Nothing":
      return `Redis at ${address} keeps nothing on disk (appendonly no, save ""): ${risk}. ` +
        "Turn on the append-only file (appendonly yes) or snapshots (save)"
    case "Unverified":
      return `Whether Redis at ${address} keeps the booking store on disk could not be verified ` +
        `(CONFIG GET: ${persistence.reason}): ${risk} if it keeps nothing. Check appendonly and save on the server`
  }
}

/** In production, warns at start when the store's Redis keeps nothing on disk, or cannot tell. */
export const warnInProduction = (client: Redis, address: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    // The service's configuration has already refused a wrong APP_ENV before the store starts.
    if ((yield* Effect.orDie(AppConfig.appEnv)) !== "production") return
    const persistence = yield* inspect(client)
    const warning = warningOf(persistence, address)
    if (warning === undefined) return
    yield* Effect.logWarning(warning).pipe(Effect.annotateLogs({ redis: address, persistence: persistence._tag }))
  })
