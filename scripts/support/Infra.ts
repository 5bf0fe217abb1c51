/**
 * The system in the infra mode for tests and benchmarks: the four services, identity and the gateway
 * in front of them as separate processes (`bun services/<name>/src/main.ts`) on real servers, MongoDB and PostgreSQL on databases
 * of their own (dropped at the end), RabbitMQ and Redis as the services use them in production, under
 * names of their own (exchanges and queues, booking's keys; removed at the end). The
 * services verify identity's tokens (AUTH_ISSUER is its address), as they would in production.
 */
import { RabbitMqBus, Topology } from "@flight/bus"
import { ChildProcess } from "@flight/runtime/testing"
import * as amqp from "amqplib"
import { Effect, Exit, Scope } from "effect"
import { exportJWK, generateKeyPair } from "jose"
import { MongoClient } from "mongodb"
import { Postgres } from "@flight/runtime/testing"
import { deletePrefix } from "../../services/booking/test/support/Fixtures.ts"
import type { Urls } from "./Flows.ts"
import { opsCredentials } from "./StaffSession.ts"

export interface Servers {
  readonly redisUrl: string
  readonly mongoUrl: string
  readonly databaseUrl: string
  readonly rabbitUrl: string
}

export interface Running {
  /** Each service's own address. */
  readonly urls: Urls
  /** The gateway in front of them: the one origin a client uses. */
  readonly gatewayUrl: string
  /** The first word of this system's exchange and queue names (RABBITMQ_PREFIX), its own. */
  readonly busPrefix: string
  /** The PostgreSQL database of this system (payment's and notification's tables), to look into. */
  readonly databaseUrl: string
  /** Starts one more instance of a service (e.g. a second booking with another configuration). */
  readonly start: (service: string, env?: Record<string, string>) => Promise<string>
  /** The process serving `url` (one of `urls`, or an instance `start` answered), e.g. to kill it. */
  readonly processOf: (url: string) => ChildProcess.Child
  readonly stop: () => Promise<void>
}

const root = new URL("../..", import.meta.url).pathname
const main = (service: string) => new URL(`../../services/${service}/src/main.ts`, import.meta.url).pathname

/**
 * Starts the four services; `env` is given to each, and `serviceEnv` to one on top (say, payment
 * reaching the broker through a proxy).
 */
