/**
 * Where a saga's time goes, in the infra mode: the four services as separate processes on RabbitMQ,
 * Redis, MongoDB and PostgreSQL export their spans to a collector in this script; a few sagas run one
 * at a time (book one seat, pay, wait for confirmation), each booking and payment request in a trace
 * of its own choosing, so that the whole saga (booking.created reaching flight, payment and
 * notification; the charge; payment.processed reaching booking; booking.confirmed reaching flight and
 * notification) is one trace. Prints each saga's spans in start order: offset from the booking
 * request, duration, service, span.
 *
 *   REDIS_URL=... MONGODB_URL=... DATABASE_URL=... RABBITMQ_URL=... bun run trace:saga [-- --sagas 3]
 */
import { Effect } from "effect"
import * as Flows from "./support/Flows.ts"
import * as Infra from "./support/Infra.ts"
import { BenchArguments } from "@flight/runtime/testing"

const SAGAS = BenchArguments.number("sagas", 3)

const variable = (name: string) => BenchArguments.required(name, "(and REDIS_URL, MONGODB_URL, DATABASE_URL, RABBITMQ_URL)")

interface Span {
  readonly service: string
  readonly traceId: string
  readonly name: string
  /** Milliseconds since the epoch. */
  readonly start: number
  readonly end: number
}

interface OtlpExport {
  readonly resourceSpans?: ReadonlyArray<{
    readonly resource?: { readonly attributes?: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }> }
    readonly scopeSpans?: ReadonlyArray<{
      readonly spans?: ReadonlyArray<{ readonly traceId: string; readonly name: string; readonly startTimeUnixNano: string; readonly endTimeUnixNano: string }>
    }>
  }>
}

const millis = (nanos: string) => Number(BigInt(nanos) / 1_000n) / 1_000

// The collector: OTLP/HTTP JSON, as the services' exporter sends it.
const spans: Array<Span> = []
const collector = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: async (request) => {
    const body = (await request.json().catch(() => ({}))) as OtlpExport
    for (const resource of body.resourceSpans ?? []) {
      const service = resource.resource?.attributes?.find((attribute) => attribute.key === "service.name")?.value.stringValue ?? "?"
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          spans.push({ service, traceId: span.traceId, name: span.name, start: millis(span.startTimeUnixNano), end: millis(span.endTimeUnixNano) })
        }
      }
    }
    return Response.json({})
  },
})

const system = await Infra.start(
  { redisUrl: variable("REDIS_URL"), mongoUrl: variable("MONGODB_URL"), databaseUrl: variable("DATABASE_URL"), rabbitUrl: variable("RABBITMQ_URL") },
  { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}` },
)
const api = Flows.apiOf(system.urls)
const call = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** A traceparent of a new trace: the saga's requests all continue it. */
const newTrace = () => {
  const traceId = crypto.randomUUID().replaceAll("-", "")
  const spanId = crypto.randomUUID().replaceAll("-", "").slice(0, 16)
  return { traceId, traceparent: `00-${traceId}-${spanId}-01` }
}

try {
  const flightId = await call(Flows.flightOnSale(api))
  const sagas: Array<{ readonly traceId: string; readonly confirmedMs: number }> = []
  for (let n = 0; n < SAGAS; n++) {
    const { traceId, traceparent } = newTrace()
    const booked = await call(api.booking("POST", "/api/bookings", {
      flightId,
      cabin: "economy",
      passengers: [{ firstName: "Ada", lastName: "Lovelace" }],
      contact: { email: "ada@example.com" },
    }, { traceparent }))
    if (booked.status !== 201) throw new Error(`booking answered ${booked.status}: ${JSON.stringify(booked.body)}`)
    const bookingId = booked.body["id"] as string
    const paid = await call(Flows.eventually(
      "an answer other than payment-not-ready",
      api.payment("POST", "/api/payments", { bookingId, method: { type: "card", token: "tok_visa" } }, {
        "idempotency-key": crypto.randomUUID(),
        traceparent,
        ...Flows.guest(booked.body),
      }),
      (answer) => !(answer.status === 409 && answer.body["type"] === "payment-not-ready"),
    ))
    if (paid.status !== 201) throw new Error(`payment answered ${paid.status}: ${JSON.stringify(paid.body)}`)
    const confirmed = await call(Flows.eventually("confirmed", api.booking("GET", `/api/bookings/${bookingId}`, undefined, Flows.guest(booked.body)), (answer) => answer.body["status"] === "confirmed"))
    sagas.push({ traceId, confirmedMs: Date.parse(confirmed.body["updatedAt"]) - Date.parse(confirmed.body["createdAt"]) })
    // The next saga starts on a quiet system: this one's notifications and availability settle first.
    await Bun.sleep(500)
  }
  // The services export in batches, every few seconds.
  await Bun.sleep(6_000)
  for (const saga of sagas) {
    const mine = spans.filter((span) => span.traceId === saga.traceId).toSorted((a, b) => a.start - b.start)
    const origin = mine[0]?.start ?? 0
    console.log(`\nsaga ${saga.traceId}: booking created to confirmed ${saga.confirmedMs} ms, ${mine.length} spans`)
    console.log("   start ms  duration  service       span")
    for (const span of mine) {
      console.log(`${(span.start - origin).toFixed(1).padStart(11)} ${(span.end - span.start).toFixed(1).padStart(9)}  ${span.service.padEnd(13)} ${span.name}`)
    }
  }
} finally {
  await system.stop()
  collector.stop(true)
}
