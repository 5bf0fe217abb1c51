/**
 * One shape for both adapters, so the contract suite runs the same tests against each: the bus,
 * its dead letters, and the test's way to put raw bytes on an exchange and to look at a queue.
 */
import type { ServiceName } from "@flight/contracts"
import * as amqp from "amqplib"
import { type Duration, Effect, Schedule, type Scope } from "effect"
import type { DeadLetters } from "../../src/DeadLetters.ts"
import * as InProcessBus from "../../src/InProcessBus.ts"
import type { MessageBus } from "../../src/MessageBus.ts"
import * as RabbitMqBus from "../../src/RabbitMqBus.ts"
import * as Topology from "../../src/Topology.ts"
import * as TcpProxy from "../../src/testing/TcpProxy.ts"

export interface Harness {
  readonly bus: MessageBus["Type"]
  readonly deadLetters: DeadLetters["Type"]
  readonly sendRaw: (
    exchange: "events" | "commands",
    routingKey: string,
    body: Uint8Array,
    headers?: Record<string, string>,
  ) => Effect.Effect<void>
  /** Messages ready in a service's queue, not yet delivered. */
  readonly depth: (service: ServiceName) => Effect.Effect<number>
  /** The broker goes away (connections dropped, publishing fails) and comes back. */
  readonly down: Effect.Effect<void>
  readonly up: Effect.Effect<void>
}

export interface Adapter {
  readonly name: string
  readonly make: (options?: { readonly shutdownGrace?: Duration.DurationInput }) => Effect.Effect<Harness, unknown, Scope.Scope>
}

export const inProcess: Adapter = {
  name: "in-process",
  make: (options) =>
    Effect.map(InProcessBus.make({ shutdownGrace: options?.shutdownGrace ?? "5 seconds" }), ({ bus, controls, deadLetters }) => ({
      bus,
      deadLetters,
      sendRaw: controls.sendRaw,
      depth: controls.depth,
      down: controls.setAvailable(false),
      up: controls.setAvailable(true),
    })),
}

/** A throw-away topology under a fresh prefix, deleted when the test's scope closes. */
export const rabbitMq = (brokerUrl: string): Adapter => ({
  name: "rabbitmq",
  make: (options) =>
    Effect.gen(function* () {
      const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
      const topology = Topology.make(prefix)
      const admin = yield* Effect.acquireRelease(
        Effect.promise(() => amqp.connect(brokerUrl)),
        (connection) => Effect.promise(() => connection.close().catch(() => {})),
      )
      const channel = yield* Effect.promise(() => admin.createConfirmChannel())
      channel.on("error", () => {})
      yield* Effect.addFinalizer(() => RabbitMqBus.deleteTopology(channel, topology).pipe(Effect.ignore))
      // The bus reaches the broker through a proxy, so that a test can cut it off.
      const target = new URL(brokerUrl)
      const proxy = yield* Effect.acquireRelease(
        Effect.promise(() => TcpProxy.start({ host: target.hostname, port: Number(target.port || 5672) })),
        (proxy) => Effect.promise(() => proxy.close()),
      )
      const proxied = new URL(brokerUrl)
      proxied.hostname = "127.0.0.1"
      proxied.port = String(proxy.port)
      const { bus, deadLetters, started } = yield* RabbitMqBus.make({
        url: proxied.toString(),
        prefix,
        prefetch: 8,
        shutdownGrace: options?.shutdownGrace ?? "5 seconds",
        reconnect: Schedule.spaced("100 millis"),
        publishTimeout: "3 seconds",
      })
      yield* started
      return {
        bus,
        deadLetters,
        sendRaw: (exchange, routingKey, body, headers = {}) =>
          Effect.promise(() =>
            new Promise<void>((resolve, reject) =>
              channel.publish(
                exchange === "events" ? topology.eventsExchange : topology.commandsExchange,
                routingKey,
                Buffer.from(body),
                { persistent: true, headers },
                (error) => (error ? reject(error) : resolve()),
              )
            )
          ),
        depth: (service) =>
          Effect.promise(() => channel.checkQueue(topology.queueOf(service))).pipe(Effect.map((queue) => queue.messageCount)),
        down: Effect.sync(() => proxy.down()),
        up: Effect.sync(() => proxy.up()),
      } satisfies Harness
    }),
})

/** Deletes a throw-away topology through a connection of its own. */
export const cleanUp = (brokerUrl: string, topology: Topology.Topology) =>
  Effect.acquireUseRelease(
    Effect.promise(() => amqp.connect(brokerUrl)),
    (connection) =>
      Effect.flatMap(Effect.promise(() => connection.createChannel()), (channel) =>
        RabbitMqBus.deleteTopology(channel, topology)).pipe(Effect.ignore),
    (connection) => Effect.promise(() => connection.close().catch(() => {})),
  )

/** Polls until `check` holds, failing with `what` after the timeout. */
export const eventually = <E, R>(
  what: string,
  check: Effect.Effect<boolean, E, R>,
  timeout: Duration.DurationInput = "10 seconds",
) =>
  check.pipe(
    Effect.filterOrFail((ok) => ok, () => new Error(`never happened: ${what}`)),
    Effect.retry(Schedule.spaced("25 millis")),
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`timed out waiting: ${what}`) }),
    Effect.asVoid,
  )
