/**
 * The command line of a service's executable (`bun build --compile`, or `bun src/main.ts`):
 * with no argument it runs the service; `<executable> healthcheck` asks the service running on this
 * machine whether it is live and exits 0 or 1. That is what an image's HEALTHCHECK runs: a minimal
 * image has no curl or shell, only the executable (see `infra/docker/`).
 */
import { Console, Data, Duration, Effect } from "effect"
import * as AppConfig from "./AppConfig.ts"
import * as ServiceMain from "./ServiceMain.ts"

export const healthcheck = "healthcheck"

/** What the check asks: the liveness path every service serves (see `HttpApp`). */
export const livePath = "/health/live"

/** Shorter than the HEALTHCHECK's own timeout, so that the check's reason is what gets recorded. */
export const defaultTimeout = Duration.seconds(3)

export class NotLive extends Data.TaggedError("NotLive")<{ readonly url: string; readonly reason: string }> {
  override get message(): string {
    return `${this.url} is not live: ${this.reason}`
  }
}

const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** Succeeds when `url` answers 200 within `timeout`. */
export const checkLive = (url: URL, timeout: Duration.DurationInput = defaultTimeout): Effect.Effect<void, NotLive> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, { signal, redirect: "manual" })
      await response.body?.cancel()
      return response.status
    },
    catch: (cause) => new NotLive({ url: url.href, reason: reasonOf(cause) }),
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () => new NotLive({ url: url.href, reason: `no answer in ${Duration.format(timeout)}` }),
    }),
    Effect.filterOrFail(
      (status) => status === 200,
      (status) => new NotLive({ url: url.href, reason: `status ${status}` }),
    ),
    Effect.asVoid,
  )

/** The service of this process's configuration, on loopback: PORT as the service reads it. */
export const localLiveUrl = (defaultPort: number): Effect.Effect<URL, AppConfig.ConfigurationInvalid> =>
  AppConfig.port(defaultPort).pipe(
    Effect.mapError((error) => new AppConfig.ConfigurationInvalid({ issues: AppConfig.issues(error) })),
    Effect.map((port) => new URL(livePath, `http://127.0.0.1:${port}`)),
  )

/** The exit code of `<executable> healthcheck`, with one line saying why when it is 1. */
export const exitCodeOfCheck = (defaultPort: number): Effect.Effect<0 | 1> =>
  Effect.flatMap(localLiveUrl(defaultPort), (url) => checkLive(url)).pipe(
    Effect.matchEffect({
      onFailure: (error) => Console.error(error.message).pipe(Effect.as(1 as const)),
      onSuccess: () => Effect.succeed(0 as const),
    }),
  )

/**
 * Runs the executable's command: `healthcheck` (the first argument) checks the service on PORT, or
 * `defaultPort`; anything else runs `program` with `ServiceMain.runMain`.
 */
export const runMain = <A, E>(
  program: Effect.Effect<A, E>,
  options: { readonly defaultPort: number },
  argv: ReadonlyArray<string> = process.argv,
): void => {
  if (argv[2] !== healthcheck) return ServiceMain.runMain(program)
  void Effect.runPromise(exitCodeOfCheck(options.defaultPort)).then((code) => process.exit(code))
}
