/**
 * The saga across flight, booking and payment in the embedded mode: the services as `start` runs
 * them (one process, one in-process bus, in-memory stores), driven only through their HTTP APIs,
 * every call through the gateway in front of them.
 * DESIGN §5: book and pay; a declined payment then paid; a hold that expires (the late payment
 * refused); a customer who cancels a paid booking (refunded once, seats back, availability back);
 * the customer told of each step, once.
 */
import { AuthConfig } from "@flight/auth"
import * as Booking from "@flight/booking"
import { InProcessBus } from "@flight/bus"
import * as Flight from "@flight/flight"
import * as Gateway from "@flight/gateway"
import * as Identity from "@flight/identity"
import * as Notification from "@flight/notification"
import * as Payment from "@flight/payment"
import { ChildProcess, EffectTest } from "@flight/runtime/testing"
import { describe, expect } from "bun:test"
import { ConfigProvider, Duration, Effect, Layer, Logger, Option } from "effect"
import * as Flows from "./support/Flows.ts"

const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

/**
 * The identity service in this process on a free port (its address is the tokens' issuer), with the
 * development staff accounts, as `start` runs it.
 */
const identity = Effect.gen(function* () {
  const port = ChildProcess.freePort()
  const issuer = `http://127.0.0.1:${port}`
  const config = yield* Effect.withConfigProvider(
    Identity.IdentityConfig,
    ConfigProvider.fromMap(new Map([["PORT", String(port)], ["AUTH_ISSUER", issuer], ["AUTH_SIGN_IN_MAX_ATTEMPTS", "1000"]])),
  )
  const running = yield* Identity.make(config)
  return { url: running.url, auth: AuthConfig.of({ issuer, audience: config.audience }) }
})

/** The five services, the four of the saga on one bus, as `start` runs them, and a small HTTP client for each. */
const system = (options: { readonly holdTtl?: Duration.DurationInput } = {}) =>
  Effect.gen(function* () {
    const bus = yield* Layer.build(InProcessBus.layer())
    const start = <E>(make: Effect.Effect<{ readonly url: URL }, E, any>) => Effect.provide(make, bus)
    const { auth, url: identityUrl } = yield* identity
    const flight = yield* start(Flight.make({ port: 0, mongodbUrl: Option.none(), auth }))
    const booking = yield* start(Booking.make({
      port: 0,
      redisUrl: Option.none(),
      holdTtl: Duration.decode(options.holdTtl ?? "15 minutes"),
      sweepInterval: "50 millis",
      auth,
    }))
    // Guest tokens are the booking service's: payment and notification trust them by its keys, on its port.
    const withGuests = { ...auth, guest: Option.some(AuthConfig.guestAt(AuthConfig.defaultGuestIssuer, Option.some(new URL(AuthConfig.guestJwksPath, booking.url)))) }
    const payment = yield* start(Payment.make({ port: 0, databaseUrl: Option.none(), auth: withGuests }))
    const notification = yield* start(Notification.make({ port: 0, auth: withGuests }))
    // In front, as `start` runs it: every call of the flows goes through the gateway.
    const upstreams = { booking, flight, payment, notification, identity: { url: identityUrl } }
    const gatewayConfig = yield* Effect.withConfigProvider(
      Gateway.GatewayConfig,
      ConfigProvider.fromMap(new Map(Object.entries(upstreams).map(([name, upstream]) => [`GATEWAY_UPSTREAM_${name.toUpperCase()}`, upstream.url.href]))),
    )
    const gateway = yield* Gateway.make({ ...gatewayConfig, port: 0, auth: withGuests })
    const urls = {
      FLIGHT_URL: gateway.url.href,
      BOOKING_URL: gateway.url.href,
      PAYMENT_URL: gateway.url.href,
      NOTIFICATION_URL: gateway.url.href,
      IDENTITY_URL: gateway.url.href,
    }
    return { ...Flows.apiOf(urls), urls }
  })


describe("the saga in the embedded mode", () => {
  EffectTest.effect("book and pay: confirmed, seats sold, the flight's availability follows", () =>
    Effect.gen(function* () {
      yield* Flows.bookAndPay(yield* system())
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a declined payment leaves the booking pending; paid with another card, it is confirmed", () =>
    Effect.gen(function* () {
      yield* Flows.declinedThenPaid(yield* system())
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a hold that runs out expires without a request: seats back, availability back, a late payment refused", () =>
    Effect.gen(function* () {
      yield* Flows.holdExpires(yield* system({ holdTtl: "400 millis" }))
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a customer cancels a paid booking: seats back, availability back, refunded in full once", () =>
    Effect.gen(function* () {
      yield* Flows.customerCancelsPaid(yield* system())
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a delayed flight tells each contact; a cancelled one cancels its bookings and refunds the paid one", () =>
    Effect.gen(function* () {
      yield* Flows.flightDelayedThenCancelled(yield* system())
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("a signed-in customer books and pays with its own token and finds it under my trips; another customer, another booking's guest token and ops see what the rules say", () =>
    Effect.gen(function* () {
      yield* Flows.signedInCustomer(yield* system())
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("operations need the ops account: anonymous 401, signed in through identity 200; /metrics is an admin's", () =>
    Effect.gen(function* () {
      yield* Flows.operationsSignedIn(yield* system())
    }), { layer: quiet, timeout: 30_000 })

  EffectTest.effect("the demo script walks flow 1 against a running system and prints each step", () =>
    Effect.gen(function* () {
      const api = yield* system()
      const demo = Bun.spawn(["bun", new URL("./demo.ts", import.meta.url).pathname], {
        env: { ...process.env, ...api.urls },
        stdout: "pipe",
        stderr: "pipe",
      })
      const [output, code] = yield* Effect.promise(() => Promise.all([new Response(demo.stdout).text(), demo.exited]))
      expect(code).toBe(0)
      for (const stepText of ["Schedule flight", "Search LHR", "Book two seats", "Pay with a card", "is confirmed", "availability follows", "was told"]) {
        expect(output).toContain(stepText)
      }
      expect(output).toContain("flow 1 done")
    }), { layer: quiet, timeout: 30_000 })
})
