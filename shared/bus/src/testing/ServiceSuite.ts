/**
 * The behaviour every service shows however it is built: its HTTP app answers health, readiness,
 * metrics and OpenAPI on the bus and store it is given; run alone, it reads its configuration,
 * says once which adapters it uses, and stops cleanly. Each service's tests run these suites.
 */
import { Problem, StoreHealth, StoreUnavailable } from "@flight/runtime"
import { ChildProcess, EffectTest, RealServer } from "@flight/runtime/testing"
import { describe, expect, test } from "bun:test"
import * as amqp from "amqplib"
import { Effect, Layer, Logger, type Runtime } from "effect"
import type { Hono } from "hono"
import { DeadLetters } from "../DeadLetters.ts"
import * as InProcessBus from "../InProcessBus.ts"
import { MessageBus } from "../MessageBus.ts"
import * as RabbitMqBus from "../RabbitMqBus.ts"
import * as Topology from "../Topology.ts"

/** A prefix of the test's own for the broker's names, so no message of another system reaches it. */
const throwawayPrefix = () => `service-suite-${Bun.randomUUIDv7().slice(-12)}`

/** Removes the exchanges and queues a service declared under `prefix`. */
const removeTopology = async (rabbitUrl: string, prefix: string) => {
  const connection = await amqp.connect(rabbitUrl)
  try {
    const channel = await connection.createChannel()
    await Effect.runPromise(RabbitMqBus.deleteTopology(channel, Topology.make(prefix)))
  } finally {
    await connection.close()
  }
}

// Readiness logs what is down; the tests check the response instead.
const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

export interface ApiOptions<A> {
  readonly service: string
  readonly app: (runtime: Runtime.Runtime<NoInfer<A> | MessageBus | DeadLetters>) => Hono
  /** What the service builds on its in-memory store (repositories, application services, its store's health). */
  readonly layer: Layer.Layer<A>
  /** The name the real store adapter reports under in readiness, e.g. "redis". */
  readonly storeName: string
  /** The `Authorization` header of an admin, made with what `layer` provides (e.g. a test issuer): `/metrics` is theirs. */
  readonly adminAuthorization: Effect.Effect<string, never, NoInfer<A>>
}

