/**
 * A message bus of its own for one test: the in-process adapter, or RabbitMQ under a fresh prefix
 * whose exchanges and queues are deleted when the test's scope closes.
 */
import * as amqp from "amqplib"
import { Context, Effect, Layer, Schedule, type Scope } from "effect"
import { DeadLetters } from "../DeadLetters.ts"
import * as InProcessBus from "../InProcessBus.ts"
import { MessageBus } from "../MessageBus.ts"
import * as RabbitMqBus from "../RabbitMqBus.ts"
import * as Topology from "../Topology.ts"

export interface TestBus {
  readonly name: string
  readonly make: Effect.Effect<Context.Context<MessageBus | DeadLetters>, unknown, Scope.Scope>
}

export const inProcess: TestBus = {
  name: "in-process bus",
  make: Effect.map(InProcessBus.make({ shutdownGrace: "5 seconds" }), ({ bus, deadLetters }) =>
    Context.make(MessageBus, bus).pipe(Context.add(DeadLetters, deadLetters))),
}

export const rabbitMq = (url: string): TestBus => ({
  name: "RabbitMQ",
  make: Effect.gen(function* () {
    const prefix = `test-${crypto.randomUUID().slice(0, 8)}`
    yield* Effect.addFinalizer(() =>
      Effect.acquireUseRelease(
        Effect.promise(() => amqp.connect(url)),
        (connection) =>
          Effect.flatMap(Effect.promise(() => connection.createChannel()), (channel) =>
            RabbitMqBus.deleteTopology(channel, Topology.make(prefix))),
        (connection) => Effect.promise(() => connection.close().catch(() => {})),
      ).pipe(Effect.ignore)
    )
    const { bus, deadLetters, started } = yield* RabbitMqBus.make({
      url,
      prefix,
      prefetch: 16,
      shutdownGrace: "5 seconds",
      reconnect: Schedule.spaced("100 millis"),
      publishTimeout: "5 seconds",
    })
    yield* started
    return Context.make(MessageBus, bus).pipe(Context.add(DeadLetters, deadLetters))
  }),
})

/** The bus as a layer, for `Effect.provide`. */
export const layer = (testBus: TestBus): Layer.Layer<MessageBus | DeadLetters, unknown> => Layer.scopedContext(testBus.make)
