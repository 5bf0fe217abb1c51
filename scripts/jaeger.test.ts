/**
 * A saga's trace in Jaeger: the infra mode (the four services, identity and the gateway as separate
 * processes on RabbitMQ, Redis, MongoDB and PostgreSQL) exports its spans over OTLP/HTTP to the Jaeger
 * that `bash infra/jaeger/ensure.sh` runs. One seat is booked as a guest through the gateway, paid
 * with the trace the booking's answer names (its `traceparent`), and confirmed; Jaeger's query API
 * then finds, by the booking's id, that saga as one trace: the gateway and the four services, both
 * requests, and every consumer of the saga's events (docs/tracing.md shows the same in the UI,
 * whose page is checked to be the real one).
 *
 * JAEGER_URL (http://127.0.0.1:16686) and JAEGER_OTLP_ENDPOINT (http://127.0.0.1:4318) say where
 * Jaeger is. Without it the suite is skipped, except in CI (CI=true), where that is a failure.
 */
import { Topology } from "@flight/bus"
import { RealServer } from "@flight/runtime/testing"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Effect } from "effect"
import * as Flows from "./support/Flows.ts"
import * as Infra from "./support/Infra.ts"

const jaegerUrl = process.env["JAEGER_URL"] || "http://127.0.0.1:16686"
const otlpEndpoint = process.env["JAEGER_OTLP_ENDPOINT"] || "http://127.0.0.1:4318"

/** A trace as Jaeger's query API (`/api/traces`) answers it. */
interface Trace {
  readonly traceID: string
  readonly spans: ReadonlyArray<{
    readonly spanID: string
    readonly operationName: string
    readonly processID: string
    readonly references?: ReadonlyArray<{ readonly refType: string; readonly traceID: string; readonly spanID: string }>
    readonly tags?: ReadonlyArray<{ readonly key: string; readonly value: unknown }>
  }>
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>
}

/** A span of a trace, told by its service and what it did. */
interface Seen {
  readonly service: string
  readonly name: string
  readonly tags: Readonly<Record<string, unknown>>
  readonly parent: string | undefined
  readonly id: string
}

const spansOf = (trace: Trace): ReadonlyArray<Seen> =>
  trace.spans.map((span) => ({
    service: trace.processes[span.processID]?.serviceName ?? "?",
    name: span.operationName,
    tags: Object.fromEntries((span.tags ?? []).map((tag) => [tag.key, tag.value])),
    parent: span.references?.find((reference) => reference.refType === "CHILD_OF")?.spanID,
    id: span.spanID,
  }))

const traces = async (path: string): Promise<ReadonlyArray<Trace>> => {
  const response = await fetch(new URL(path, jaegerUrl))
  return response.ok ? ((await response.json()) as { data: ReadonlyArray<Trace> | null }).data ?? [] : []
}

/** The saga's events: each of their consumers handles its message inside the saga's trace. */
const sagaEvents = ["booking.created", "payment.processed", "booking.confirmed"]
const expectedConsumers = sagaEvents.flatMap((type) => Topology.consumersOf(type).map((service) => `${service} <- ${type}`)).toSorted()

const jaegerAnswers = await fetch(new URL("/api/services", jaegerUrl), { signal: AbortSignal.timeout(2_000) })
  .then((response) => response.ok, () => false)

const suite = (body: () => void) => {
  if (jaegerAnswers) return describe(`a saga's trace in Jaeger (${jaegerUrl})`, body)
  if (process.env["CI"] === "true") {
    return test("Jaeger answers for the trace suite", () => {
      throw new Error(`Jaeger does not answer at ${jaegerUrl}: run bash infra/jaeger/ensure.sh before the tests`)
    })
  }
  test.skip(`a saga's trace in Jaeger (nothing answers at ${jaegerUrl}: run bash infra/jaeger/ensure.sh)`, () => {})
}