export const httpApi = <A>({ adminAuthorization, app: makeApp, layer, service, storeName }: ApiOptions<A>) => {
  const inMemory: Layer.Layer<A> = layer
  const downStore = Layer.succeed(StoreHealth, {
    name: storeName,
    check: Effect.fail(new StoreUnavailable({ store: storeName, reason: "connection refused" })),
  })

  /** The API on an in-process bus and the given store, as the service composes it. */
  const api = (health?: Layer.Layer<StoreHealth>) =>
    Effect.gen(function* () {
      const { bus, controls, deadLetters } = yield* InProcessBus.make()
      const store = health === undefined ? inMemory : Layer.merge(inMemory, health)
      const runtime = yield* Layer.toRuntime(Layer.mergeAll(store, Layer.succeed(MessageBus, bus), Layer.succeed(DeadLetters, deadLetters)))
      const app = makeApp(runtime)
      const get = (path: string, headers?: Record<string, string>) =>
        Effect.promise(async () => app.fetch(new Request(`http://${service}.test${path}`, { headers: headers ?? {} })))
      const admin = yield* Effect.provide(adminAuthorization, runtime)
      return { get, controls, admin }
    })

  const problemOf = (response: Response) =>
    Effect.promise(() => response.json() as Promise<Problem.Body>)

  describe(`${service} HTTP API`, () => {
    EffectTest.effect("GET /health/live answers 200", () =>
      Effect.gen(function* () {
        const response = yield* (yield* api()).get("/health/live")
        expect(response.status).toBe(200)
        expect(yield* Effect.promise(() => response.json())).toEqual({ status: "ok" })
      }), { layer: quiet })

    EffectTest.effect("GET /health/ready answers 200 with the in-memory store and the in-process bus", () =>
      Effect.gen(function* () {
        expect((yield* (yield* api()).get("/health/ready")).status).toBe(200)
      }), { layer: quiet })

    EffectTest.effect("GET /health/ready answers a 503 problem naming the message bus while it is down", () =>
      Effect.gen(function* () {
        const { controls, get } = yield* api()
        yield* controls.setAvailable(false)
        const response = yield* get("/health/ready")
        expect(response.status).toBe(503)
        expect(response.headers.get("content-type")).toContain(Problem.contentType)
        const body = yield* problemOf(response)
        expect(body.type).toBe("dependency-unavailable")
        expect(body.errors).toEqual([{ path: "message-bus", message: "unavailable" }])
        yield* controls.setAvailable(true)
        expect((yield* get("/health/ready")).status).toBe(200)
      }), { layer: quiet })

    EffectTest.effect("GET /health/ready answers a 503 problem naming the store when its check fails", () =>
      Effect.gen(function* () {
        const response = yield* (yield* api(downStore)).get("/health/ready")
        expect(response.status).toBe(503)
        expect(response.headers.get("content-type")).toContain(Problem.contentType)
        const body = yield* problemOf(response)
        expect(body.detail).toContain(storeName)
        expect(body.errors).toEqual([{ path: storeName, message: "unavailable" }])
      }), { layer: quiet })

    EffectTest.effect(`GET /openapi.json describes the ${service} service`, () =>
      Effect.gen(function* () {
        const response = yield* (yield* api()).get("/openapi.json")
        expect(response.status).toBe(200)
        const document = (yield* Effect.promise(() => response.json())) as {
          openapi: string
          info: { title: string }
          paths: Record<string, unknown>
        }
        expect(document.openapi).toStartWith("3.1")
        expect(document.info.title).toBe(`${service} service`)
        expect(Object.keys(document.paths)).toContain("/health/ready")
      }), { layer: quiet })

    EffectTest.effect("GET /metrics answers Prometheus text to an admin, and a 401 with the Bearer challenge to anyone else", () =>
      Effect.gen(function* () {
        const { admin, get } = yield* api()
        const response = yield* get("/metrics", { authorization: admin })
        expect(response.status).toBe(200)
        expect(response.headers.get("content-type")).toContain("text/plain")
        const anonymous = yield* get("/metrics")
        expect([anonymous.status, anonymous.headers.get("www-authenticate")]).toEqual([401, "Bearer"])
      }), { layer: quiet })
  })
}

export interface AloneOptions {
  readonly service: string
  /** The path of the service's main.ts. */
  readonly main: string
  /** Its real store, when it has one: the variable, and how the start-up log names it. */
  readonly store?: { readonly variable: string; readonly label: string }
}

