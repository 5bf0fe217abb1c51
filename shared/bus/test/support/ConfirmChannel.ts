/**
 * A confirm channel double for the RabbitMQ publisher's tests: it keeps what is written and lets the
 * test confirm or refuse it, on a connection that is always live.
 */
import type * as amqp from "amqplib"
import { Cause, Effect, Exit, Metric, Option } from "effect"
import * as BusMetrics from "../../src/BusMetrics.ts"
import type { PublishError } from "../../src/MessageBus.ts"
import type { Live, RabbitMqConnection } from "../../src/RabbitMqConnection.ts"
import type * as Topology from "../../src/Topology.ts"

export interface Sent {
  readonly exchange: string
  readonly routingKey: string
  readonly content: Buffer
  readonly options: amqp.Options.Publish
  readonly confirm: (error: unknown) => void
}

/** A confirm channel that keeps what is published and lets the test confirm it; `refuse` makes `publish` throw. */
export const channel = (refuse?: string) => {
  const sent: Array<Sent> = []
  const publisher = {
    publish: (exchange: string, routingKey: string, content: Buffer, options: amqp.Options.Publish, confirm: (error: unknown) => void) => {
      if (refuse !== undefined) throw new Error(refuse)
      sent.push({ exchange, routingKey, content, options, confirm })
      return true
    },
  } as unknown as amqp.ConfirmChannel
  return { sent, publisher }
}

export const connectionOf = (publisher: amqp.ConfirmChannel): RabbitMqConnection => {
  const live: Live = { model: {} as amqp.ChannelModel, publisher }
  return {
    now: Effect.succeed(Option.some(live)),
    healthy: Effect.succeed(true),
    awaitLive: () => Effect.succeed(live),
    withLive: (_timeout, use) => use(live),
    supervise: () => Effect.die("not used"),
  }
}

export const topology = { exchangeFor: (kind: "event" | "command") => `test.${kind}s` } as unknown as Topology.Topology

/** The reason of the PublishError a publish failed with. */
export const reasonOf = (exit: Exit.Exit<void, PublishError>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause))?.reason : undefined

export const counts = (type: string) =>
  Effect.all({
    published: Effect.map(Metric.value(BusMetrics.publishedOf(type)), (state) => Number(state.count)),
    failed: Effect.map(Metric.value(BusMetrics.publishFailedOf(type)), (state) => Number(state.count)),
  })
