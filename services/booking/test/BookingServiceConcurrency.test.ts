/** The running booking service under concurrent requests for the same seats: each seat is booked once. */
import { expect } from "bun:test"
import { Effect } from "effect"
import { it, newClient, onEachEnvironment, running } from "./support/RunningService.ts"

onEachEnvironment("concurrent bookings", (environment) => {
  it("300 concurrent requests from 300 clients for the last 20 seats: exactly 20 bookings, 280 conflicts, no seat twice", () =>
    Effect.gen(function* () {
      const { book, count, seats } = yield* running(environment)
      expect((yield* book([{}, {}])).status).toBe(201)
      expect((yield* book([{}, {}])).status).toBe(201)
      const answers = yield* Effect.forEach(Array.from({ length: 300 }), () => book([{}], {}, newClient()), { concurrency: 300 })
      const booked = answers.filter((answer) => answer.status === 201)
      expect(booked).toHaveLength(20)
      expect(answers.filter((answer) => answer.status === 409 && answer.body.type === "seats-unavailable")).toHaveLength(280)
      const taken = booked.map((answer) => answer.body.passengers[0].seat as string)
      expect(new Set(taken).size).toBe(20)
      expect(yield* count("free")).toBe(0)
      expect((yield* seats).length).toBe(24)
    }), 60_000)

  it("10 concurrent requests for the same named seat: one booking", () =>
    Effect.gen(function* () {
      const { book, count } = yield* running(environment)
      const answers = yield* Effect.forEach(Array.from({ length: 10 }), () => book([{ seat: "12C" }]), { concurrency: 10 })
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1)
      expect(answers.filter((answer) => answer.status === 409)).toHaveLength(9)
      expect(yield* count("held")).toBe(1)
    }))
})
