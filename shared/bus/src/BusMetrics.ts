/** The bus's metrics, exposed by every service on /metrics. */
import { Metric } from "effect"

export const published = Metric.counter("bus_messages_published_total", {
  description: "Messages confirmed by the broker",
  incremental: true,
})
export const publishFailed = Metric.counter("bus_messages_publish_failed_total", {
  description: "Messages the broker did not confirm",
  incremental: true,
})
export const consumed = Metric.counter("bus_messages_consumed_total", {
  description: "Messages taken from a queue and settled, by outcome",
  incremental: true,
})
export const retried = Metric.counter("bus_messages_retried_total", {
  description: "Handler attempts retried after a transient failure",
  incremental: true,
})
export const deadLettered = Metric.counter("bus_messages_dead_lettered_total", {
  description: "Messages moved to a dead-letter queue, by reason",
  incremental: true,
})
export const outboxPending = Metric.gauge("outbox_pending_entries", {
  description: "Outbox entries not yet published",
})
export const outboxLagSeconds = Metric.gauge("outbox_lag_seconds", {
  description: "Age of the oldest unpublished outbox entry",
})
