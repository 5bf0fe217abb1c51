/** @jsxImportSource hono/jsx */
/** The admin's view of the system: each service's readiness, outbox and dead letters. */
import type { BusResult, ReadinessResult } from "../../application/Operations.ts"
import { OpsNav } from "./OpsPages.tsx"

export const SystemPage = (props: { readonly results: ReadonlyArray<ReadinessResult>; readonly bus: ReadonlyArray<BusResult> }) => (
  <>
    <OpsNav admin={true} />
    <h1>System</h1>
    <h2>Readiness</h2>
    <table class="history">
      <thead><tr><th scope="col">Service</th><th scope="col">Asked</th><th scope="col">Ready</th></tr></thead>
      <tbody>
        {props.results.map((result) => (
          <tr>
            <th scope="row">{result.name}</th>
            <td><code>{result.url.href}</code></td>
            <td data-ready={result.status === 200 ? "yes" : "no"}>
              {result.status === 200 ? "Ready" : result.status === 0 ? "Not answering" : `Not ready (HTTP ${result.status})`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    <h2>Outbox and dead letters</h2>
    <p class="hint">
      From each service's <code>/metrics</code>, read with your token (in the embedded mode the services share one process, so they show the
      same figures). No service serves the dead letters themselves over HTTP: list and replay them with{" "}
      <code>bun run dead-letters list|replay &lt;service&gt;</code>. Queue depths are the broker's (RabbitMQ management).
    </p>
    <table class="history">
      <thead><tr><th scope="col">Service</th><th scope="col">Outbox pending</th><th scope="col">Outbox lag</th><th scope="col">Dead-lettered (queue, reason: count)</th></tr></thead>
      <tbody>
        {props.bus.map((result) => (
          <tr data-bus={result.name}>
            <th scope="row">{result.name}</th>
            {result.bus === null ? (
              <td colspan={3}>{result.status === 0 ? "Not answering" : `Metrics not readable (HTTP ${result.status})`}</td>
            ) : (
              <>
                <td>{result.bus.outboxPending ?? "not reported"}</td>
                <td>{result.bus.outboxLagSeconds === null ? "not reported" : `${result.bus.outboxLagSeconds.toFixed(1)} s`}</td>
                <td>
                  {result.bus.deadLettered.length === 0 ? "None" : (
                    <ul class="plain">{result.bus.deadLettered.map((entry) => <li>{entry.queue}, {entry.reason}: {entry.count}</li>)}</ul>
                  )}
                </td>
              </>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  </>
)