export const start = async (
  servers: Servers,
  env: Record<string, string> = {},
  serviceEnv: Partial<Record<string, Record<string, string>>> = {},
): Promise<Running> => {
  const scope = Effect.runSync(Scope.make())
  const children: Array<ChildProcess.Child> = []
  const byUrl = new Map<string, ChildProcess.Child>()
  const mongoDatabase = `flight-e2e-${Bun.randomUUIDv7().slice(-12)}`
  const database = await Effect.runPromise(Scope.extend(Postgres.freshDatabase(servers.databaseUrl, "flight_booking_e2e"), scope))
  const identityPort = ChildProcess.freePort()
  const bookingPort = ChildProcess.freePort()
  // One guest key for every booking instance, as in production: a token any of them signed is
  // verified by the keys the first one publishes.
  const guestKey = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true })
    .then(({ privateKey }) => exportJWK(privateKey))
    .then((jwk) => JSON.stringify({ ...jwk, kid: `e2e-guest-${Bun.randomUUIDv7().slice(-12)}` }))
  // Exchanges and queues of this system's own: a message another system left on the broker never
  // reaches these services, and what they leave is removed when they stop.
  const busPrefix = `e2e-${Bun.randomUUIDv7().slice(-12)}`
  // Booking's keys too: a booking another system left in Redis (a hold that runs out later, say) is
  // never this system's, and this system's are deleted when it stops.
  const bookingPrefix = `booking-e2e-${Bun.randomUUIDv7().slice(-12)}`
  const common = {
    RABBITMQ_PREFIX: busPrefix,
    BOOKING_REDIS_PREFIX: bookingPrefix,
    AUTH_ISSUER: `http://127.0.0.1:${identityPort}`,
    // The booking service signs guest tokens as this issuer, and every service trusts it for them.
    BOOKING_GUEST_ISSUER: `http://127.0.0.1:${bookingPort}`,
    AUTH_GUEST_ISSUER: `http://127.0.0.1:${bookingPort}`,
    BOOKING_GUEST_KEY: guestKey,
    // Every test and benchmark signs in as ops from this machine: more than a person's 5 a minute.
    AUTH_SIGN_IN_MAX_ATTEMPTS: "1000",
    // And the benchmarks hold many seats for one contact at once: the holding limit of DESIGN §10 is
    // lifted here (its own tests run against real Redis in the booking service).
    BOOKING_MAX_HELD_SEATS: "1000",
    // The gateway's budgets, for the same reason: one address books and signs in for everyone.
    GATEWAY_RATE_LIMIT_IP: "100000/1 minute",
    GATEWAY_RATE_LIMIT_PRINCIPAL: "100000/1 minute",
    GATEWAY_RATE_LIMIT_SIGN_IN: "1000/1 minute",
    GATEWAY_RATE_LIMIT_BOOKING_CREATE: "100000/1 minute",
    GATEWAY_RATE_LIMIT_MANAGE: "1000/1 minute",
    // Identity and booking believe the gateway's X-Forwarded-For, as they do behind it in production.
    AUTH_CLIENT_IP_HEADER: "x-forwarded-for",
    AUTH_TRUSTED_PROXIES: "127.0.0.1,::1",
    // Identity on PostgreSQL seeds only the staff it is given; the tests sign in as this one.
    SEED_OPS_EMAIL: opsCredentials().email,
    SEED_OPS_PASSWORD: opsCredentials().password,
    REDIS_URL: servers.redisUrl,
    MONGODB_URL: servers.mongoUrl.replace(/^(mongodb(?:\+srv)?:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${mongoDatabase}`),
    DATABASE_URL: database.href,
    RABBITMQ_URL: servers.rabbitUrl,
    LOG_LEVEL: "warning",
    ...env,
  }
  const startOne = async (service: string, extra: Record<string, string> = {}, port = ChildProcess.freePort()) => {
    // CPU_PROFILE_DIR=<dir>: each service writes a CPU profile there when it stops (`bun --cpu-prof`).
    const profile = process.env["CPU_PROFILE_DIR"] ? ["--cpu-prof", `--cpu-prof-dir=${process.env["CPU_PROFILE_DIR"]}`] : []
    const child = ChildProcess.spawn(["bun", ...profile, main(service)], { ...common, PORT: String(port), ...extra }, root)
    children.push(child)
    const url = `http://127.0.0.1:${port}`
    byUrl.set(url, child)
    await ChildProcess.waitForStatus(`${url}/health/ready`, 200, 60_000)
    return url
  }
  const stop = async () => {
    for (const child of children) child.process.kill("SIGTERM")
    await Promise.all(children.map((child) => child.process.exited))
    try {
      const client = await MongoClient.connect(servers.mongoUrl)
      await client.db(mongoDatabase).dropDatabase().finally(() => client.close())
      const broker = await amqp.connect(servers.rabbitUrl)
      await broker.createChannel()
        .then((channel) => Effect.runPromise(RabbitMqBus.deleteTopology(channel, Topology.make(busPrefix))))
        .finally(() => broker.close())
      await deletePrefix(servers.redisUrl, bookingPrefix)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
  try {
    const [identity, flight, booking, payment, notification] = await Promise.all([
      startOne("identity", serviceEnv["identity"], identityPort),
      startOne("flight", serviceEnv["flight"]),
      startOne("booking", serviceEnv["booking"], bookingPort),
      ...["payment", "notification"].map((service) => startOne(service, serviceEnv[service])),
    ])
    const gatewayUrl = await startOne("gateway", {
      GATEWAY_UPSTREAM_IDENTITY: identity!,
      GATEWAY_UPSTREAM_FLIGHT: flight!,
      GATEWAY_UPSTREAM_BOOKING: booking!,
      GATEWAY_UPSTREAM_PAYMENT: payment!,
      GATEWAY_UPSTREAM_NOTIFICATION: notification!,
      // Its rate-limit counts in Redis, under a prefix of this system's own.
      GATEWAY_RATE_LIMIT_PREFIX: `e2e:${Bun.randomUUIDv7().slice(-12)}`,
      ...serviceEnv["gateway"],
    })
    return {
      gatewayUrl,
      busPrefix,
      urls: {
        FLIGHT_URL: flight!,
        BOOKING_URL: booking!,
        PAYMENT_URL: payment!,
        NOTIFICATION_URL: notification!,
        IDENTITY_URL: identity!,
      },
      databaseUrl: database.href,
      start: startOne,
      processOf: (url) => {
        const child = byUrl.get(url)
        if (child === undefined) throw new Error(`no process of this system serves ${url}`)
        return child
      },
      stop,
    }
  } catch (error) {
    // A service that did not start: the others stop, and the databases go, before the failure is told.
    await stop()
    throw error
  }
}
