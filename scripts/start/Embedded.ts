/**
 * The embedded mode of `scripts/start.ts`: the gateway (3000, the one origin, printed first), the
 * five services behind it on ports 3001-3005 and the web site (3006) in one process, the four of the saga sharing one
 * in-process message bus, each on its in-memory store. The identity service (3005) seeds the
 * development staff accounts and prints them with their passwords. Identity and booking believe the
 * gateway's X-Forwarded-For (it is on loopback), and the gateway and the site believe each other's
 * (the gateway serves the site's pages, the site calls the gateway for its visitor), so each client
 * is counted by its own address, whether it calls an API or browses the site.
 *
 * Each service is configured as when it runs alone: its own `Config` (`BookingConfig`, ...) is read
 * from the environment and handed whole to its `make`, so BOOKING_HOLD_TTL, SMTP_URL and every
 * setting a service gains later take effect here too, and a bad value stops the start naming the
 * variable. Only PORT and the store and broker URLs are hidden from it (each set one is named in a
 * warning): with them unset, the same definitions answer the default port, the in-memory store and
 * the in-process bus.
 *
 * The services verify the tokens of the identity service beside them: its issuer and audience
 * (AUTH_ISSUER, AUTH_AUDIENCE, as identity reads them), its JWKS over localhost (read at the first
 * verification, so identity may start last). AUTH_JWKS_URL is therefore ignored too, with a warning.
 */
import * as Booking from "@flight/booking"
import { type DeadLetters, InProcessBus, type MessageBus } from "@flight/bus"
import * as Flight from "@flight/flight"
import * as Gateway from "@flight/gateway"
import * as Identity from "@flight/identity"
import * as Notification from "@flight/notification"
import * as Payment from "@flight/payment"
import * as Web from "@flight/web"
import { AuthConfig } from "@flight/auth"
import { AppConfig, type ClientAddress } from "@flight/runtime"
import { Config, ConfigError, ConfigProvider, Effect, Either, Layer, Option, type Scope } from "effect"

/** What the embedded mode decides itself: the ports, the in-memory stores, the in-process bus, identity's keys. */
const ignored = ["PORT", "REDIS_URL", "MONGODB_URL", "DATABASE_URL", "RABBITMQ_URL", "AUTH_JWKS_URL"] as const

/** In-memory adapters keep nothing across a restart and reach no other instance: not for production. */
const EmbeddedConfig = AppConfig.appEnv.pipe(
  Config.mapOrFail((appEnv) =>
    appEnv === "production"
      ? Either.left(ConfigError.InvalidData(
        ["APP_ENV"],
        "production needs the real adapters: run with APP_MODE=infra and REDIS_URL, MONGODB_URL, DATABASE_URL, RABBITMQ_URL",
      ))
      : Either.right(appEnv)
  ),
)

/** Each service's configuration, by the definitions it reads when it runs alone. */
const ServicesConfig = Config.all({
  booking: Booking.BookingConfig,
  flight: Flight.FlightConfig,
  payment: Payment.PaymentConfig,
  notification: Notification.NotificationConfig,
  identity: Identity.IdentityConfig,
  gateway: Gateway.GatewayConfig,
  web: Web.WebConfig,
})

/** The environment without the ignored variables, read as `ConfigProvider.fromEnv` reads it. */
const environmentWithoutIgnored = () =>
  ConfigProvider.fromMap(
    new Map(
      Object.entries(process.env).flatMap(([name, value]) =>
        value === undefined || (ignored as ReadonlyArray<string>).includes(name) ? [] : [[name, value] as const]
      ),
    ),
    { pathDelim: "_", seqDelim: "," },
  )

const optionalVariable = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

/** What each service's `make` answers once it serves. */
interface Started {
  readonly service: string
  readonly url: URL
  readonly store: string
  /** False for a service that needs no message bus (identity). */
  readonly bus?: boolean
}

