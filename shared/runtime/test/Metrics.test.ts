import { describe, expect, test } from "bun:test"
import { Effect, Metric, MetricBoundaries } from "effect"
import { Metrics } from "../src/index.ts"

const snapshotOf = (prefix: string) =>
  Effect.runSync(Metric.snapshot).filter((pair) => pair.metricKey.name.startsWith(prefix))

describe("Metrics.prometheusText", () => {
  test("counters and gauges, with HELP and TYPE once per family", () => {
    const counter = Metric.counter("t1_orders_total", { description: "Orders placed", incremental: true })
    const gauge = Metric.gauge("t1_queue_depth")
    Effect.runSync(
      Effect.all([
        Metric.incrementBy(Metric.tagged(counter, "outcome", "confirmed"), 3),
        Metric.increment(Metric.tagged(counter, "outcome", "expired")),
        Metric.set(gauge, 7),
      ]),
    )
    expect(Metrics.prometheusText(snapshotOf("t1_"))).toBe(
      [
        "# HELP t1_orders_total Orders placed",
        "# TYPE t1_orders_total counter",
        "t1_orders_total{outcome=\"confirmed\"} 3",
        "t1_orders_total{outcome=\"expired\"} 1",
        "# TYPE t1_queue_depth gauge",
        "t1_queue_depth 7",
        "",
      ].join("\n"),
    )
  })

  test("a counter that only goes up is named _total; one that may go down is a gauge", () => {
    const sent = Metric.counter("t5_sent", { incremental: true })
    const active = Metric.counter("t5_active")
    Effect.runSync(Effect.all([Metric.increment(sent), Metric.increment(active), Metric.incrementBy(active, -1)]))
    expect(Metrics.prometheusText(snapshotOf("t5_"))).toBe(
      ["# TYPE t5_active gauge", "t5_active 0", "# TYPE t5_sent_total counter", "t5_sent_total 1", ""].join("\n"),
    )
  })

  test("histograms as cumulative _bucket lines up to +Inf, with _sum and _count", () => {
    const histogram = Metric.histogram("t2_latency_seconds", MetricBoundaries.fromIterable([0.1, 1]))
    Effect.runSync(Effect.all([0.05, 0.5, 5].map((value) => Metric.update(histogram, value))))
    expect(Metrics.prometheusText(snapshotOf("t2_"))).toBe(
      [
        "# TYPE t2_latency_seconds histogram",
        "t2_latency_seconds_bucket{le=\"0.1\"} 1",
        "t2_latency_seconds_bucket{le=\"1\"} 2",
        "t2_latency_seconds_bucket{le=\"+Inf\"} 3",
        "t2_latency_seconds_sum 5.55",
        "t2_latency_seconds_count 3",
        "",
      ].join("\n"),
    )
  })

  test("frequencies as one counter per word; summaries as quantiles, _sum and _count", () => {
    const frequency = Metric.frequency("t3_channel")
    const summary = Metric.summary({ name: "t3_amount", maxAge: "1 hour", maxSize: 100, error: 0, quantiles: [0.5] })
    Effect.runSync(
      Effect.all([
        Metric.update(frequency, "email"),
        Metric.update(frequency, "email"),
        Metric.update(frequency, "sms"),
        Metric.update(summary, 10),
      ]),
    )
    const text = Metrics.prometheusText(snapshotOf("t3_"))
    expect(text).toContain("# TYPE t3_channel_total counter\nt3_channel_total{key=\"email\"} 2\nt3_channel_total{key=\"sms\"} 1\n")
    expect(text).toContain("# TYPE t3_amount summary\nt3_amount{quantile=\"0.5\"} 10\nt3_amount_sum 10\nt3_amount_count 1\n")
  })

  test("escapes backslashes, quotes and newlines in label values", () => {
    const counter = Metric.counter("t4_odd").pipe(Metric.tagged("path", "C:\\temp \"x\"\nnext"))
    Effect.runSync(Metric.increment(counter))
    expect(Metrics.prometheusText(snapshotOf("t4_"))).toContain("t4_odd{path=\"C:\\\\temp \\\"x\\\"\\nnext\"} 1")
  })

  test("sanitizes metric and label names", () => {
    const counter = Metric.counter("t5.messages-published").pipe(Metric.tagged("queue.name", "booking"))
    Effect.runSync(Metric.increment(counter))
    expect(Metrics.prometheusText(snapshotOf("t5"))).toContain("t5_messages_published{queue_name=\"booking\"} 1")
  })

  test("special values", () => {
    expect([Infinity, -Infinity, NaN, 1.5, 10n].map(Metrics.formatValue)).toEqual(["+Inf", "-Inf", "NaN", "1.5", "10"])
  })
})
