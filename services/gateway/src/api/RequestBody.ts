/**
 * A forwarded request's body, read whole by the gateway before the request goes on (decision 30's
 * later note): a service never waits on a slow client. A body is at most the body limit: one that
 * declares more is refused before it is read (`declaredTooLarge`), one sent in chunks is counted as
 * it arrives; either way over the limit is a 413. One that has not arrived within the route's
 * timeout (or whose client went away) is the client's 408, never the service's 504.
 */
import { Problem, RequestInput } from "@flight/runtime"
import { Duration, Either } from "effect"
import * as UpstreamDeadline from "./UpstreamDeadline.ts"

export const timedOut = (timeout: Duration.Duration): Problem.Problem =>
  Problem.make({
    status: 408,
    type: "request-timeout",
    title: "Request timeout",
    detail: `The request's body did not arrive within ${Duration.format(timeout)}`,
  })

/** The length the request declares for its body (none when it comes in chunks, which a length does not bind). */
const declaredLength = (request: Request): string | null =>
  request.headers.has("transfer-encoding") ? null : request.headers.get("content-length")

/** Whether the request declares a body longer than `limitBytes`. */
export const declaredTooLarge = (request: Request, limitBytes: number): boolean => {
  const declared = declaredLength(request)
  return declared !== null && Number(declared) > limitBytes
}

const deadline = UpstreamDeadline.make()

/**
 * The request's whole body (null for a request without one), or the problem to answer: 408 when the
 * deadline or the client going away ends the wait first, 413 past the limit.
 */
export const read = (request: Request, timeout: Duration.Duration, limitBytes: number): Promise<Either.Either<Uint8Array | null, Problem.Problem>> => {
  const body = request.body
  if (body === null) return Promise.resolve(Either.right(null))
  const signal = AbortSignal.any([deadline(Duration.toMillis(timeout)), request.signal])
  const notArrived = Either.left(timedOut(timeout))
  if (signal.aborted) return Promise.resolve(notArrived)
  return new Promise((resolve) => {
    const abandon = () => resolve(notArrived)
    signal.addEventListener("abort", abandon, { once: true })
    // A declared length is what Bun reads (and holds the client to); chunks are counted as they come.
    const whole = declaredLength(request) !== null ? request.bytes() : RequestInput.readLimited(body, limitBytes)
    whole.then(
      (bytes) => resolve(bytes === undefined ? Either.left(Problem.payloadTooLarge(limitBytes)) : Either.right(bytes)),
      // A body that fails to arrive (the client's connection ended) is one that did not arrive.
      () => resolve(notArrived),
    ).finally(() => signal.removeEventListener("abort", abandon))
  })
}
