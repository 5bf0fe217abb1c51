/**
 * The rate-limit store: counts in this process's memory (one instance, the embedded mode), or
 * `RateLimiterRedis` (rate-limiter-flexible) over ioredis, where every gateway instance counts
 * against the same keys (one Lua script per request: INCRBY and the window's expiry, atomically).
 *
 * A Redis outage fails over to per-instance memory counts, with a warning: the budgets stay
 * enforced, only no longer shared (each instance allows the whole budget), and no request is
 * refused or delayed because the store is down. Readiness reports Redis down meanwhile.
 */
import { StoreError, StoreHealth, StoreUnavailable } from "@flight/runtime"
import { Clock, Context, Duration, Effect, Layer, Redacted, Ref, Runtime } from "effect"
import { Redis } from "ioredis"
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible"
import { type Budgets, type Charge, type PolicyName, PolicyNames, type Standing } from "../domain/RateLimitPolicy.ts"
import { RateLimitStore } from "../domain/RateLimitStore.ts"
import * as MemoryCounts from "./MemoryCounts.ts"

const windowSeconds = (budgets: Budgets, policy: PolicyName) => Math.max(1, Math.round(Duration.toSeconds(budgets[policy].window)))

const standingOf = (budgets: Budgets, policy: PolicyName, consumed: number, msBeforeNext: number): Standing => {
  const budget = budgets[policy]
  return { policy, budget, remaining: Math.max(budget.points - consumed, 0), reset: Duration.millis(msBeforeNext), exceeded: consumed > budget.points }
}

/** Every budget counted in this process's memory, synchronously. */
const memoryCounts = (budgets: Budgets): ((charges: ReadonlyArray<Charge>) => ReadonlyArray<Standing>) => {
  const counters = Object.fromEntries(PolicyNames.map((policy) => [policy, MemoryCounts.make(windowSeconds(budgets, policy) * 1000)])) as Record<
    PolicyName,
    ReturnType<typeof MemoryCounts.make>
  >
  return (charges) =>
    charges.map((charge) => {
      const { consumed, msBeforeNext } = counters[charge.policy].count(charge.key)
      return standingOf(budgets, charge.policy, consumed, msBeforeNext)
    })
}

/** The standing after Redis's `consume`: resolved within the budget, rejected with a `RateLimiterRes` over it; a store error rejects. */
const spendInRedis = (budgets: Budgets, limiter: RateLimiterRedis, charge: Charge): Promise<Standing> =>
  limiter.consume(charge.key).then(
    (res) => standingOf(budgets, charge.policy, res.consumedPoints, res.msBeforeNext),
    (error: unknown) => {
      if (error instanceof RateLimiterRes) return standingOf(budgets, charge.policy, error.consumedPoints, error.msBeforeNext)
      throw error
    },
  )

export const inMemoryName = "in-memory"

/** Counts in this process only. */
export const memory = (budgets: Budgets): Layer.Layer<RateLimitStore | StoreHealth> => {
  const spend = memoryCounts(budgets)
  return Layer.merge(
    Layer.succeed(RateLimitStore, { name: inMemoryName, consume: (charges) => Effect.sync(() => spend(charges)), spend }),
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
    ])) as Record<PolicyName, RateLimiterRedis>
    const fallback = memoryCounts(budgets)
    const runtime = yield* Effect.runtime<never>()
    const lastWarning = yield* Ref.make(Number.NEGATIVE_INFINITY)
    const warn = (error: unknown) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const due = yield* Ref.modify(lastWarning, (last) => now - last >= Duration.toMillis(warningInterval) ? [true, now] : [false, last])
        if (due) {
          yield* Effect.logWarning(
            `Rate-limit store ${name} unavailable: counting in this instance's memory until it answers (${StoreError.reasonOf(error)})`,
          )
        }
      })
    const spend = async (charges: ReadonlyArray<Charge>): Promise<ReadonlyArray<Standing>> => {
      let failure: unknown = undefined
      const standings = await Promise.all(charges.map((charge) =>
        spendInRedis(budgets, redis[charge.policy], charge).catch((error: unknown) => {
          failure = error
          return fallback([charge])[0]!
        })
      ))
      if (failure !== undefined) await Runtime.runPromise(runtime)(warn(failure))
      return standings
    }
    const consume = (charges: ReadonlyArray<Charge>): Effect.Effect<ReadonlyArray<Standing>> => Effect.promise(() => spend(charges))
    const check = Effect.tryPromise({ try: () => client.ping(), catch: (cause) => new StoreUnavailable({ store: "redis", reason: String(cause), cause }) }).pipe(
      Effect.asVoid,
    )
    return { store: { name, consume, spend }, health: { name: "redis", check } }
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
      catch: (cause) => new StoreUnavailable({ store: "redis", reason: StoreError.reasonOf(cause), cause }),
    }).pipe(
      Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new StoreUnavailable({ store: "redis", reason: "no connection within 10 seconds" }) }),
      Effect.tapError(() => Effect.sync(() => client.disconnect())),
    )
    const { health, store } = yield* onClient(client, budgets, prefix, `Redis ${address(url)}`)
    return Context.make(RateLimitStore, store).pipe(Context.add(StoreHealth, health))
  }))
