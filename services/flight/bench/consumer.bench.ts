/**
 * How fast the flight service applies booking events to availability, through its consumer as it
 * runs (the service's layers, its consumer on RabbitMQ when RABBITMQ_URL is set, else on the
 * in-process bus) on MongoDB (FerretDB here), against a floor: the plain driver doing one
 * `updateOne` per event on the same server.
 *
 *   MONGODB_URL=... [RABBITMQ_URL=...] bun run bench:flight-consumer [-- --events 2000 --runs 1]
 *
 * Each case schedules its flights through the service, publishes EVENTS booking events (for every
 * four bookings: four booking.created, two booking.confirmed, one booking.cancelled; one seat each)
 * 64 at a time, and times from the first publish until every booking's ledger entry and the
 * availability of every flight show all of them. "one flight": all events on one flight; "ten
 * flights": the same number spread over ten. The floor does the same number of `updateOne`s, one
 * after the other on one document (and ten documents, one writer each, for ten flights).
 * A database and a RabbitMQ prefix of its own, both deleted at the end.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus, RabbitMqBus, Topology } from "@flight/bus"
import type { AnyMessage, FlightId } from "@flight/contracts"
import * as amqp from "amqplib"
import { Context, Effect, Logger, LogLevel, Option, Redacted, Schedule, Schema } from "effect"
import { MongoClient } from "mongodb"
import * as BookingEvents from "../src/application/BookingEvents.ts"
import { Ledger } from "../src/infrastructure/MongoFlightDocument.ts"
import * as MongoStore from "../src/infrastructure/MongoStore.ts"
import * as Flight from "../src/main.ts"
import { booking, bookingCancelled, bookingConfirmed, bookingCreated } from "../test/support/Fixtures.ts"
import { BenchArguments } from "@flight/runtime/testing"

/** The ledger as the service stores it (decision 9). */
const decodeLedger = Schema.decodeUnknownSync(Ledger)

const argument = BenchArguments.number
const EVENTS = argument("events", 2000)
/** What the flight service's consumer asks to hold at once (its batches are what it holds). */
const PREFETCH = BookingEvents.prefetch
const RUNS = argument("runs", 1)
const PUBLISHERS = 64
const mongoUrl = process.env["MONGODB_URL"]
const rabbitUrl = process.env["RABBITMQ_URL"]
if (mongoUrl === undefined) {
  console.error("MONGODB_URL is not set: this bench measures the consumer on MongoDB")
  process.exit(1)
}

const capacity = { rows: { from: 1, to: 400 }, seatLetters: "ABCDEFGHJK" } // 4,000 economy seats
const layout = (number: number) => ({
  flightNumber: `BA${String(1000 + number)}`,
  origin: "LHR",
  destination: "JFK",
  departureAt: "2027-03-01T10:00:00Z",
  arrivalAt: "2027-03-01T18:00:00Z",
  aircraft: "Airbus A380",
  cabins: [{ cabin: "economy", ...capacity, fare: { amount: 45_000, currency: "GBP" } }],
})
const seatsOf = (capacity.rows.to - capacity.rows.from + 1) * capacity.seatLetters.length

