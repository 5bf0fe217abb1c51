/**
 * The rate-limit store on rate-limiter-flexible: `RateLimiterMemory` in the process (one instance,
 * the embedded mode), or `RateLimiterRedis` over ioredis, where every gateway instance counts
 * against the same keys (one Lua script per request: INCRBY and the window's expiry, atomically).
 *
 * A Redis outage fails over to per-instance memory counts, with a warning: the budgets stay
 * enforced, only no longer shared (each instance allows the whole budget), and no request is
 * refused or delayed because the store is down. Readiness reports Redis down meanwhile.
 */
import { StoreHealth, StoreUnavailable } from "@flight/runtime"
import { Clock, Context, Duration, Effect, Layer, Redacted, Ref, Runtime } from "effect"
import { Redis } from "ioredis"
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"
import { type Budgets, type Charge, type PolicyName, PolicyNames, type Standing } from "../domain/RateLimitPolicy.ts"
import { RateLimitStore } from "../domain/RateLimitStore.ts"

interface Limiter {
  readonly consume: (key: string, points?: number) => Promise<RateLimiterRes>
}

const windowSeconds = (budgets: Budgets, policy: PolicyName) => Math.max(1, Math.round(Duration.toSeconds(budgets[policy].window)))

const memoryLimiters = (budgets: Budgets, prefix: string): Record<PolicyName, Limiter> =>
  Object.fromEntries(PolicyNames.map((policy) => [
    policy,
    new RateLimiterMemory({ keyPrefix: `${prefix}:${policy}`, points: budgets[policy].points, duration: windowSeconds(budgets, policy) }),
  ])) as unknown as Record<PolicyName, Limiter>

/** The standing after `consume`: resolved within the budget, rejected with a `RateLimiterRes` over it; a store error rejects. */
const spend = (budgets: Budgets, limiter: Limiter, charge: Charge): Promise<Standing> => {
  const standing = (res: RateLimiterRes, exceeded: boolean): Standing => ({
    policy: charge.policy,
    budget: budgets[charge.policy],
    remaining: res.remainingPoints,
    reset: Duration.millis(res.msBeforeNext),
    exceeded,
  })
  return limiter.consume(charge.key).then(
    (res) => standing(res, false),
    (error: unknown) => {
      if (error instanceof RateLimiterRes) return standing(error, true)
      throw error
    },
  )
}

export const inMemoryName = "in-memory"

/** Counts in this process only. */
export const memory = (budgets: Budgets, prefix = "gateway:ratelimit"): Layer.Layer<RateLimitStore | StoreHealth> => {
  const limiters = memoryLimiters(budgets, prefix)
  return Layer.merge(
    Layer.succeed(RateLimitStore, {
      name: inMemoryName,
      consume: (charges) => Effect.promise(() => Promise.all(charges.map((charge) => spend(budgets, limiters[charge.policy], charge)))),
    }),
    Layer.succeed(StoreHealth, { name: inMemoryName, check: Effect.void }),
  )
}

/** Host and port only: what the logs may say about the server, never its credentials. */
export const address = (url: Redacted.Redacted<URL>): string => {
  const { hostname, port } = Redacted.value(url)
  return `${hostname}:${port === "" ? "6379" : port}`
}

/** How long one count may take in Redis (ioredis's command timeout) before the memory counts answer instead. */
export const commandTimeout = Duration.millis(250)

/** After a failover warning, the next one waits this long, so an outage is not logged per request. */
export const warningInterval = Duration.seconds(10)

/**
 * Counts in Redis through `client` (connected by the caller), failing over to memory counts while
 * Redis does not answer. Exposed for tests, which break the connection on purpose.
 */
export const onClient = (client: Redis, budgets: Budgets, prefix: string, name: string) =>
  Effect.gen(function* () {
    const redis = Object.fromEntries(PolicyNames.map((policy) => [
      policy,
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${prefix}:${policy}`,
        points: budgets[policy].points,
        duration: windowSeconds(budgets, policy),
        // While disconnected, answer at once (from memory) rather than queue behind ioredis's reconnection.
        rejectIfRedisNotReady: true,
      }),
    ])) as unknown as Record<PolicyName, Limiter>
    const fallback = memoryLimiters(budgets, prefix)
    const lastWarning = yield* Ref.make(Number.NEGATIVE_INFINITY)
    const warn = (error: unknown) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const due = yield* Ref.modify(lastWarning, (last) => now - last >= Duration.toMillis(warningInterval) ? [true, now] : [false, last])
        if (due) {
          yield* Effect.logWarning(
            `Rate-limit store ${name} unavailable: counting in this instance's memory until it answers (${error instanceof Error ? error.message : String(error)})`,
          )
        }
      })
    const consume = (charges: ReadonlyArray<Charge>): Effect.Effect<ReadonlyArray<Standing>> =>
      Effect.flatMap(
        Effect.promise(async () => {
          let failure: unknown = undefined
          const standings = await Promise.all(charges.map((charge) =>
            spend(budgets, redis[charge.policy], charge).catch((error: unknown) => {
              failure = error
              return spend(budgets, fallback[charge.policy], charge)
            })
          ))
          return { standings, failure }
        }),
        ({ failure, standings }) => failure === undefined ? Effect.succeed(standings) : Effect.as(warn(failure), standings),
      )
    const check = Effect.tryPromise({ try: () => client.ping(), catch: (cause) => new StoreUnavailable({ store: "redis", reason: String(cause), cause }) }).pipe(
      Effect.asVoid,
    )
    return { store: { name, consume }, health: { name: "redis", check } }
  })

/** Redis at `url`: connected at start (at most 10 s, so a wrong REDIS_URL stops the start), QUIT at the end. */
export const redis = (url: Redacted.Redacted<URL>, budgets: Budgets, prefix: string): Layer.Layer<RateLimitStore | StoreHealth, StoreUnavailable> =>
  Layer.scopedContext(Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new Redis(Redacted.value(url).href, { lazyConnect: true, connectionName: "gateway", commandTimeout: Duration.toMillis(commandTimeout), maxRetriesPerRequest: 1 })),
      (client) => Effect.promise(() => client.quit().catch(() => client.disconnect())),
    )
    // ioredis reports every failed reconnection; the failover logs the outage, so these are for debugging.
    client.on("error", (error: Error) => Runtime.runFork(runtime)(Effect.logDebug(`Redis connection error: ${error.message}`)))
    yield* Effect.tryPromise({
      try: () => client.connect(),
      catch: (cause) => new StoreUnavailable({ store: "redis", reason: cause instanceof Error ? cause.message : String(cause), cause }),
    }).pipe(
      Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new StoreUnavailable({ store: "redis", reason: "no connection within 10 seconds" }) }),
      Effect.tapError(() => Effect.sync(() => client.disconnect())),
    )
    const { health, store } = yield* onClient(client, budgets, prefix, `Redis ${address(url)}`)
    return Context.make(RateLimitStore, store).pipe(Context.add(StoreHealth, health))
  }))
