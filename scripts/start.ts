/**
 * Starts the whole system (`bun run start`, `bun run start:infra`).
 *
 * - embedded (the default, `start/Embedded.ts`): the gateway on port 3000 and the five services
 *   behind it on ports 3001-3005 in this process, sharing one in-process message bus, each on its
 *   in-memory store. Nothing needs to be
 *   installed. Each service reads its own configuration as when it runs alone, so BOOKING_HOLD_TTL,
 *   SMTP_URL, LOG_LEVEL and OTEL_EXPORTER_OTLP_ENDPOINT take effect and a bad value stops the start
 *   naming the variable; PORT and the store and broker URLs are ignored, with a warning naming each.
 * - infra (APP_MODE=infra): each service in its own process (`bun services/<name>/src/main.ts`)
 *   with this environment, so they use Redis, MongoDB, PostgreSQL and RabbitMQ from REDIS_URL,
 *   MONGODB_URL, DATABASE_URL and RABBITMQ_URL (identity keeps its accounts on DATABASE_URL too; the
 *   gateway counts its rate limits in Redis). Identity, booking and the web site believe the
 *   X-Forwarded-For of the gateway on this machine, and the gateway the site's (each visitor is
 *   counted, not the site), unless AUTH_CLIENT_IP_HEADER / AUTH_TRUSTED_PROXIES say otherwise.
 *   Their output is prefixed with their name; SIGINT and SIGTERM are forwarded to them; if one
 *   dies, the others are stopped and the exit code is 1.
 */
import * as Booking from "@flight/booking"
import * as Flight from "@flight/flight"
import * as Gateway from "@flight/gateway"
import * as Identity from "@flight/identity"
import * as Notification from "@flight/notification"
import * as Payment from "@flight/payment"
import * as Web from "@flight/web"
import { Allocator, AppConfig, ServiceMain, ServiceRuntime } from "@flight/runtime"
import { Config, ConfigError, Deferred, Duration, Effect, Either, Exit, Option, type Scope } from "effect"
import * as Embedded from "./start/Embedded.ts"

const Mode = Config.literal("embedded", "infra")("APP_MODE").pipe(Config.withDefault("embedded" as const))

const services = [
  { name: "booking", port: Booking.defaultPort },
  { name: "flight", port: Flight.defaultPort },
  { name: "payment", port: Payment.defaultPort },
  { name: "notification", port: Notification.defaultPort },
  { name: "identity", port: Identity.defaultPort },
  // Last: the one origin, in front of the others, and the site that calls it.
  { name: "gateway", port: Gateway.defaultPort },
  { name: "web", port: Web.defaultPort },
] as const

/**
 * The gateway and the site run on this machine: identity, booking and the site believe the gateway's
 * X-Forwarded-For, and the gateway the site's, unless told otherwise.
 */
const behindGateway = {
  AUTH_CLIENT_IP_HEADER: process.env["AUTH_CLIENT_IP_HEADER"] || "x-forwarded-for",
  AUTH_TRUSTED_PROXIES: process.env["AUTH_TRUSTED_PROXIES"] || "127.0.0.1,::1",
}

// ---------------------------------------------------------------------------------------------
// Infra mode

/**
 * Infra mode is the system on real servers: every one must be configured. Separate processes
 * talk over RabbitMQ only (an in-process bus in each would reach nothing), and a service without
 * its store URL would quietly keep its state in memory.
 */
const infraServers = [
  ["REDIS_URL", ["redis:", "rediss:"]],
  ["MONGODB_URL", ["mongodb:", "mongodb+srv:"]],
  ["DATABASE_URL", ["postgres:", "postgresql:"]],
  ["RABBITMQ_URL", ["amqp:", "amqps:"]],
] as const

const InfraConfig = Config.all(infraServers.map(([variable, schemes]) => AppConfig.optionalUrl(variable, schemes))).pipe(
  Config.mapOrFail((urls) => {
    const missing = infraServers
      .filter((_, index) => Option.isNone(urls[index]!))
      .map(([variable]) =>
        ConfigError.MissingData(
          [variable],
          "must be set with APP_MODE=infra: the services run as separate processes on the real servers",
        )
      )
    return missing.length === 0 ? Either.right(urls) : Either.left(missing.reduce((left, right) => ConfigError.And(left, right)))
  }),
)

const root = new URL("..", import.meta.url).pathname
const labelWidth = Math.max(...services.map((service) => service.name.length))
/** How long a child may take to finish its work in flight after a signal, before it is killed. */
const stopGrace = Duration.seconds(35)

interface Child {
  readonly name: string
  readonly process: Bun.Subprocess<"ignore", "pipe", "pipe">
  /** Resolves once all of the child's output has been copied. */
  readonly output: Promise<void>
}

/** Children still running: where a signal received by this process is forwarded. */
const running = new Set<Bun.Subprocess>()
/** The signal that asked this process to stop, if one did. */
let stopping: NodeJS.Signals | undefined

/**
 * Copies a child's output line by line, each line prefixed with the child's name. When our own
 * output is gone (the reader of a pipe went away), copying stops; the children go on until stopped.
 */
const prefixed = async (stream: ReadableStream<Uint8Array>, label: string, out: NodeJS.WriteStream) => {
  const decoder = new TextDecoder()
  let pending = ""
  const write = (line: string) => {
    if (out.writable) out.write(`${label} ${line}\n`)
  }
  for await (const chunk of stream) {
    const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n")
    pending = lines.pop() ?? ""
    lines.forEach(write)
  }
  if (pending !== "") write(pending)
}

