/** The running booking service under concurrent requests with one Idempotency-Key: one booking, replayed. */
import { expect } from "bun:test"
import { Effect } from "effect"
import { it, onEachEnvironment, running } from "./support/RunningService.ts"

onEachEnvironment("Idempotency-Key", (environment) => {
  it("an Idempotency-Key replays the first response and holds once; another request under it is a 422", () =>
    Effect.gen(function* () {
      const { book, count } = yield* running(environment)
      const key = { "idempotency-key": `key-${Bun.randomUUIDv7()}` }
      const answers = yield* Effect.forEach(Array.from({ length: 5 }), () => book([{}, {}], key), { concurrency: 5 })
      const ok = answers.filter((answer) => answer.status === 201)
      expect(ok.length).toBeGreaterThanOrEqual(1)
      expect(new Set(ok.map((answer) => answer.body.id)).size).toBe(1)
      expect(yield* count("held")).toBe(2)
      const again = yield* book([{}, {}], key)
      expect(again.status).toBe(201)
      expect(again.body).toEqual(ok[0]!.body)
      const other = yield* book([{}], key)
      expect(other.status).toBe(422)
      expect(other.body.type).toBe("idempotency-key-reused")
    }))
})