RealServer.describeWith("REDIS_URL", "Jaeger", (redisUrl) => {
  RealServer.describeWith("MONGODB_URL", "on MongoDB", (mongoUrl) => {
    RealServer.describeWith("DATABASE_URL", "on PostgreSQL", (databaseUrl) => {
      RealServer.describeWith("RABBITMQ_URL", "over RabbitMQ", (rabbitUrl) => suite(() => {
        let system: Infra.Running | undefined

        beforeAll(async () => {
          system = await Infra.start({ redisUrl, mongoUrl, databaseUrl, rabbitUrl }, {
            OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
            // The OpenTelemetry SDK's batch delay (5 s by default): the saga's spans reach Jaeger at once.
            OTEL_BSP_SCHEDULE_DELAY: "200",
          })
        }, 120_000)

        afterAll(async () => {
          await system?.stop()
        }, 60_000)

        test("the UI is Jaeger's own, not the placeholder page of a binary built without it", async () => {
          const page = await fetch(new URL("/search", jaegerUrl)).then((response) => response.text())
          expect(page).toContain("<title>Jaeger UI</title>")
        })

        test("one saga, booked, paid and confirmed through the gateway, is one trace across the gateway and the four services", async () => {
          const gateway = system!.gatewayUrl
          const api = Flows.apiOf(Object.fromEntries(Object.keys(system!.urls).map((name) => [name, gateway])) as unknown as Flows.Urls)
          const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
          const flightId = await run(Flows.flightOnSale(api))

          const booked = await Flows.bookThrough(gateway, flightId)
          expect(booked.status).toBe(201)
          const booking = (await booked.json()) as Flows.Json
          // The answer's traceparent names the saga's trace; the payment continues it.
          const traceparent = booked.headers.get("traceparent") ?? ""
          const traceId = traceparent.split("-")[1]
          expect(traceId).toMatch(/^[0-9a-f]{32}$/)
          const paid = await run(Flows.eventually(
            "an answer other than payment-not-ready",
            api.payment("POST", "/api/payments", { bookingId: booking["id"], method: { type: "card", token: "tok_visa" } }, {
              "idempotency-key": crypto.randomUUID(),
              traceparent,
              ...Flows.guest(booking),
            }),
            (answer) => !(answer.status === 409 && answer.body["type"] === "payment-not-ready"),
          ))
          expect([paid.status, paid.body["status"]]).toEqual([201, "succeeded"])
          await run(Flows.eventually("confirmed", Flows.status(api, booking), (state) => state === "confirmed"))

          // Found as a person would in the UI: service booking, the tag every message of the booking's
          // saga carries (its conversation is the booking's id); then the whole trace by its id.
          const tags = JSON.stringify({ "messaging.message.conversation_id": booking["id"] })
          const search = `/api/traces?service=booking&lookback=1h&limit=20&tags=${encodeURIComponent(tags)}`
          const complete = (spans: ReadonlyArray<Seen>) => {
            const consumers = new Set(spans.filter((span) => span.tags["messaging.operation.type"] === "process")
              .map((span) => `${span.service} <- ${String(span.tags["messaging.message.type"])}`))
            // A parent ends after its children, so it may reach Jaeger in a later batch.
            const ids = new Set(spans.map((span) => span.id))
            return expectedConsumers.every((consumer) => consumers.has(consumer)) &&
              spans.some((span) => span.service === "payment" && span.name === "HTTP POST /api/payments") &&
              spans.filter((span) => span.parent === undefined || !ids.has(span.parent)).length === 1
          }
          let found: ReadonlyArray<Trace> = []
          let trace: Trace | undefined
          const deadline = Date.now() + 30_000
          while (Date.now() < deadline) {
            found = await traces(search)
            ;[trace] = await traces(`/api/traces/${traceId}`)
            if (found.length > 0 && trace !== undefined && complete(spansOf(trace))) break
            await Bun.sleep(250)
          }
          expect(found.map((each) => each.traceID)).toEqual([traceId!])
          expect(trace?.traceID).toBe(traceId!)
          const spans = spansOf(trace!)
          const told = spans.map((span) => `${span.service}: ${span.name}`).toSorted()

          // The gateway and the four services, and no one else.
          expect([...new Set(spans.map((span) => span.service))].toSorted(), told.join("\n"))
            .toEqual(["booking", "flight", "gateway", "notification", "payment"])
          // Both requests, each at the gateway and at its service.
          for (const [service, route] of [["gateway", "/api/bookings"], ["booking", "/api/bookings"], ["gateway", "/api/payments"], ["payment", "/api/payments"]]) {
            expect(spans.some((span) => span.service === service && span.name === `HTTP POST ${route}`), `${service}: HTTP POST ${route}\n${told.join("\n")}`).toBe(true)
          }
          // Every consumer of the saga's events, in this trace.
          const consumers = spans.filter((span) => span.tags["messaging.operation.type"] === "process")
            .map((span) => `${span.service} <- ${String(span.tags["messaging.message.type"])}`)
          expect(expectedConsumers.filter((consumer) => !consumers.includes(consumer)), told.join("\n")).toEqual([])
          // One tree: a single root (the booking request at the gateway), every other span's parent in the trace.
          const ids = new Set(spans.map((span) => span.id))
          const roots = spans.filter((span) => span.parent === undefined || !ids.has(span.parent))
          expect(roots.map((span) => `${span.service}: ${span.name}`)).toEqual(["gateway: HTTP POST /api/bookings"])
        }, 90_000)
      }))
    })
  })
})
