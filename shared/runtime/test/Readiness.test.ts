import { describe, expect, test } from "bun:test"
import { Effect, Exit } from "effect"
import { Readiness } from "../src/index.ts"

describe("Readiness.all", () => {
  test("succeeds when every check succeeds", async () => {
    expect(Exit.isSuccess(await Effect.runPromiseExit(Readiness.all({ redis: Effect.void, broker: Effect.succeed(1) }))))
      .toBe(true)
  })

  test("fails with a 503 problem listing each dependency that failed, died or timed out", async () => {
    const exit = await Effect.runPromiseExit(
      Readiness.all(
        { redis: Effect.fail("refused"), broker: Effect.void, mongodb: Effect.die("boom"), postgres: Effect.never },
        { timeout: "50 millis" },
      ),
    )
    if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") throw new Error("expected a Problem")
    const problem = exit.cause.error
    expect(problem.status).toBe(503)
    expect(problem.type).toBe("dependency-unavailable")
    expect(problem.errors?.map((e) => e.path)).toEqual(["redis", "mongodb", "postgres"])
  })
})