export const runAlone = ({ main, service, store }: AloneOptions) => {
  const required = [...(store === undefined ? [] : [store.variable]), "RABBITMQ_URL"]
  const secretVariable = store?.variable ?? "RABBITMQ_URL"

  describe(`${service} run alone (bun src/main.ts)`, () => {
    test("starts on PORT with in-memory adapters, says so once, is ready, and stops cleanly on SIGTERM", async () => {
      const port = ChildProcess.freePort()
      const child = ChildProcess.spawn(["bun", main], { PORT: String(port) })
      await child.waitFor((line) => line.includes("Listening on"))
      await ChildProcess.waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
      child.process.kill("SIGTERM")
      expect(await child.process.exited).toBe(0)
      const logs = ChildProcess.logLines(child.lines())
      const adapters = logs.filter((line) => line.message.startsWith(`Starting ${service}`))
      expect(adapters).toHaveLength(1)
      expect(adapters[0]!.annotations).toMatchObject({ store: "in-memory", bus: "in-process", service })
      expect(logs[logs.length - 1]!.message).toBe("Stopped")
    }, 30_000)

    test("SIGINT stops it cleanly too", async () => {
      const port = ChildProcess.freePort()
      const child = ChildProcess.spawn(["bun", main], { PORT: String(port) })
      await child.waitFor((line) => line.includes("Listening on"))
      child.process.kill("SIGINT")
      expect(await child.process.exited).toBe(0)
    }, 30_000)

    test("a bad variable stops it at start with one line naming it, without the secret", async () => {
      const child = ChildProcess.spawn(["bun", main], { PORT: "99999", [secretVariable]: "http://admin:s3cret@elsewhere" })
      expect(await child.process.exited).toBe(1)
      const lines = child.lines()
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain("PORT")
      expect(lines[0]).toContain(secretVariable)
      expect(lines[0]).not.toContain("s3cret")
    }, 30_000)

    test("a bad RABBITMQ_PREFIX stops it at start, naming it", async () => {
      const child = ChildProcess.spawn(["bun", main], { PORT: String(ChildProcess.freePort()), RABBITMQ_PREFIX: "no spaces allowed" })
      expect(await child.process.exited).toBe(1)
      const lines = child.lines()
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain("RABBITMQ_PREFIX")
    }, 30_000)

    test(`APP_ENV=production without ${required.join(" and ")} refuses to start, naming each`, async () => {
      const child = ChildProcess.spawn(["bun", main], { APP_ENV: "production", PORT: String(ChildProcess.freePort()) })
      expect(await child.process.exited).toBe(1)
      const [line] = ChildProcess.logLines(child.lines())
      for (const variable of required) expect(line?.message).toContain(variable)
      expect(line?.message).toContain("APP_ENV=production")
    }, 30_000)
  })

  const real = store ?? { variable: "RABBITMQ_URL", label: "RabbitMQ" }
  RealServer.describeWith(real.variable, `${service} run alone on ${real.label}`, (serverUrl) => {
    test(`uses ${real.label} when ${real.variable} is set, is ready, and logs it without credentials`, async () => {
      const port = ChildProcess.freePort()
      const prefix = throwawayPrefix()
      const child = ChildProcess.spawn(["bun", main], { PORT: String(port), [real.variable]: serverUrl, RABBITMQ_PREFIX: prefix })
      try {
        await ChildProcess.waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
        child.process.kill("SIGTERM")
        expect(await child.process.exited).toBe(0)
      } finally {
        if (real.variable === "RABBITMQ_URL") await removeTopology(serverUrl, prefix)
      }
      const [adapters] = ChildProcess.logLines(child.lines()).filter((line) => line.message.startsWith(`Starting ${service}`))
      expect(adapters?.message).toContain(`${store === undefined ? "message bus" : "store"}: ${real.label} `)
      const password = new URL(serverUrl).password
      if (password !== "") expect(child.lines().join("\n")).not.toContain(password)
    }, 30_000)
  })

  RealServer.describeWith("RABBITMQ_URL", `${service} run alone with RABBITMQ_PREFIX`, (rabbitUrl) => {
    test("names its exchanges and queues with RABBITMQ_PREFIX, so systems sharing a broker do not meet", async () => {
      const port = ChildProcess.freePort()
      const prefix = throwawayPrefix()
      const child = ChildProcess.spawn(["bun", main], { PORT: String(port), RABBITMQ_URL: rabbitUrl, RABBITMQ_PREFIX: prefix })
      try {
        await ChildProcess.waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200)
        const connected = ChildProcess.logLines(child.lines()).find((line) => line.message === "connected to RabbitMQ")
        expect(connected?.annotations).toMatchObject({ prefix })
        const connection = await amqp.connect(rabbitUrl)
        try {
          const channel = await connection.createChannel()
          expect((await channel.checkQueue(`${prefix}.${service}`)).queue).toBe(`${prefix}.${service}`)
          await channel.checkExchange(`${prefix}.events`)
        } finally {
          await connection.close()
        }
        child.process.kill("SIGTERM")
        expect(await child.process.exited).toBe(0)
      } finally {
        if (child.process.exitCode === null) child.process.kill("SIGKILL")
        await removeTopology(rabbitUrl, prefix)
      }
    }, 30_000)
  })
}
