/** @jsxImportSource hono/jsx */
/**
 * The admin's view of the system: each service's readiness (asked by the gateway), and per
 * message-bus service its queue, outbox and dead letters, each dead letter with a button that
 * replays it onto its queue.
 */
import { Either } from "effect"
import type { Overview, ServiceQueue } from "../../application/SystemStatus.ts"
import * as ApiProblem from "../../domain/ApiProblem.ts"
import type { DeadLetter, ServiceReadiness } from "../../domain/SystemResources.ts"
import * as Format from "./Format.ts"
import { Csrf } from "./Forms.tsx"
import { OpsNav } from "./OpsPages.tsx"

const stateOf = (service: ServiceReadiness): string =>
  service.state === "ready"
    ? "Ready"
    : service.state === "unreachable"
    ? "Not answering"
    : `Not ready (HTTP ${service.status}${service.unavailable.length === 0 ? "" : `: ${service.unavailable.join(", ")} unavailable`})`

const Readiness = (props: { readonly readiness: Overview["readiness"] }) =>
  Either.match(props.readiness, {
    onLeft: (problem) => <p class="error" role="alert">The services' readiness could not be read: {ApiProblem.messageOf(problem)}</p>,
    onRight: (readiness) => (
      <table class="history">
        <thead><tr><th scope="col">Service</th><th scope="col">Ready</th></tr></thead>
        <tbody>
          {readiness.services.map((service) => (
            <tr>
              <th scope="row">{service.service}</th>
              <td data-ready={service.state === "ready" ? "yes" : "no"}>{stateOf(service)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    ),
  })

/** The service's own queue's counts (in the embedded mode every service's registry holds them all). */
const ownDeadLettered = (entry: ServiceQueue) => (entry.bus?.deadLettered ?? []).filter((counted) => counted.queue.endsWith(`.${entry.service}`))

const Outbox = (props: { readonly entry: ServiceQueue }) =>
  props.entry.bus === null
    ? <p>Outbox: {props.entry.metricsStatus === 0 ? "the service's metrics did not answer" : `metrics not readable (HTTP ${props.entry.metricsStatus})`}.</p>
    : (
      <p data-outbox={props.entry.service}>
        Outbox: {props.entry.bus.outboxPending ?? "not reported"} pending, lag{" "}
        {props.entry.bus.outboxLagSeconds === null ? "not reported" : `${props.entry.bus.outboxLagSeconds.toFixed(1)} s`}.
        Dead-lettered since it started:{" "}
        {ownDeadLettered(props.entry).length === 0
          ? "none"
          : ownDeadLettered(props.entry).map((entry) => `${entry.reason}: ${entry.count}`).join("; ")}.
      </p>
    )

const Letters = (props: { readonly service: string; readonly letters: ReadonlyArray<DeadLetter>; readonly total: number; readonly csrf: string }) =>
  props.letters.length === 0 ? <p>No dead letters.</p> : (
    <>
      {props.total > props.letters.length ? <p class="hint">The oldest {props.letters.length} of {props.total}.</p> : null}
      <table class="history" data-dead-letters={props.service}>
        <thead>
          <tr><th scope="col">Message</th><th scope="col">Reason</th><th scope="col">Attempts</th><th scope="col">Dead-lettered</th><th scope="col"><span class="visually-hidden">Replay</span></th></tr>
        </thead>
        <tbody>
          {props.letters.map((letter) => (
            <tr data-dead-letter={letter.id}>
              <td>{letter.messageType ?? "(unknown type)"}<br /><code>{letter.id}</code></td>
              <td><strong>{letter.reason}</strong><br />{letter.detail}</td>
              <td>{letter.attempts}</td>
              <td>{Format.time(letter.deadLetteredAt)}</td>
              <td>
                <form method="post" action={`/ops/system/${props.service}/dead-letters/${encodeURIComponent(letter.id)}/replay`}>
                  <Csrf token={props.csrf} />
                  <button type="submit" aria-label={`Replay ${letter.messageType ?? "message"} ${letter.id} onto the ${props.service} queue`}>Replay</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )

const Queue = (props: { readonly entry: ServiceQueue; readonly csrf: string }) => (
  <section aria-labelledby={`queue-${props.entry.service}`} data-bus={props.entry.service}>
    <h3 id={`queue-${props.entry.service}`}>{props.entry.service}</h3>
    <Outbox entry={props.entry} />
    {Either.match(props.entry.queue, {
      onLeft: (problem) => <p class="error">Its queue could not be read: {ApiProblem.messageOf(problem)}</p>,
      onRight: (queue) => (
        <>
          <p data-queue={props.entry.service}>
            Queue <code>{queue.queue.name}</code>: {queue.queue.messages} waiting, {queue.queue.consumers} consumer(s).
            Dead letters in <code>{queue.deadLetters.name}</code>: {queue.deadLetters.messages}.
          </p>
          <Letters service={props.entry.service} letters={queue.items} total={queue.deadLetters.messages} csrf={props.csrf} />
        </>
      ),
    })}
  </section>
)

export const SystemPage = (props: { readonly overview: Overview; readonly csrf: string }) => (
  <>
    <OpsNav admin={true} />
    <h1>System</h1>
    <h2>Readiness</h2>
    <Readiness readiness={props.overview.readiness} />
    <h2>Queues, outboxes and dead letters</h2>
    <p class="hint">
      A message a service gave up on (it could not be read, or kept failing) waits in its dead-letter queue with the reason. Replay it
      once the cause is fixed: it goes back onto the service's queue and is handled again (every consumer is idempotent).
    </p>
    {props.overview.queues.map((entry) => <Queue entry={entry} csrf={props.csrf} />)}
  </>
)
