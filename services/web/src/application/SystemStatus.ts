/**
 * The admin's view of the system (`/ops/system`), every figure asked at the one origin with the
 * admin's token: the services' readiness (the gateway asks each), and per message-bus service its
 * queue, its dead letters with their reasons, and its outbox (from its metrics); replaying one dead
 * letter onto its queue.
 */
import { Spans } from "@flight/runtime"
import { Effect, type Either } from "effect"
import { Api } from "../domain/Api.ts"
import type { ApiProblem } from "../domain/ApiProblem.ts"
import * as BusStatus from "../domain/BusStatus.ts"
import { type BusService, busServices, type DeadLetterQueue, type SystemReadiness } from "../domain/SystemResources.ts"

/** How many dead letters of a service the page lists. */
export const deadLettersShown = 50

export interface ServiceQueue {
  readonly service: BusService
  /** What the service's metrics tell of its outbox and dead-lettered counts; null when they were not readable (with `metricsStatus`). */
  readonly bus: BusStatus.BusStatus | null
  readonly metricsStatus: number
  readonly queue: Either.Either<DeadLetterQueue, ApiProblem>
}

export interface Overview {
  readonly readiness: Either.Either<SystemReadiness, ApiProblem>
  readonly queues: ReadonlyArray<ServiceQueue>
}

const queueOf = (token: string, service: BusService) =>
  Effect.gen(function* () {
    const api = yield* Api
    const [metrics, queue] = yield* Effect.all([
      api.text(`/api/operations/${service}/metrics`, token),
      Effect.either(Effect.map(
        api.request<DeadLetterQueue>({ method: "GET", path: `/api/operations/${service}/dead-letters?limit=${deadLettersShown}`, token }),
        (answer) => answer.body,
      )),
    ], { concurrency: "unbounded" })
    return {
      service,
      bus: metrics.status === 200 ? BusStatus.parse(metrics.body) : null,
      metricsStatus: metrics.status,
      queue,
    } satisfies ServiceQueue
  })

/** Everything the system page shows, asked at once. */
export const overview = Spans.fn("SystemStatus.overview")(function* (token: string) {
  const api = yield* Api
  const [readiness, queues] = yield* Effect.all([
    Effect.either(Effect.map(api.request<SystemReadiness>({ method: "GET", path: "/api/operations/readiness", token }), (answer) => answer.body)),
    Effect.forEach(busServices, (service) => queueOf(token, service), { concurrency: "unbounded" }),
  ], { concurrency: "unbounded" })
  return { readiness, queues } satisfies Overview
})

/** Moves one dead letter of `service` back onto its queue. */
export const replay = Spans.fn("SystemStatus.replay")(function* (token: string, service: BusService, id: string) {
  const api = yield* Api
  yield* api.request<{ readonly replayed: number }>({
    method: "POST",
    path: `/api/operations/${service}/dead-letters/${encodeURIComponent(id)}/replay`,
    token,
  })
})
