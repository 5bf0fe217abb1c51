/** The bus's metrics, exposed by every service on /metrics. */
import { Metric, MetricKey, MetricLabel } from "effect"

const published = MetricKey.counter("bus_messages_published_total", {
  description: "Messages confirmed by the broker",
  incremental: true,
})
const publishFailed = MetricKey.counter("bus_messages_publish_failed_total", {
  description: "Messages the broker did not confirm",
  incremental: true,
})
const consumed = MetricKey.counter("bus_messages_consumed_total", {
  description: "Messages taken from a queue and settled, by outcome",
  incremental: true,
})
const retried = MetricKey.counter("bus_handler_transient_failures_total", {
  description: "Handler attempts that failed with a transient error",
  incremental: true,
})
const deadLettered = MetricKey.counter("bus_messages_dead_lettered_total", {
  description: "Messages moved to a dead-letter queue, by reason",
  incremental: true,
})
export const outboxPending = Metric.gauge("outbox_pending_entries", {
  description: "Outbox entries not yet published",
})
export const outboxLagSeconds = Metric.gauge("outbox_lag_seconds", {
  description: "Age of the oldest unpublished outbox entry",
})

/**
 * A counter per combination of tags, made once, its tags in its key: the same series that
 * `Metric.tagged` makes, but counting on the hot path is a cached lookup. A `Metric.tagged` counter
 * merges its tags into a new array on every increment and finds the series in the registry by
 * hashing the whole key, which cost more than the count itself.
 */
const memo = <Args extends ReadonlyArray<string>>(
  key: MetricKey.MetricKey.Counter<number>,
  names: { readonly [I in keyof Args]: string },
): (...args: Args) => Metric.Metric.Counter<number> => {
  const made = new Map<string, Metric.Metric.Counter<number>>()
  return (...args) => {
    const id = args.join("\u0000")
    let metric = made.get(id)
    if (metric === undefined) {
      const labels = args.map((value, index) => MetricLabel.make(names[index]!, value))
      metric = Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labels))
      made.set(id, metric)
    }
    return metric
  }
}

export const publishedOf = memo<[type: string]>(published, ["type"])
export const publishFailedOf = memo<[type: string]>(publishFailed, ["type"])
export const consumedOf = memo<[queue: string, outcome: string]>(consumed, ["queue", "outcome"])
export const retriedOf = memo<[queue: string]>(retried, ["queue"])
export const deadLetteredOf = memo<[queue: string, reason: string]>(deadLettered, ["queue", "reason"])
