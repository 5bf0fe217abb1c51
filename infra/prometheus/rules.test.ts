/**
 * The Prometheus rules (infra/prometheus/rules.yml): promtool checks them and runs their unit tests
 * (check.sh); every metric and label they read is one the services export, as their /metrics
 * renders it; and the consumer inflow rule binds each queue to the message types the catalogue
 * sends it. A renamed metric, label or message type breaks this test.
 */
import { describe, expect, test } from "bun:test"
import { Catalogue } from "@flight/contracts"
import { BusMetrics, Topology } from "@flight/bus"
import { Metrics } from "@flight/runtime"
import { Effect, Metric } from "effect"
import * as HttpInstrumentation from "../../shared/runtime/src/HttpInstrumentation.ts"

const here = new URL("./", import.meta.url).pathname
const rulesFile = Bun.YAML.parse(await Bun.file(`${here}rules.yml`).text()) as {
  groups: ReadonlyArray<{ name: string; rules: ReadonlyArray<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }> }>
}
const rules = rulesFile.groups.flatMap((group) => group.rules)
const recorded = new Set(rules.flatMap((rule) => (rule.record === undefined ? [] : [rule.record])))

/**
 * What a service's /metrics shows once each of its metrics exists, through the code's own calls:
 * the bus's counters grow by 0 and its gauges are read (bun test runs every file in one process,
 * whose registry other suites count on), and one request of a service named for this test.
 */
const exported = (): Map<string, Set<string>> => {
  HttpInstrumentation.recordNow({ service: "rules-test", method: "GET", route: "/rules-test", status: 200 }, 0.02)
  Effect.runSync(Effect.all([
    Metric.incrementBy(BusMetrics.publishedOf("booking.created"), 0),
    Metric.incrementBy(BusMetrics.publishFailedOf("booking.created"), 0),
    Metric.incrementBy(BusMetrics.consumedOf("flight-booking.flight", "Handled"), 0),
    Metric.incrementBy(BusMetrics.retriedOf("flight-booking.flight"), 0),
    Metric.incrementBy(BusMetrics.deadLetteredOf("flight-booking.flight", "defect"), 0),
    Metric.value(BusMetrics.outboxPending),
    Metric.value(BusMetrics.outboxLagSeconds),
  ]))
  const families = new Map<string, Set<string>>()
  for (const line of Metrics.prometheusText(Metric.unsafeSnapshot()).split("\n")) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line)
    if (sample === null) continue
    const labels = families.get(sample[1]!) ?? new Set<string>()
    for (const match of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(match[1]!)
    families.set(sample[1]!, labels)
  }
  return families
}

/** The metric names and label names an expression reads (PromQL enough for these rules). */
export const selectorsOf = (expr: string): { metrics: Set<string>; labels: Map<string, Set<string>>; grouping: Set<string> } => {
  const metrics = new Set<string>()
  const labels = new Map<string, Set<string>>()
  const grouping = new Set<string>()
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  // Matchers name the labels of their metric.
  for (const match of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}/g)) {
    const names = labels.get(match[1]!) ?? new Set<string>()
    for (const matcher of match[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) names.add(matcher[1]!)
    labels.set(match[1]!, names)
  }
  let rest = withoutStrings.replace(/\{[^}]*\}/g, " ").replace(/\[[^\]]*\]/g, " ")
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, _keyword, list: string) => {
    for (const name of list.split(",").map((item) => item.trim()).filter((item) => item !== "")) grouping.add(name)
    return " "
  })
  const keywords = new Set(["and", "or", "unless", "offset", "bool", "by", "without", "on", "ignoring"])
  for (const match of rest.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w(])(?!\s*\()/g)) {
    if (!keywords.has(match[1]!)) metrics.add(match[1]!)
  }
  for (const name of labels.keys()) metrics.add(name)
  return { metrics, labels, grouping }
}

