/**
 * What a service's `/metrics` (Prometheus text, admin only) says of its messages: the outbox's
 * pending entries and lag, and how many messages it dead-lettered per queue and reason since it
 * started. (The dead letters themselves are the service's `/api/operations/{service}/dead-letters`.)
 */
export interface DeadLettered {
  readonly queue: string
  readonly reason: string
  readonly count: number
}

export interface BusStatus {
  readonly outboxPending: number | null
  readonly outboxLagSeconds: number | null
  readonly deadLettered: ReadonlyArray<DeadLettered>
}

const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/

const labelsOf = (text: string | undefined): Record<string, string> =>
  Object.fromEntries([...(text ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1]!, match[2]!.replace(/\\(.)/g, "$1")]))

export const parse = (text: string): BusStatus => {
  let outboxPending: number | null = null
  let outboxLagSeconds: number | null = null
  const deadLettered: Array<DeadLettered> = []
  for (const line of text.split("\n")) {
    const match = sample.exec(line.trim())
    if (match === null) continue
    const value = Number(match[4])
    if (!Number.isFinite(value)) continue
    if (match[1] === "outbox_pending_entries") outboxPending = value
    else if (match[1] === "outbox_lag_seconds") outboxLagSeconds = value
    else if (match[1] === "bus_messages_dead_lettered_total" && value > 0) {
      const labels = labelsOf(match[3])
      deadLettered.push({ queue: labels["queue"] ?? "", reason: labels["reason"] ?? "", count: value })
    }
  }
  return { outboxPending, outboxLagSeconds, deadLettered }
}
