import { describe, expect } from "bun:test"
import { InProcessBus, MessageBus } from "@flight/bus"
import { EffectTest, Problem } from "@flight/runtime"
import { Effect, Layer, Logger } from "effect"
import * as FlightApi from "../src/api/FlightApi.ts"
import { HealthCheck } from "../src/application/HealthCheck.ts"
import { StoreHealth, StoreUnavailable } from "../src/domain/StoreHealth.ts"
import * as InMemoryStore from "../src/infrastructure/InMemoryStore.ts"

// Readiness logs what is down; the tests check the response instead.
const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

const downStore = Layer.succeed(StoreHealth, {
  name: "mongodb",
  check: Effect.fail(new StoreUnavailable({ store: "mongodb", reason: "connection refused" })),
})

/** The API on an in-process bus and the given store, as the service composes it. */
const api = (store: Layer.Layer<StoreHealth> = InMemoryStore.layer) =>
  Effect.gen(function* () {
    const { bus, controls } = yield* InProcessBus.make()
    const runtime = yield* Layer.toRuntime(
      HealthCheck.Default.pipe(Layer.provide(store), Layer.provide(Layer.succeed(MessageBus, bus))),
    )
    const app = FlightApi.make(runtime)
    const get = (path: string) => Effect.promise(async () => app.fetch(new Request(`http://flight.test${path}`)))
    return { get, controls }
  })

describe("flight HTTP API", () => {
  EffectTest.effect("GET /health/live answers 200", () =>
    Effect.gen(function* () {
      const { get } = yield* api()
      const response = yield* get("/health/live")
      expect(response.status).toBe(200)
      expect(yield* Effect.promise(() => response.json())).toEqual({ status: "ok" })
    }), { layer: quiet })

  EffectTest.effect("GET /health/ready answers 200 with the in-memory store and the in-process bus", () =>
    Effect.gen(function* () {
      const { get } = yield* api()
      expect((yield* get("/health/ready")).status).toBe(200)
    }), { layer: quiet })

  EffectTest.effect("GET /health/ready answers a 503 problem naming the message bus when it is down", () =>
    Effect.gen(function* () {
      const { controls, get } = yield* api()
      yield* controls.setAvailable(false)
      const response = yield* get("/health/ready")
      expect(response.status).toBe(503)
      expect(response.headers.get("content-type")).toContain(Problem.contentType)
      const body = (yield* Effect.promise(() => response.json())) as Problem.Body
      expect(body.type).toBe("dependency-unavailable")
      expect(body.errors).toEqual([{ path: "message-bus", message: "unavailable" }])
      yield* controls.setAvailable(true)
      expect((yield* get("/health/ready")).status).toBe(200)
    }), { layer: quiet })

  EffectTest.effect("GET /health/ready answers a 503 problem naming the store when its check fails", () =>
    Effect.gen(function* () {
      const { get } = yield* api(downStore)
      const response = yield* get("/health/ready")
      expect(response.status).toBe(503)
      expect(response.headers.get("content-type")).toContain(Problem.contentType)
      const body = (yield* Effect.promise(() => response.json())) as Problem.Body
      expect(body.detail).toContain("mongodb")
      expect(body.errors).toEqual([{ path: "mongodb", message: "unavailable" }])
    }), { layer: quiet })

  EffectTest.effect("GET /openapi.json describes the flight service", () =>
    Effect.gen(function* () {
      const { get } = yield* api()
      const response = yield* get("/openapi.json")
      expect(response.status).toBe(200)
      const document = (yield* Effect.promise(() => response.json())) as {
        openapi: string
        info: { title: string }
        paths: Record<string, unknown>
      }
      expect(document.openapi).toStartWith("3.1")
      expect(document.info.title).toBe("flight service")
      expect(Object.keys(document.paths)).toContain("/health/ready")
    }), { layer: quiet })

  EffectTest.effect("GET /metrics answers Prometheus text", () =>
    Effect.gen(function* () {
      const { get } = yield* api()
      const response = yield* get("/metrics")
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain("text/plain")
    }), { layer: quiet })
})