describe("infra/prometheus/rules.yml", () => {
  const families = exported()
  const targetLabels = ["job", "instance"]

  test("the expressions are read as the metrics they name", () => {
    const { metrics, labels, grouping } = selectorsOf(
      'sum by (queue, reason) (increase(bus_messages_dead_lettered_total{queue=~"a\\\\.b"}[10m])) > 0 or x:y unless up offset 10m',
    )
    expect([...metrics].toSorted()).toEqual(["bus_messages_dead_lettered_total", "up", "x:y"])
    expect([...(labels.get("bus_messages_dead_lettered_total") ?? [])]).toEqual(["queue"])
    expect([...grouping].toSorted()).toEqual(["queue", "reason"])
  })

  test("the code exports what the rules are about", () => {
    for (const name of ["http_server_requests_total", "http_server_request_duration_seconds_bucket", "outbox_lag_seconds", "bus_messages_dead_lettered_total"]) {
      expect(families.has(name)).toBe(true)
    }
  })

  test("every metric a rule reads is exported by the services, recorded by a rule, or Prometheus' own up", () => {
    const unknown: Array<string> = []
    for (const rule of rules) {
      for (const name of selectorsOf(rule.expr).metrics) {
        if (name.includes(":") ? !recorded.has(name) : !families.has(name) && name !== "up") {
          unknown.push(`${rule.record ?? rule.alert}: ${name}`)
        }
      }
    }
    expect(unknown).toEqual([])
  })

  test("every label a rule matches or groups by is one its metrics carry", () => {
    const allLabels = new Set([...targetLabels, "consumer", ...[...families.values()].flatMap((names) => [...names])])
    const unknown: Array<string> = []
    for (const rule of rules) {
      const { labels, grouping } = selectorsOf(rule.expr)
      for (const [metric, names] of labels) {
        const known = metric === "up" ? new Set(targetLabels) : metric.includes(":") ? allLabels : new Set([...targetLabels, ...(families.get(metric) ?? [])])
        for (const name of names) if (!known.has(name)) unknown.push(`${rule.record ?? rule.alert}: ${metric}{${name}}`)
      }
      for (const name of grouping) if (!allLabels.has(name)) unknown.push(`${rule.record ?? rule.alert}: by (${name})`)
    }
    expect(unknown).toEqual([])
  })

  test("the inflow of each consumer's queue is the message types the catalogue sends it", () => {
    const inflow = rules.find((rule) => rule.record === "consumer:bus_messages_inflow:rate5m")!
    const bound = new Map<string, Array<string>>()
    for (const match of inflow.expr.matchAll(/bus_messages_published_total\{type=~"([^"]+)"\}\[5m\]\), "consumer", "([a-z]+)"/g)) {
      bound.set(match[2]!, match[1]!.replaceAll("\\\\.", ".").split("|").toSorted())
    }
    const topology = Topology.make("flight-booking")
    expect([...bound.keys()].toSorted()).toEqual([...topology.services].toSorted())
    for (const service of topology.services) {
      expect(`${service}: ${bound.get(service)!.join(" ")}`)
        .toBe(`${service}: ${[...new Set(Catalogue.consumedBy(service).map((definition) => definition.type))].toSorted().join(" ")}`)
    }
  })

  test("the consumed rule names each consumer after its queue, whatever the prefix", () => {
    const consumed = rules.find((rule) => rule.record === "consumer:bus_messages_consumed:rate5m")!
    const regex = /"queue", "((?:[^"\\]|\\.)*)"/.exec(consumed.expr)![1]!.replaceAll("\\\\", "\\")
    for (const prefix of ["flight-booking", "in-process", "a.b-c"]) {
      const topology = Topology.make(prefix)
      for (const service of topology.services) {
        expect(new RegExp(`^(?:${regex})$`).exec(topology.queueOf(service))?.[1]).toBe(service)
      }
    }
  })

  test("every alert has a severity, a summary, a description and a runbook in docs/operations.md", async () => {
    const docs = await Bun.file(`${here}../../docs/operations.md`).text()
    for (const rule of rules.filter((rule) => rule.alert !== undefined)) {
      const annotations = (rule as { annotations?: Record<string, string> }).annotations ?? {}
      expect(`${rule.alert} ${rule.labels?.["severity"]}`).toMatch(/ (critical|warning)$/)
      expect(Object.keys(annotations).toSorted()).toEqual(["description", "runbook", "summary"])
      const anchor = /^docs\/operations\.md#([a-z0-9-]+):/.exec(annotations["runbook"]!)?.[1]
      expect(docs.toLowerCase()).toContain(`### ${anchor}`)
    }
  })
})

// promtool: the rules' syntax and their unit tests (rules.test.yml).
const installed = Bun.spawnSync(["bash", `${here}ensure.sh`, "--installed"]).exitCode === 0
if (installed) {
  test("promtool checks the rules and their unit tests pass", () => {
    const run = Bun.spawnSync(["bash", `${here}check.sh`], { stdout: "pipe", stderr: "pipe" })
    const output = `${run.stdout.toString()}${run.stderr.toString()}`
    expect(output).toContain("SUCCESS")
    expect({ exitCode: run.exitCode, output }).toEqual({ exitCode: 0, output })
  }, 60_000)
} else if (process.env["CI"] === "true") {
  test("promtool is built for the rules check", () => {
    throw new Error("promtool is not built: run bash infra/prometheus/ensure.sh before the tests (.ci/run does)")
  })
} else {
  test.skip("promtool checks the rules (run bash infra/prometheus/ensure.sh to build promtool)", () => {})
}
