/**
 * A process that dies holding leases, in the infra mode: the four services as separate processes on
 * the real servers (as in scripts/e2e.test.ts). The payment service is killed (SIGKILL) while its
 * outbox relay holds the `payment.processed` of several sagas (its broker hangs, through a proxy,
 * so they wait leased, their lease renewed) and while a charge is under way; then it is started
 * again. Within 5 s of the kill the restarted process publishes every event, each once (counted on
 * RabbitMQ), and settles the interrupted charge, and the sagas complete.
 */
import { Topology } from "@flight/bus"
import { TcpProxy } from "@flight/bus/testing"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { RealServer } from "@flight/runtime/testing"
import { expect, test } from "bun:test"
import * as amqp from "amqplib"
import { Context, Duration, Effect, Layer, Redacted, Schedule } from "effect"
import * as Flows from "./support/Flows.ts"
import * as Infra from "./support/Infra.ts"

/** Within how long of a crash its events go out and its charge is settled (see shared/bus Lease). */
const bound = Duration.seconds(5)
/** On top: the restarted process starting on a busy two-core machine beside four services and the servers. */
const slack = Duration.millis(1_500)

/** Every `payment.processed` on the broker (the services' topology), by booking, with when it arrived. */
const observe = (rabbitUrl: string, busPrefix: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const connection = await amqp.connect(rabbitUrl)
      const channel = await connection.createChannel()
      const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true })
      await channel.bindQueue(queue, Topology.make(busPrefix).eventsExchange, "payment.processed")
      const seen: Array<{ readonly id: string; readonly bookingId: string; readonly at: number }> = []
      await channel.consume(queue, (delivery) => {
        if (delivery === null) return
        const message = JSON.parse(delivery.content.toString()) as { id: string; data: { bookingId: string } }
        seen.push({ id: message.id, bookingId: message.data.bookingId, at: Date.now() })
      }, { noAck: true })
      return { connection, seen }
    }),
    ({ connection }) => Effect.promise(() => connection.close()).pipe(Effect.ignore),
  )

const until = <A>(what: string, check: Effect.Effect<A, unknown>, holds: (a: A) => boolean, within: Duration.DurationInput) =>
  check.pipe(
    Effect.filterOrFail(holds, () => new Error(`never happened: ${what}`)),
    Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo(within))),
  )

