/**
 * The `Api` port over HTTP to `WEB_API_URL` (the gateway), with a span per call and a deadline. A
 * call made for a visitor says whose it is: `X-Forwarded-For` with the visitor's address, which the
 * gateway believes from the site (its AUTH_TRUSTED_PROXIES).
 */
import { Spans } from "@flight/runtime"
import { Duration, Effect, FiberRef, Layer, Option } from "effect"
import { Api } from "../domain/Api.ts"
import * as ApiProblem from "../domain/ApiProblem.ts"
import { VisitorAddress } from "../domain/VisitorAddress.ts"

/** Longer than the gateway's own deadline for payments (15 s), so the gateway's 504 is what is seen. */
export const requestTimeout = Duration.seconds(20)

const readBody = async (response: Response): Promise<unknown> => {
  const text = await response.text()
  if (text === "") return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

export const layer = (baseUrl: URL) =>
  Layer.succeed(Api, Api.of({
    request: <A>(request: Parameters<Api["Type"]["request"]>[0]) =>
      FiberRef.get(VisitorAddress).pipe(Effect.flatMap((visitor) => Effect.tryPromise({
        try: async (signal) => {
          const headers: Record<string, string> = { accept: "application/json" }
          if (Option.isSome(visitor)) headers["x-forwarded-for"] = visitor.value
          if (request.body !== undefined) headers["content-type"] = "application/json"
          if (request.token !== undefined) headers["authorization"] = `Bearer ${request.token}`
          if (request.idempotencyKey !== undefined) headers["idempotency-key"] = request.idempotencyKey
          const response = await fetch(new URL(request.path, baseUrl), {
            method: request.method,
            headers,
            signal,
            redirect: "manual",
            ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
          })
          return { status: response.status, body: await readBody(response), retryAfter: response.headers.get("retry-after") }
        },
        catch: () => ApiProblem.unreachable,
      }))).pipe(
        Effect.timeoutFail({ duration: requestTimeout, onTimeout: () => ApiProblem.unreachable }),
        Effect.flatMap((answer) =>
          answer.status >= 200 && answer.status < 300
            ? Effect.succeed({ status: answer.status, body: answer.body as A })
            : Effect.fail(ApiProblem.fromAnswer(answer.status, answer.body, answer.retryAfter))
        ),
        Effect.tapError((problem) =>
          problem.status >= 500 ? Effect.logWarning(`${request.method} ${request.path.split("?")[0]} answered ${problem.status} ${problem.type}`) : Effect.void
        ),
        Spans.within(`Api ${request.method} ${request.path.split("?")[0]}`, { kind: "client" }),
      ),
    text: (path, token) =>
      Effect.tryPromise(async (signal) => {
        const response = await fetch(new URL(path, baseUrl), { signal, redirect: "manual", headers: { authorization: `Bearer ${token}` } })
        return { status: response.status, body: await response.text() }
      }).pipe(
        Effect.timeout("3 seconds"),
        Effect.orElseSucceed(() => ({ status: 0, body: "" })),
      ),
  }))