export const program = Effect.gen(function* () {
  yield* AppConfig.loadOrExit(EmbeddedConfig)
  const configs = yield* AppConfig.loadOrExit(ServicesConfig).pipe(Effect.withConfigProvider(environmentWithoutIgnored()))
  const set = yield* Effect.filter(ignored, (name) => Effect.map(optionalVariable(name), Option.isSome))
  if (set.length > 0) {
    yield* Effect.logWarning(`Embedded mode ignores ${set.join(", ")} (APP_MODE=infra uses them)`)
  }
  yield* Effect.addFinalizer(() => Effect.logInfo("Stopped"))

  // The identity service of this process is the issuer: its own `iss` (the origin of AUTH_ISSUER), its
  // audience, its JWKS on its port here; a service's AUTH_ROLES_CLAIM still applies.
  const issuedBy = (settings: AuthConfig.Settings): AuthConfig.Settings => ({
    ...settings,
    issuer: configs.identity.issuer.origin,
    audience: configs.identity.audience,
    jwksUrl: Option.some(new URL(`http://localhost:${configs.identity.port}/api/auth/jwks`)),
    // The booking service of this process signs guest tokens (decision 17); its keys on its port here.
    guest: Option.some(AuthConfig.guestAt(
      configs.booking.guest.issuer,
      Option.some(new URL(`http://localhost:${configs.booking.port}${AuthConfig.guestJwksPath}`)),
    )),
  })

  // The gateway beside them (on loopback) is the proxy whose X-Forwarded-For identity, booking and
  // the site believe, and the site the one whose X-Forwarded-For the gateway believes: sign-in
  // throttling, the holding limit and the gateway's budgets count each client, not a proxy. Anything
  // else on loopback may claim any address too: a development machine's trade-off.
  const behindGateway: ClientAddress.Settings = { header: Option.some("x-forwarded-for"), trustedProxies: ["127.0.0.1", "::1"] }

  // One bus for the four services of the saga: a message one of them publishes reaches the others' queues.
  const bus = yield* Layer.build(InProcessBus.layer())
  const start: ReadonlyArray<readonly [string, Effect.Effect<Started, unknown, MessageBus | DeadLetters.DeadLetters | Scope.Scope>]> = [
    ["booking", Booking.make({ ...configs.booking, auth: issuedBy(configs.booking.auth), clientAddress: behindGateway })],
    ["flight", Flight.make({ ...configs.flight, auth: issuedBy(configs.flight.auth) })],
    ["payment", Payment.make({ ...configs.payment, auth: issuedBy(configs.payment.auth) })],
    ["notification", Notification.make({ ...configs.notification, auth: issuedBy(configs.notification.auth) })],
    ["identity", Effect.map(
      Identity.make({ ...configs.identity, clientIpHeader: behindGateway.header, trustedProxies: behindGateway.trustedProxies }),
      (running) => ({ ...running, bus: false }),
    )],
    // Last: the one origin, in front of the others on their default ports. It believes the
    // X-Forwarded-For of the site beside it (on loopback), which names the visitor it calls for.
    ["gateway", Effect.map(
      Gateway.make({ ...configs.gateway, auth: issuedBy(configs.gateway.auth), clientAddress: behindGateway }),
      (running) => ({ ...running, bus: false }),
    )],
    // The site and the console, served by the gateway and calling the APIs through it, each call
    // with the visitor's address as the gateway told it.
    ["web", Effect.map(Web.make({ ...configs.web, clientAddress: behindGateway }), (running) => ({ ...running, bus: false }))],
  ]
  const running: Array<Started> = []
  for (const [name, make] of start) {
    // The annotation goes with the runtime each service captures, so its request logs carry it too.
    running.push(yield* make.pipe(Effect.provide(bus), Effect.annotateLogs("service", name)))
  }
  const gateway = running.find((service) => service.service === Gateway.service)!
  yield* Effect.logInfo(`Open ${gateway.url.href} : the site, and the one origin for every API (API docs at ${new URL("/docs", gateway.url).href})`)
  yield* Effect.logInfo("Embedded mode: seven services in one process, in-memory stores, one in-process message bus")
  for (const service of running.toSorted((a, b) => (a === gateway ? -1 : b === gateway ? 1 : 0))) {
    const bus = service.bus === false ? "none" : "in-process"
    yield* Effect.logInfo(
      `${service.service} listening on ${service.url.href} (store: ${service.store}, message bus: ${bus})`,
    ).pipe(Effect.annotateLogs({ url: service.url.href, store: service.store, bus }))
  }
  return yield* Effect.never
})
