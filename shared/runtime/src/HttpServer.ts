/** Serving an app with `Bun.serve` for the life of a scope. */
import { Data, Effect } from "effect"
import type { Scope } from "effect"
import * as Problem from "./Problem.ts"

export class ServerError extends Data.TaggedError("ServerError")<{ readonly port: number; readonly cause: unknown }> {
  override get message(): string {
    return `Cannot listen on port ${this.port}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/**
 * Listens with `Bun.serve` for the life of the scope. Closing the scope stops accepting connections
 * and waits for in-flight requests to finish.
 */
export const serve = (
  /** The server is given as the second argument (Hono's env), for an app that reads the client's address. */
  app: { readonly fetch: (request: Request, server: Bun.Server<undefined>) => Response | Promise<Response> },
  options: { readonly port: number; readonly hostname?: string },
): Effect.Effect<Bun.Server<undefined>, ServerError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () =>
        Bun.serve({
          port: options.port,
          ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
          fetch: (request, server) => app.fetch(request, server),
          // Never Bun's development error page (it shows source and paths), whatever NODE_ENV says;
          // and should anything escape the app, a bare problem, never HTML.
          development: false,
          // Said explicitly: with `development: false` Bun otherwise lets a second server take a
          // port that is in use, so two services would silently share it.
          reusePort: false,
          error: () => Problem.toResponse(Problem.internal()),
        }),
      catch: (cause) => new ServerError({ port: options.port, cause }),
    }).pipe(
      Effect.tap((server) =>
        Effect.logInfo(`Listening on ${server.url.href}`).pipe(
          Effect.annotateLogs({ port: server.port, hostname: server.hostname }),
        )
      ),
    ),
    (server) =>
      Effect.logInfo(`Stopping the HTTP server on ${server.url.href}`).pipe(
        Effect.zipRight(Effect.promise(() => server.stop(false))),
      ),
  )
