/**
 * The client's address for a route's handler, which the holding limit counts seats under
 * (DESIGN §10). The bridge (`HttpApp`) gives a handler the request but not the Bun server, which
 * alone knows the connection's address; so the app is served behind one step that finds each
 * request's address (`ClientAddress.of`: the connection's, or a trusted proxy's header) and keeps it
 * beside the request, for the handler to read with `of`.
 */
import { ClientAddress } from "@flight/runtime"
import { Hono } from "hono"

const addresses = new WeakMap<Request, string>()

/** `app`, each request's client address found first (none when the server does not say). */
export const found = (app: Hono, settings: ClientAddress.Settings): Hono => {
  const outer = new Hono()
  outer.all("*", (c) => {
    const request = c.req.raw
    const address = ClientAddress.of(request, c.env, settings)
    if (address !== undefined) addresses.set(request, address)
    return app.fetch(request, c.env)
  })
  return outer
}

/** The client's address of a request `found` served; null when it is not known. */
export const of = (request: Request): string | null => addresses.get(request) ?? null
