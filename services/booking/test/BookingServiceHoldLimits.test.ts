/** The running booking service's holding limit: one email, or one client address behind the proxy, holds 9 seats at most. */
import { expect } from "bun:test"
import { Effect } from "effect"
import { it, newClient, onEachEnvironment, running } from "./support/RunningService.ts"

onEachEnvironment("holding limits", (environment) => {
  it("20 concurrent one-seat bookings with one email from 20 addresses: exactly 9 held, 11 answer 429 too-many-holds", () =>
    Effect.gen(function* () {
      const { book, client, count } = yield* running(environment)
      const answers = yield* Effect.forEach(Array.from({ length: 20 }), () => book([{}], {}, { ...newClient(), email: client.email }), {
        concurrency: 20,
      })
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(9)
      const refused = answers.filter((answer) => answer.status === 429 && answer.body.type === "too-many-holds")
      expect(refused).toHaveLength(11)
      expect(yield* count("held")).toBe(9)
    }))

  it("20 concurrent one-seat bookings from one client address through the proxy, each with its own email: exactly 9 held", () =>
    Effect.gen(function* () {
      const { book, client, count } = yield* running(environment)
      const answers = yield* Effect.forEach(Array.from({ length: 20 }), () => book([{}], {}, { ...newClient(), address: client.address }), {
        concurrency: 20,
      })
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(9)
      expect(answers.filter((answer) => answer.status === 429)).toHaveLength(11)
      expect(yield* count("held")).toBe(9)
      // A client elsewhere still books.
      expect((yield* book([{}], {}, newClient())).status).toBe(201)
    }))
})
