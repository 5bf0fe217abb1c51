/**
 * A store adapter at a service's start, as every service with a store of its own tests it: a server
 * that refuses connections stops the start with `StoreUnavailable`, naming the address but never the
 * password; on a server that answers, the service names its store and is ready.
 */
import { expect } from "bun:test"
import { Effect, Exit, Layer } from "effect"

/** Building `layer` fails with `StoreUnavailable`, its message naming `address` and not `secret`. */
export const expectUnavailable = <ROut, E, RIn>(
  layer: Layer.Layer<ROut, E, RIn>,
  { address, secret }: { readonly address: string; readonly secret: string },
) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(Layer.build(layer))
    if (Exit.isSuccess(exit)) throw new Error("expected the connection to fail")
    const error = (exit.cause._tag === "Fail" ? exit.cause.error : undefined) as { readonly _tag?: string; readonly message?: string } | undefined
    expect(error?._tag).toBe("StoreUnavailable")
    expect(error?.message).toContain(address)
    expect(error?.message).not.toContain(secret)
  })

/** The service started on its store: it names the store `label` (`"Redis"`), and `/health/ready` answers 200. */
export const expectReadyOn = (running: { readonly store: string; readonly url: URL }, label: string) =>
  Effect.gen(function* () {
    expect(running.store).toStartWith(`${label} `)
    const response = yield* Effect.promise(() => fetch(new URL("/health/ready", running.url)))
    expect(response.status).toBe(200)
  })