RealServer.describeWith("REDIS_URL", "a crash", (redisUrl) => {
  RealServer.describeWith("MONGODB_URL", "on MongoDB", (mongoUrl) => {
    RealServer.describeWith("DATABASE_URL", "on PostgreSQL", (databaseUrl) => {
      RealServer.describeWith("RABBITMQ_URL", "over RabbitMQ", (rabbitUrl) => {
        test(`payment killed holding leases: restarted, it publishes the held events and settles the interrupted charge within ${Duration.format(bound)}, once each`, () =>
          Effect.gen(function* () {
            const broker = new URL(rabbitUrl)
            const proxy = yield* Effect.acquireRelease(
              Effect.promise(() => TcpProxy.start({ host: broker.hostname, port: Number(broker.port || 5672) })),
              (proxy) => Effect.promise(() => proxy.close()),
            )
            const proxied = new URL(rabbitUrl)
            proxied.hostname = "127.0.0.1"
            proxied.port = String(proxy.port)
            const system = yield* Effect.acquireRelease(
              Effect.promise(() =>
                Infra.start({ redisUrl, mongoUrl, databaseUrl, rabbitUrl }, {}, { payment: { RABBITMQ_URL: proxied.href } })
              ),
              (system) => Effect.promise(() => system.stop()),
            )
            const api = Flows.apiOf(system.urls)
            const sql = Context.get(yield* Layer.build(PgClient.layer({ url: Redacted.make(system.databaseUrl) })), SqlClient.SqlClient)
            const { seen } = yield* observe(rabbitUrl, system.busPrefix)

            // Nine one-seat sagas, their intents open at payment.
            const flightId = yield* Flows.flightOnSale(api)
            const bookings: Array<string> = []
            // Each booking as created, with the guest token its status is read with.
            const created = new Map<string, Flows.Json>()
            for (let index = 0; index < 9; index++) {
              const booking = yield* Flows.book(api, flightId, 1)
              bookings.push(booking["id"] as string)
              created.set(booking["id"] as string, booking)
            }
            for (const bookingId of bookings) {
              yield* Flows.eventually("intent open", Flows.payments(api, created.get(bookingId)!), (answer) => answer.status === 200)
            }

            // The broker hangs for payment: what it charges now waits in its outbox. Its relay's first
            // publish waits for a confirm (10 s), then the relay gives its batch back and claims all
            // there is, in one batch, leased and renewed while the next publish waits.
            proxy.stall()
            for (const bookingId of bookings.slice(0, 6)) expect((yield* Flows.pay(api, created.get(bookingId)!, "tok_visa")).status).toBe(201)
            const outbox = sql<{ held: number; total: number }>`
              SELECT count(*) FILTER (WHERE lease_until > now())::int AS held, count(*)::int AS total FROM payment_outbox`
            yield* until("the relay holding every entry", Effect.map(outbox, ([row]) => row!), (row) => row.held === 6, "30 seconds")

            // A charge under way (tok_processingError: the gateway fails twice, about 300 ms of retries),
            // frozen the moment it is pending; tried again on another booking if it finished first.
            let interrupted: { readonly bookingId: string; readonly key: string } | undefined
            for (const bookingId of bookings.slice(6)) {
              const key = crypto.randomUUID()
              const answer = Effect.runPromise(api.payment("POST", "/api/payments", { bookingId, method: { type: "card", token: "tok_processingError" } }, { "idempotency-key": key, ...Flows.guest(created.get(bookingId)!) })).catch(() => null)
              const pending = Effect.map(sql<{ status: string }>`SELECT status FROM payments WHERE booking_id = ${bookingId}`, (rows) => rows[0]?.status)
              yield* until("the charge begun", pending, (status) => status !== undefined, "5 seconds")
              system.processOf(system.urls.PAYMENT_URL).process.kill("SIGSTOP")
              if ((yield* pending) === "pending") {
                interrupted = { bookingId, key }
                break
              }
              system.processOf(system.urls.PAYMENT_URL).process.kill("SIGCONT")
              yield* Effect.promise(() => answer)
            }
            expect(interrupted).toBeDefined()
            const charged = [...bookings.slice(0, bookings.indexOf(interrupted!.bookingId)), interrupted!.bookingId]
            // Nothing of theirs reached the broker: their events are in the outbox, held by the frozen relay.
            expect(seen.filter((event) => charged.includes(event.bookingId))).toEqual([])
            const [held] = yield* outbox
            expect(held!.total).toBe(charged.length - 1)
            expect(held!.held).toBeGreaterThanOrEqual(6)

            // The crash, and the restart (as an orchestrator would).
            system.processOf(system.urls.PAYMENT_URL).process.kill("SIGKILL")
            const killedAt = Date.now()
            const restarted = yield* Effect.promise(() => system.start("payment"))
            const startedIn = Date.now() - killedAt

            const ofCharged = () => seen.filter((event) => charged.includes(event.bookingId))
            yield* until("every held event and the interrupted charge's published", Effect.sync(() => new Set(ofCharged().map((event) => event.bookingId)).size), (count) => count === charged.length, "90 seconds")
            const lastAt = Math.max(...ofCharged().map((event) => event.at))
            const tookMillis = lastAt - killedAt
            yield* Effect.sleep("1 second")
            // Once each: one event per booking, none published twice.
            expect(ofCharged()).toHaveLength(charged.length)
            expect(tookMillis, `published ${tookMillis} ms after the kill (the restarted process was ready after ${startedIn} ms)`).toBeLessThanOrEqual(Duration.toMillis(Duration.sum(bound, slack)))

            // The interrupted charge: settled once, and its client's retry under the same key replays it.
            const restartedApi = Flows.apiOf({ ...system.urls, PAYMENT_URL: restarted })
            const retry = yield* restartedApi.payment("POST", "/api/payments", { bookingId: interrupted!.bookingId, method: { type: "card", token: "tok_processingError" } }, { "idempotency-key": interrupted!.key, ...Flows.guest(created.get(interrupted!.bookingId)!) })
            expect([retry.status, retry.body["status"]]).toEqual([201, "succeeded"])
            const history = yield* Flows.payments(restartedApi, created.get(interrupted!.bookingId)!)
            expect(history.body["items"].map((item: Flows.Json) => item["status"])).toEqual(["succeeded"])
            // And the sagas went on: every booking charged is confirmed.
            for (const bookingId of charged) {
              yield* Flows.eventually("confirmed", Flows.status(restartedApi, created.get(bookingId)!), (state) => state === "confirmed")
            }
          }).pipe(Effect.scoped, Effect.runPromise), 180_000)
      })
    })
  })
})
