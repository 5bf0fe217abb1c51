/** The bus's metrics, exposed by every service on /metrics. */
import { Metric } from "effect"

const published = Metric.counter("bus_messages_published_total", {
  description: "Messages confirmed by the broker",
  incremental: true,
})
const publishFailed = Metric.counter("bus_messages_publish_failed_total", {
  description: "Messages the broker did not confirm",
  incremental: true,
})
const consumed = Metric.counter("bus_messages_consumed_total", {
  description: "Messages taken from a queue and settled, by outcome",
  incremental: true,
})
const retried = Metric.counter("bus_handler_transient_failures_total", {
  description: "Handler attempts that failed with a transient error",
  incremental: true,
})
const deadLettered = Metric.counter("bus_messages_dead_lettered_total", {
  description: "Messages moved to a dead-letter queue, by reason",
  incremental: true,
})
export const outboxPending = Metric.gauge("outbox_pending_entries", {
  description: "Outbox entries not yet published",
})
export const outboxLagSeconds = Metric.gauge("outbox_lag_seconds", {
  description: "Age of the oldest unpublished outbox entry",
})

/** Tagged counters are made once per combination of tags: tagging on every message costs more than counting. */
const memo = <Args extends ReadonlyArray<string>>(
  make: (...args: Args) => Metric.Metric.Counter<number>,
): (...args: Args) => Metric.Metric.Counter<number> => {
  const made = new Map<string, Metric.Metric.Counter<number>>()
  return (...args) => {
    const key = args.join("\u0000")
    let metric = made.get(key)
    if (metric === undefined) {
      metric = make(...args)
      made.set(key, metric)
    }
    return metric
  }
}

export const publishedOf = memo((type: string) => Metric.tagged(published, "type", type))
export const publishFailedOf = memo((type: string) => Metric.tagged(publishFailed, "type", type))
export const consumedOf = memo((queue: string, outcome: string) =>
  Metric.tagged(Metric.tagged(consumed, "queue", queue), "outcome", outcome))
export const retriedOf = memo((queue: string) => Metric.tagged(retried, "queue", queue))
export const deadLetteredOf = memo((queue: string, reason: string) =>
  Metric.tagged(Metric.tagged(deadLettered, "queue", queue), "reason", reason))