// A closed stdout (EPIPE) must not crash this process and leave the children running on their own.
process.stdout.on("error", () => {})
process.stderr.on("error", () => {})
// However this process ends, the services it started end with it.
process.on("exit", () => {
  for (const subprocess of running) subprocess.kill("SIGTERM")
})

const spawn = (name: string, port: number): Child => {
  const child = Bun.spawn([process.execPath, `services/${name}/src/main.ts`], {
    cwd: root,
    env: { ...process.env, ...Allocator.environment(), ...behindGateway, PORT: String(port) },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    // Its own process group: a Ctrl-C in the terminal reaches this process only, which forwards
    // it once, instead of each child receiving it twice.
    detached: true,
  })
  running.add(child)
  void child.exited.then(() => running.delete(child))
  // Asked to stop while the children were being started: this one missed the forwarded signal.
  if (stopping !== undefined) child.kill(stopping)
  const label = `${name.padEnd(labelWidth)} |`
  const output = Promise.all([
    prefixed(child.stdout, label, process.stdout),
    prefixed(child.stderr, label, process.stderr),
  ]).then(() => undefined)
  return { name, process: child, output }
}

/** Waits for a child to end, killing it after the grace period; answers its exit code. */
const ended = (child: Child) =>
  Effect.promise(() => child.process.exited).pipe(
    Effect.timeout(stopGrace),
    Effect.catchTag("TimeoutException", () =>
      Effect.logWarning(`${child.name} did not stop in ${Duration.format(stopGrace)}: killing it`).pipe(
        Effect.zipRight(Effect.sync(() => child.process.kill("SIGKILL"))),
        Effect.zipRight(Effect.promise(() => child.process.exited)),
      )),
    Effect.zipLeft(Effect.promise(() => child.output)),
  )

/** A child for as long as the scope is open; closing the scope stops it (SIGTERM) if it still runs. */
const child = (name: string, port: number) =>
  Effect.acquireRelease(
    Effect.sync(() => spawn(name, port)).pipe(
      Effect.tap((started) =>
        Effect.logInfo(`Started ${name} on port ${port} (pid ${started.process.pid})`).pipe(
          Effect.annotateLogs({ child: name, port, pid: started.process.pid }),
        )
      ),
    ),
    (started) =>
      Effect.suspend(() => {
        if (started.process.exitCode === null && started.process.signalCode === null) started.process.kill("SIGTERM")
        return ended(started)
      }),
  )

type Outcome =
  | { readonly _tag: "Signal"; readonly signal: NodeJS.Signals }
  | { readonly _tag: "ChildExited"; readonly child: Child; readonly code: number }

const infra = Effect.gen(function* () {
  yield* AppConfig.loadOrExit(InfraConfig)
  const stop = yield* Deferred.make<NodeJS.Signals>()
  const forward = (signal: NodeJS.Signals) => {
    stopping ??= signal
    for (const subprocess of running) subprocess.kill(signal)
    Deferred.unsafeDone(stop, Exit.succeed(signal))
  }
  // Every signal is forwarded, so a second Ctrl-C reaches children that are still shutting down.
  process.on("SIGINT", forward)
  process.on("SIGTERM", forward)
  process.on("SIGHUP", () => forward("SIGTERM"))

  const children = yield* Effect.forEach(services, ({ name, port }) => child(name, port))
  const outcome = yield* Effect.raceAll<Effect.Effect<Outcome>>([
    Effect.map(Deferred.await(stop), (signal): Outcome => ({ _tag: "Signal", signal })),
    ...children.map((started) =>
      Effect.map(
        Effect.promise(() => started.process.exited),
        (code): Outcome => ({ _tag: "ChildExited", child: started, code }),
      )
    ),
  ])

  if (outcome._tag === "ChildExited") {
    const signal = outcome.child.process.signalCode
    const how = signal === null ? `exited with code ${outcome.code}` : `was killed by ${signal}`
    yield* Effect.logError(`${outcome.child.name} ${how}: stopping the other services`).pipe(
      Effect.annotateLogs({ child: outcome.child.name, exitCode: outcome.code }),
    )
    // All at once, so that they stop together; closing the scope then waits for each.
    for (const subprocess of running) subprocess.kill("SIGTERM")
    return 1
  }
  yield* Effect.logInfo(`Received ${outcome.signal}: waiting for the services to stop`)
  const codes = yield* Effect.forEach(children, ended, { concurrency: "unbounded" })
  const failed = children.filter((_, index) => codes[index] !== 0).map((started) => started.name)
  if (failed.length > 0) yield* Effect.logError(`Not stopped cleanly: ${failed.join(", ")}`)
  return failed.length === 0 ? 0 : 1
})

// ---------------------------------------------------------------------------------------------

const withRuntime = <A, E>(program: Effect.Effect<A, E, Scope.Scope>) =>
  program.pipe(Effect.scoped, Effect.provide(ServiceRuntime.layer({ service: "start" })))

const mode = Effect.runSync(Effect.either(Mode))

if (Either.isLeft(mode)) {
  // Reports the bad APP_MODE like any other configuration error, and exits with code 1.
  ServiceMain.runMain(withRuntime(AppConfig.loadOrExit(Mode)))
} else if (mode.right === "infra") {
  // Signals are handled here (forwarded to the children), not by ServiceMain.runMain.
  void Effect.runPromiseExit(ServiceMain.reported(withRuntime(infra))).then((exit) =>
    process.exit(Exit.isSuccess(exit) ? exit.value : 1)
  )
} else {
  ServiceMain.runMain(withRuntime(Embedded.program))
}
