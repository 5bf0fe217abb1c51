/**
 * The services the gateway benchmark calls, in a process of their own: identity, booking and
 * flight started by their own `make` in memory on free ports, sharing an in-process bus, as the
 * embedded mode runs them. Prints their URLs as one line, `UPSTREAMS {"identity":...}`, then serves
 * until SIGTERM.
 */
import * as Booking from "@flight/booking"
import { AuthConfig } from "@flight/auth"
import { InProcessBus } from "@flight/bus"
import * as Flight from "@flight/flight"
import * as Identity from "@flight/identity"
import { ServiceMain } from "@flight/runtime"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"

const local = (url: URL) => new URL(`http://127.0.0.1:${url.port}`)

const program = Effect.gen(function* () {
  const identityConfig = yield* Identity.IdentityConfig
  const identity = yield* Identity.make({ ...identityConfig, port: 0 })
  const bus = yield* Layer.build(InProcessBus.layer())
  const accounts = { issuer: identityConfig.issuer.origin, audience: identityConfig.audience, jwksUrl: new URL("/api/auth/jwks", local(identity.url)) }
  // Its own configuration from the environment (the benchmark raises the holding limit), on a free port in memory.
  const bookingConfig = yield* Booking.BookingConfig
  const booking = yield* Booking.make({ ...bookingConfig, port: 0, redisUrl: Option.none(), auth: AuthConfig.of(accounts) }).pipe(Effect.provide(bus))
  const guest = AuthConfig.guestAt(AuthConfig.defaultGuestIssuer, Option.some(new URL(AuthConfig.guestJwksPath, local(booking.url))))
  const flight = yield* Flight.make({ port: 0, mongodbUrl: Option.none(), auth: AuthConfig.of({ ...accounts, guest }) }).pipe(Effect.provide(bus))
  console.log(`UPSTREAMS ${JSON.stringify({
    identity: local(identity.url).href,
    booking: local(booking.url).href,
    flight: local(flight.url).href,
    issuer: accounts.issuer,
    audience: accounts.audience,
    jwksUrl: accounts.jwksUrl.href,
    guestIssuer: guest.issuer,
    guestJwksUrl: guest.jwksUrl.href,
  })}`)
  return yield* Effect.never
}).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

ServiceMain.runMain(program)