const databaseUrl = (name: string) => mongoUrl.replace(/^(mongodb(?:\+srv)?:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${name}`)

/** The bus for one case: RabbitMQ under a prefix of its own (deleted at the end), or in process. */
const busOf = Effect.gen(function* () {
  if (rabbitUrl === undefined) {
    const { bus, deadLetters } = yield* InProcessBus.make({ prefetch: PREFETCH, shutdownGrace: "5 seconds" })
    return Context.make(MessageBus, bus).pipe(Context.add(DeadLetters.DeadLetters, deadLetters))
  }
  const prefix = `bench-${crypto.randomUUID().slice(0, 8)}`
  yield* Effect.addFinalizer(() =>
    Effect.acquireUseRelease(
      Effect.promise(() => amqp.connect(rabbitUrl)),
      (connection) =>
        Effect.flatMap(Effect.promise(() => connection.createChannel()), (channel) =>
          RabbitMqBus.deleteTopology(channel, Topology.make(prefix))),
      (connection) => Effect.promise(() => connection.close().catch(() => {})),
    ).pipe(Effect.ignore)
  )
  const { bus, deadLetters, started } = yield* RabbitMqBus.make({ url: rabbitUrl, prefix, prefetch: PREFETCH, shutdownGrace: "5 seconds" })
  yield* started
  return Context.make(MessageBus, bus).pipe(Context.add(DeadLetters.DeadLetters, deadLetters))
})

/** The service applying EVENTS booking events spread over `flightCount` flights: events/s. */
const service = (flightCount: number) =>
  Effect.gen(function* () {
    const name = `bench-consumer-${Bun.randomUUIDv7().slice(-12)}`
    const client = yield* Effect.acquireRelease(
      Effect.promise(() => MongoClient.connect(databaseUrl(name))),
      (client) => Effect.promise(() => client.db(name).dropDatabase().finally(() => client.close())).pipe(Effect.ignore),
    )
    const context = yield* busOf
    const issuer = yield* TestIssuer.make()
    const mongodbUrl = Option.some(Redacted.make(Option.getOrThrow(MongoStore.parse(databaseUrl(name)))))
    const running = yield* Flight.make({ port: 0, mongodbUrl, auth: issuer.settings }).pipe(Effect.provide(context))
    const ops = `Bearer ${yield* issuer.staff("olga", ["ops"], { expiresIn: 3600 })}`
    const flights: Array<FlightId> = []
    for (let index = 0; index < flightCount; index++) {
      const response = yield* Effect.promise(() =>
        fetch(new URL("/api/flights", running.url), {
          method: "POST",
          headers: { authorization: ops, "content-type": "application/json" },
          body: JSON.stringify(layout(index)),
        }).then(async (response) => ({ status: response.status, body: await response.json() as { id: FlightId } }))
      )
      if (response.status !== 201) return yield* Effect.die(new Error(`scheduling answered ${response.status}`))
      flights.push(response.body.id)
    }

    // Four bookings in seven events: all created, two confirmed, one cancelled.
    const bookings = Math.ceil((EVENTS * 4) / 7)
    const events: Array<AnyMessage> = []
    const expected = new Map<string, { flightId: FlightId; state: "held" | "sold" | "released" }>()
    const later: Array<AnyMessage> = []
    for (let index = 0; index < bookings; index++) {
      const flightId = flights[index % flightCount]!
      const b = booking(flightId, ["1A"])
      events.push(yield* bookingCreated(b))
      if (index % 2 === 0) later.push(yield* bookingConfirmed(b))
      if (index % 4 === 1) later.push(yield* bookingCancelled(b))
      expected.set(b.bookingId, { flightId, state: index % 4 === 1 ? "released" : index % 2 === 0 ? "sold" : "held" })
    }
    events.push(...later)
    const taken = new Map<FlightId, number>()
    for (const { flightId, state } of expected.values()) {
      if (state !== "released") taken.set(flightId, (taken.get(flightId) ?? 0) + 1)
    }

    const collection = client.db(name).collection<{ _id: string; availability: Record<string, { available: number }>; bookings: Record<string, unknown> }>("flights")
    /**
     * Every flight shows the seats all the events leave, and then every booking in its final state.
     * The cheap check first and not too often: on FerretDB every read of a flight costs as much as
     * the whole document, which the polling must not take from the service.
     */
    const done = Effect.promise(async () => {
      const seats = await collection.find({}, { projection: { availability: 1 } }).toArray()
      for (const document of seats) {
        if (document.availability["economy"]?.available !== seatsOf - (taken.get(document._id as FlightId) ?? 0)) return false
      }
      const documents = await collection.find({}, { projection: { bookings: 1 } }).toArray()
      const ledger = new Map<string, string>()
      for (const document of documents) {
        for (const [id, entry] of decodeLedger(document.bookings ?? {})) ledger.set(id, entry.state)
      }
      for (const [id, { state }] of expected) if (ledger.get(id) !== state) return false
      return true
    })

    const bus = Context.get(context, MessageBus)
    const started = performance.now()
    yield* Effect.forEach(events, (event) => bus.publish(event), { concurrency: PUBLISHERS, discard: true })
    const published = performance.now()
    yield* done.pipe(
      Effect.filterOrFail((all) => all, () => "not yet"),
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("20 minutes"))),
    )
    const seconds = (performance.now() - started) / 1000
    return { perSecond: events.length / seconds, seconds, publishSeconds: (published - started) / 1000, events: events.length }
  }).pipe(Effect.scoped)

/** The floor: the same number of `updateOne`s, one at a time per document, on `documents` documents. */
const floor = (documents: number) =>
  Effect.promise(async () => {
    const name = `bench-floor-${Bun.randomUUIDv7().slice(-12)}`
    const client = await MongoClient.connect(databaseUrl(name))
    try {
      const collection = client.db(name).collection<{ _id: number; n: number }>("counters")
      await collection.insertMany(Array.from({ length: documents }, (_, index) => ({ _id: index, n: 0 })))
      const total = Math.ceil((EVENTS * 4) / 7) + Math.ceil((EVENTS * 4) / 7 / 2) + Math.ceil((EVENTS * 4) / 7 / 4)
      const started = performance.now()
      await Promise.all(Array.from({ length: documents }, async (_, index) => {
        for (let i = index; i < total; i += documents) await collection.updateOne({ _id: index }, { $inc: { n: 1 } })
      }))
      return total / ((performance.now() - started) / 1000)
    } finally {
      await client.db(name).dropDatabase().catch(() => {})
      await client.close()
    }
  })

const program = Effect.gen(function* () {
  console.log(`consumer on ${rabbitUrl === undefined ? "the in-process bus" : "RabbitMQ"}, prefetch ${PREFETCH}, ~${EVENTS} events a case`)
  const rows: Array<{ name: string; figure: number; floor: number }> = []
  for (let run = 1; run <= RUNS; run++) {
    for (const [name, flights] of [["flight consumer, one flight", 1], ["flight consumer, ten flights", 10]] as const) {
      const floorRate = yield* floor(flights)
      const result = yield* service(flights)
      console.log(
        `| ${run} | ${name} | ${result.events} | ${result.perSecond.toFixed(0)} events/s | ${result.seconds.toFixed(2)} s (published in ${result.publishSeconds.toFixed(2)} s) | floor ${floorRate.toFixed(0)} updates/s | ratio ${(result.perSecond / floorRate).toFixed(2)} |`,
      )
      rows.push({ name, figure: result.perSecond, floor: floorRate })
    }
  }
  const median = (values: ReadonlyArray<number>) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!
  for (const name of ["flight consumer, one flight", "flight consumer, ten flights"]) {
    const figure = Math.round(median(rows.filter((row) => row.name === name).map((row) => row.figure)))
    const floorRate = Math.round(median(rows.filter((row) => row.name === name).map((row) => row.floor)))
    console.log(`bench-result ${JSON.stringify({ name, figure, floor: floorRate, ratio: Number((figure / floorRate).toFixed(3)), unit: "events/s" })}`)
  }
})

await Effect.runPromise(program.pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.Warning))))
process.exit(0)
