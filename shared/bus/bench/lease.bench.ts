/**
 * What a lease renewed beside a short piece of work costs (`Lease.renewedWhile`: every relay pass
 * and notification; charges share a `Lease.keeper`), beside the work alone and beside the ways
 * Effect offers to run two things at once: a race of the work and the renewals (as `renewedWhile`
 * was until 2026-12-06), and a timeout (`Effect.timeoutFail`, as the outbox relay put around each
 * publish until then).
 *
 *   bun run bench:lease [-- --runs 20000]
 *
 * Each variant runs RUNS times, 16 at once, after as many unmeasured; the figure is this process's
 * CPU per run. The work is one resolved promise: the least a store call is.
 */
import { Effect } from "effect"
import * as Lease from "../src/Lease.ts"
import { BenchArguments } from "@flight/runtime/testing"

const RUNS = BenchArguments.number("runs", 20_000)
const work = Effect.promise(() => Promise.resolve(1))
const renewals = Effect.void.pipe(Effect.delay(Lease.renewalInterval("3 seconds")), Effect.forever)

const variants: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown>]> = [
  ["the work alone", work],
  ["Lease.renewedWhile", work.pipe(Lease.renewedWhile(Effect.void, "3 seconds", "bench"))],
  ["raced with its renewals", Effect.raceFirst(work, Effect.interruptible(renewals))],
  ["Effect.timeoutFail", work.pipe(Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => "timed out" }))],
]

const cpuPerRun = async (effect: Effect.Effect<unknown, unknown>) => {
  const all = Effect.forEach(Array.from({ length: RUNS }), () => effect, { concurrency: 16, discard: true })
  await Effect.runPromise(all)
  const before = process.cpuUsage()
  await Effect.runPromise(all)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / RUNS
}

const rows: Array<{ variant: string; cpuUsPerRun: number }> = []
for (const [variant, effect] of variants) rows.push({ variant, cpuUsPerRun: Number((await cpuPerRun(effect)).toFixed(1)) })
console.log(`${RUNS} runs each, 16 at once`)
console.table(rows)
