/**
 * The whole system in the test's process on free ports, as `./run start` composes it: identity,
 * flight, booking, payment and notification on one in-process bus and in-memory stores, the real
 * gateway in front of them (DESIGN §10), and the web service calling the gateway. It lives until
 * the test file ends.
 */
import { AuthConfig } from "@flight/auth"
import * as Booking from "@flight/booking"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import * as Flight from "@flight/flight"
import * as Gateway from "@flight/gateway"
import * as Identity from "@flight/identity"
import * as Notification from "@flight/notification"
import * as Payment from "@flight/payment"
import type { ClientAddress } from "@flight/runtime"
import { ChildProcess } from "@flight/runtime/testing"
import { afterAll } from "bun:test"
import { ConfigProvider, Context, Duration, Effect, Exit, Logger, LogLevel, Option, Scope } from "effect"
import * as Web from "../../src/index.ts"

export interface System {
  /** The site's origin as a visitor reaches it: the gateway, which serves its pages. */
  readonly web: string
  /** The gateway's origin: every API. */
  readonly api: string
  readonly urls: Readonly<Record<"identity" | "flight" | "booking" | "payment" | "notification", string>>
  /** Puts bytes on the events exchange under a message type, as a misbehaving producer would. */
  readonly sendRaw: (messageType: string, body: string) => Promise<void>
}

// Generous budgets: every browser and route test signs in and books from 127.0.0.1.
const budget = { points: 100_000, window: Duration.minutes(1) }

/** As `./run start` composes them: the gateway and the site, both on loopback, believe each other's X-Forwarded-For. */
const behindGateway: ClientAddress.Settings = { header: Option.some("x-forwarded-for"), trustedProxies: ["127.0.0.1", "::1"] }

/** Starts every service on free ports for the life of the scope. */
export const start = Effect.gen(function* () {
  const identityPort = ChildProcess.freePort()
  const issuer = `http://127.0.0.1:${identityPort}`
  const identityConfig = yield* Effect.withConfigProvider(
    Identity.IdentityConfig,
    ConfigProvider.fromMap(new Map([["PORT", String(identityPort)], ["AUTH_ISSUER", issuer], ["AUTH_SIGN_IN_MAX_ATTEMPTS", "1000"]])),
  )
  const identity = yield* Identity.make(identityConfig)
  const auth = AuthConfig.of({ issuer, audience: identityConfig.audience })
  const inProcess = yield* InProcessBus.make()
  const bus = Context.make(MessageBus, inProcess.bus).pipe(Context.add(DeadLetters.DeadLetters, inProcess.deadLetters))
  const onBus = <A, E>(make: Effect.Effect<A, E, any>) => Effect.provide(make, bus) as Effect.Effect<A, E, Scope.Scope>
  const flight = yield* onBus(Flight.make({ port: 0, mongodbUrl: Option.none(), auth }))
  const booking = yield* onBus(Booking.make({ port: 0, redisUrl: Option.none(), holdTtl: Duration.minutes(15), sweepInterval: "200 millis", auth }))
  const guest = AuthConfig.guestAt(AuthConfig.defaultGuestIssuer, Option.some(new URL(AuthConfig.guestJwksPath, booking.url)))
  const withGuests = { ...auth, guest: Option.some(guest) }
  const payment = yield* onBus(Payment.make({ port: 0, databaseUrl: Option.none(), auth: withGuests }))
  const notification = yield* onBus(Notification.make({ port: 0, auth: withGuests }))
  const upstream = (url: URL) => ({ url: new URL(url.origin), timeout: Duration.seconds(15) })
  // The web service calls the gateway, and the gateway serves its pages: the site starts first, on
  // the address the gateway will take.
  const gatewayPort = ChildProcess.freePort()
  const api = `http://127.0.0.1:${gatewayPort}`
  const web = yield* Web.make({
    port: 0,
    appEnv: "test",
    apiUrl: new URL(api),
    redisUrl: Option.none(),
    sessionTtl: Duration.hours(1),
    publicUrl: Option.none(),
    clientAddress: behindGateway,
  })
  yield* Gateway.make({
    port: gatewayPort,
    appEnv: "test",
    upstreams: {
      identity: upstream(identity.url),
      flight: upstream(flight.url),
      booking: upstream(booking.url),
      payment: upstream(payment.url),
      notification: upstream(notification.url),
      web: upstream(web.url),
    },
    redisUrl: Option.none(),
    rateLimitPrefix: `web-test-${crypto.randomUUID().slice(-12)}`,
    budgets: Object.fromEntries(Gateway.PolicyNames.map((policy) => [policy, budget])) as Gateway.GatewayConfig["budgets"],
    bodyLimitBytes: 64 * 1024,
    cacheBytes: Gateway.defaultCacheBytes,
    corsOrigins: [],
    auth: withGuests,
    clientAddress: behindGateway,
  })
  return {
    // The site as its visitors reach it: through the gateway.
    web: api,
    api,
    urls: {
      identity: identity.url.origin,
      flight: flight.url.origin,
      booking: booking.url.origin,
      payment: payment.url.origin,
      notification: notification.url.origin,
    },
    sendRaw: (messageType, body) => Effect.runPromise(inProcess.controls.sendRaw("events", messageType, new TextEncoder().encode(body))),
  } satisfies System
})

/** Starts the system for this test file (call at the top level); it stops when the file's tests end. */
export const lifetime = (): (() => Promise<System>) => {
  const scope = Effect.runSync(Scope.make())
  let started: Promise<System> | undefined
  // Stopping seven servers (and their shutdown grace) takes more than a hook's default 5 s on a busy machine.
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)), 30_000)
  return () => {
    started ??= Effect.runPromise(start.pipe(Scope.extend(scope), Logger.withMinimumLogLevel(LogLevel.None)))
    return started
  }
}
