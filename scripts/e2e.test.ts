/**
 * End to end in the infra mode: the four services, identity and the gateway as separate processes
 * (`bun services/<name>/src/main.ts`) on real RabbitMQ, Redis, MongoDB and PostgreSQL, driven over
 * HTTP through the gateway by the flows of DESIGN §5.
 * Two booking instances share the work as competing consumers: one holds seats for 15 minutes, the
 * other for 2 seconds (for the flow whose hold runs out). Two notification instances share their
 * queue and one PostgreSQL store: the history read from one shows what either sent, once. Every
 * process exports its spans to a collector in this test, so one saga's trace can be followed across
 * the four services.
 *
 * MongoDB and PostgreSQL get databases of their own, dropped afterwards; RabbitMQ exchanges and
 * queues of their own (RABBITMQ_PREFIX), removed afterwards; Redis as the services use it in
 * production (its default names), with flights and bookings of the test's own.
 */
import { RealServer } from "@flight/runtime/testing"
import { afterAll, beforeAll, expect, test } from "bun:test"
import { Effect } from "effect"
import * as Flows from "./support/Flows.ts"
import * as Infra from "./support/Infra.ts"

interface ExportedSpan {
  readonly service: string
  readonly traceId: string
  readonly name: string
}

RealServer.describeWith("REDIS_URL", "end to end", (redisUrl) => {
  RealServer.describeWith("MONGODB_URL", "on MongoDB", (mongoUrl) => {
    RealServer.describeWith("DATABASE_URL", "on PostgreSQL", (databaseUrl) => {
      RealServer.describeWith("RABBITMQ_URL", "over RabbitMQ, four services as separate processes", (rabbitUrl) => {
        const spans: Array<ExportedSpan> = []
        let collector: ReturnType<typeof Bun.serve> | undefined
        let system: Infra.Running | undefined
        let api: Flows.Api
        let shortHold: Flows.Api
        let gatewayUrl = ""

        beforeAll(async () => {
          // The collector: OTLP/HTTP JSON, as the services' exporter sends it.
          collector = Bun.serve({
            port: 0,
            hostname: "127.0.0.1",
            fetch: async (request) => {
              const body = (await request.json().catch(() => ({}))) as {
                resourceSpans?: Array<{
                  resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }
                  scopeSpans?: Array<{ spans?: Array<{ traceId: string; name: string }> }>
                }>
              }
              for (const resource of body.resourceSpans ?? []) {
                const service = resource.resource?.attributes?.find((attribute) => attribute.key === "service.name")?.value.stringValue ?? "?"
                for (const scopeSpans of resource.scopeSpans ?? []) {
                  for (const span of scopeSpans.spans ?? []) spans.push({ service, traceId: span.traceId, name: span.name })
                }
              }
              return Response.json({})
            },
          })
          system = await Infra.start(
            { redisUrl, mongoUrl, databaseUrl, rabbitUrl },
            { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}` },
          )
          const [shortHoldBooking] = await Promise.all([
            system.start("booking", { BOOKING_HOLD_TTL: "2 seconds" }),
            system.start("notification"),
          ])
          // Every call through the gateway, as a client's; the short-hold booking instance directly.
          const throughGateway = Object.fromEntries(Object.keys(system.urls).map((name) => [name, system!.gatewayUrl])) as unknown as Flows.Urls
          api = Flows.apiOf(throughGateway)
          shortHold = Flows.apiOf({ ...throughGateway, BOOKING_URL: shortHoldBooking })
          gatewayUrl = system.gatewayUrl
        }, 120_000)

        afterAll(async () => {
          await system?.stop()
          collector?.stop(true)
        }, 60_000)

        const run = (flow: (api: Flows.Api) => Effect.Effect<void, unknown>, system: () => Flows.Api = () => api) =>
          Effect.runPromise(flow(system()))

        test("flow 1, book and pay: confirmed, seats sold, availability converged, the customer told once of each step", () =>
          run(Flows.bookAndPay), 60_000)

        test("flow 2, a declined payment then paid with another card", () => run(Flows.declinedThenPaid), 60_000)

        test("flow 3, a hold that runs out: expired without a request, seats and availability back, a late payment refused", () =>
          run(Flows.holdExpires, () => shortHold), 60_000)

        test("flow 4, a customer cancels a paid booking: seats back, refunded in full once, told", () =>
          run(Flows.customerCancelsPaid), 60_000)

        test("flow 5, a delayed flight tells each contact; a cancelled one cancels its bookings and refunds the paid one", () =>
          run(Flows.flightDelayedThenCancelled), 60_000)

        test("a signed-in customer books and pays with its own token, finds it under my trips; others get 404, ops read it", () =>
          run(Flows.signedInCustomer), 60_000)

        test("operations need the ops account, signed in through the identity process: anonymous 401, ops 200", () =>
          run(Flows.operationsSignedIn), 60_000)

        test("one trace follows a booking from the gateway across the four services", async () => {
          const flightId = await Effect.runPromise(Flows.flightOnSale(api))
          const response = await Flows.bookThrough(gatewayUrl, flightId)
          expect(response.status).toBe(201)
          // The answer's traceparent names the trace the booking's saga continues in.
          const traceId = response.headers.get("traceparent")?.split("-")[1]
          expect(traceId).toMatch(/^[0-9a-f]{32}$/)
          // The services export their spans in batches (every few seconds).
          const deadline = Date.now() + 30_000
          let services = new Set<string>()
          while (Date.now() < deadline) {
            services = new Set(spans.filter((span) => span.traceId === traceId).map((span) => span.service))
            if (services.size === 5) break
            await Bun.sleep(250)
          }
          expect([...services].toSorted()).toEqual(["booking", "flight", "gateway", "notification", "payment"])
        }, 60_000)
      })
    })
  })
})
