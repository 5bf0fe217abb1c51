/**
 * Readiness checks for `GET /health/ready`: each dependency is probed concurrently with a timeout,
 * and the failure names every dependency that is down.
 */
import { Duration, Effect, Exit } from "effect"
import * as Problem from "./Problem.ts"

export const all = <R>(
  checks: Readonly<Record<string, Effect.Effect<unknown, unknown, R>>>,
  options?: { readonly timeout?: Duration.DurationInput },
): Effect.Effect<void, Problem.Problem, R> =>
  Effect.forEach(
    Object.entries(checks),
    ([name, check]) =>
      check.pipe(
        Effect.timeoutFail({ duration: options?.timeout ?? "2 seconds", onTimeout: () => "timed out" }),
        Effect.exit,
        Effect.map((exit) => ({ name, exit })),
      ),
    { concurrency: "unbounded" },
  ).pipe(
    Effect.flatMap((results) => {
      const down = results.flatMap(({ exit, name }) => Exit.isFailure(exit) ? [{ name, cause: exit.cause }] : [])
      if (down.length === 0) return Effect.void
      return Effect.forEach(down, ({ cause, name }) =>
        Effect.logWarning(`Readiness check failed: ${name}`, cause).pipe(Effect.annotateLogs("check", name))
      ).pipe(
        Effect.zipRight(
          Effect.fail(
            Problem.make({
              status: 503,
              type: "dependency-unavailable",
              detail: `Not ready: ${down.map((d) => d.name).join(", ")} unavailable`,
              errors: down.map(({ name }) => ({ path: name, message: "unavailable" })),
            }),
          ),
        ),
      )
    }),
  )
