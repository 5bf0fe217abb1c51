/**
 * Runs a service's main program: SIGINT and SIGTERM interrupt it, so its scoped resources (server,
 * consumers, connections) close in reverse order of acquisition; a failure ends the process with
 * exit code 1.
 */
import { BunRuntime } from "@effect/platform-bun"
import { Cause, Chunk, Effect, LogLevel } from "effect"
import * as AppConfig from "./AppConfig.ts"
import * as Logging from "./Logging.ts"

// ConfigurationInvalid was already logged as one line by AppConfig.loadOrExit.
const alreadyReported = (cause: Cause.Cause<unknown>): boolean => {
  if (Cause.isInterruptedOnly(cause)) return true
  const failures = Chunk.toReadonlyArray(Cause.failures(cause))
  return !Cause.isDie(cause) && failures.length > 0 &&
    failures.every((error) => error instanceof AppConfig.ConfigurationInvalid)
}

/** Reports the failure of `program` (as JSON, like every other line) before the process exits. */
export const reported = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  program.pipe(
    Effect.tapErrorCause((cause) => alreadyReported(cause) ? Effect.void : Effect.logError("Service stopped", cause)),
    Effect.provide(Logging.layer({ level: LogLevel.Info })),
  )

export const runMain = <A, E>(program: Effect.Effect<A, E>): void =>
  BunRuntime.runMain(reported(program), { disableErrorReporting: true, disablePrettyLogger: true })
