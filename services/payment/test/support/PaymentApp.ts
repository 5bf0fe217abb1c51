/**
 * The payment service's HTTP app as it is composed, on the in-memory store, an in-process bus and
 * the test issuer, with a `send` that answers status, headers and body (parsed when it is JSON):
 * what the route tests and the access tests both start from.
 */
import { TestIssuer } from "@flight/auth/testing"
import { DeadLetters, InProcessBus, MessageBus } from "@flight/bus"
import type { HttpAssertions } from "@flight/runtime/testing"
import { type Duration, Effect, Layer, Logger } from "effect"
import * as PaymentApi from "../../src/api/PaymentApi.ts"
import { inMemoryLayer } from "../../src/main.ts"

/** The logs silenced. */
export const quiet = Logger.replace(Logger.defaultLogger, Logger.none)

/** The `Authorization` header that carries a token. */
export const bearer = (token: Effect.Effect<string>) => Effect.map(token, (token) => ({ authorization: `Bearer ${token}` }))

export interface Send {
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** The app and its runtime; the simulated gateway answers after `gatewayLatency`. */
export const make = (gatewayLatency?: Duration.DurationInput) =>
  Effect.gen(function* () {
    const { bus, deadLetters } = yield* InProcessBus.make()
    const runtime = yield* Layer.toRuntime(Layer.mergeAll(
      inMemoryLayer(gatewayLatency),
      Layer.succeed(MessageBus, bus),
      Layer.succeed(DeadLetters.DeadLetters, deadLetters),
      TestIssuer.layer(),
    ))
    const app = PaymentApi.make(runtime)
    const issuer = yield* Effect.provide(TestIssuer.Issuer, runtime)

    /** A request to the app; a JSON body is sent as JSON, and a JSON answer parsed (any other body is its text, or undefined when empty). */
    const send = (method: string, path: string, options: Send = {}): Effect.Effect<HttpAssertions.Answer> =>
      Effect.promise(async () => {
        const hasBody = options.body !== undefined
        const response = await app.fetch(
          new Request(`http://payment.test${path}`, {
            method,
            headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...options.headers },
            ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
          }),
        )
        const text = await response.text()
        const body = response.headers.get("content-type")?.includes("json") ? JSON.parse(text) as unknown
          : text === "" ? undefined
          : text
        return { status: response.status, headers: response.headers, body }
      })

    return { runtime, issuer, send }
  })
