/**
 * Prometheus text exposition (format 0.0.4) of Effect metrics, served by `GET /metrics`.
 */
import { Effect, Metric, MetricKeyType, MetricState, Option } from "effect"
import type { MetricPair } from "effect"

export const contentType = "text/plain; version=0.0.4; charset=utf-8"

/** Metric and label names may only hold [a-zA-Z0-9_:] (labels: no colon) and not start with a digit. */
export const sanitizeName = (name: string): string => {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned
}

const sanitizeLabel = (name: string): string => sanitizeName(name).replace(/:/g, "_")

export const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

export const formatValue = (value: number | bigint): string =>
  typeof value === "bigint"
    ? value.toString()
    : Number.isNaN(value)
    ? "NaN"
    : value === Number.POSITIVE_INFINITY
    ? "+Inf"
    : value === Number.NEGATIVE_INFINITY
    ? "-Inf"
    : String(value)

type Labels = ReadonlyArray<readonly [string, string]>

const formatLabels = (labels: Labels): string =>
  labels.length === 0
    ? ""
    : `{${labels.map(([key, value]) => `${sanitizeLabel(key)}="${escapeLabelValue(value)}"`).join(",")}}`

const sample = (name: string, labels: Labels, value: number | bigint): string =>
  `${name}${formatLabels(labels)} ${formatValue(value)}`

const typeOf = (pair: MetricPair.MetricPair.Untyped): string => {
  const keyType = pair.metricKey.keyType
  // A counter that may go down (Effect's default, e.g. effect_fiber_active) is a gauge to
  // Prometheus: as a counter, every decrement would read as a reset.
  if (MetricKeyType.isCounterKey(keyType)) return keyType.incremental ? "counter" : "gauge"
  if (MetricKeyType.isFrequencyKey(keyType)) return "counter"
  if (MetricKeyType.isGaugeKey(keyType)) return "gauge"
  if (MetricKeyType.isHistogramKey(keyType)) return "histogram"
  if (MetricKeyType.isSummaryKey(keyType)) return "summary"
  return "untyped"
}

const samples = (name: string, pair: MetricPair.MetricPair.Untyped): Array<string> => {
  const labels: Labels = pair.metricKey.tags.map((tag) => [tag.key, tag.value] as const)
  const state = pair.metricState
  if (MetricState.isCounterState(state)) return [sample(name, labels, state.count)]
  if (MetricState.isGaugeState(state)) return [sample(name, labels, state.value)]
  if (MetricState.isFrequencyState(state)) {
    return Array.from(state.occurrences, ([key, count]) => sample(name, [...labels, ["key", key]], count))
  }
  if (MetricState.isHistogramState(state)) {
    // Effect's buckets are already cumulative; the last boundary is normally +Inf.
    const lines = state.buckets.map(([boundary, count]) =>
      sample(`${name}_bucket`, [...labels, ["le", formatValue(boundary)]], count)
    )
    const last = state.buckets[state.buckets.length - 1]
    if (last === undefined || last[0] !== Number.POSITIVE_INFINITY) {
      lines.push(sample(`${name}_bucket`, [...labels, ["le", "+Inf"]], state.count))
    }
    lines.push(sample(`${name}_sum`, labels, state.sum), sample(`${name}_count`, labels, state.count))
    return lines
  }
  if (MetricState.isSummaryState(state)) {
    const lines: Array<string> = []
    for (const [quantile, value] of state.quantiles) {
      if (Option.isSome(value)) lines.push(sample(name, [...labels, ["quantile", formatValue(quantile)]], value.value))
    }
    lines.push(sample(`${name}_sum`, labels, state.sum), sample(`${name}_count`, labels, state.count))
    return lines
  }
  return []
}

/** Renders a metrics snapshot; metrics sharing a name (different tags) form one family. */
export const prometheusText = (snapshot: ReadonlyArray<MetricPair.MetricPair.Untyped>): string => {
  type Family = { type: string; help: Option.Option<string>; series: Array<{ key: string; lines: Array<string> }> }
  const families = new Map<string, Family>()
  for (const pair of snapshot) {
    const type = typeOf(pair)
    const base = sanitizeName(pair.metricKey.name)
    // Prometheus names counters with _total.
    const name = type === "counter" && !base.endsWith("_total") ? `${base}_total` : base
    const family: Family = families.get(name) ?? { type, help: Option.none(), series: [] }
    if (Option.isNone(family.help)) family.help = pair.metricKey.description
    const key = formatLabels(pair.metricKey.tags.map((tag) => [tag.key, tag.value] as const))
    family.series.push({ key, lines: samples(name, pair) })
    families.set(name, family)
  }
  const out: Array<string> = []
  for (const name of [...families.keys()].sort()) {
    const family = families.get(name)!
    if (Option.isSome(family.help)) out.push(`# HELP ${name} ${escapeHelp(family.help.value)}`)
    out.push(`# TYPE ${name} ${family.type}`)
    // Stable output: series ordered by labels, samples of a series (e.g. buckets) in their own order.
    for (const series of family.series.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) {
      out.push(...series.lines)
    }
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`
}

/** Every Effect metric of the process (the registry is global). */
export const render: Effect.Effect<string> = Effect.map(Metric.snapshot, prometheusText)
