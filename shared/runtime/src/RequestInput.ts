/**
 * What a request carries, read defensively before any Schema sees it: its URL (a malformed `Host`
 * makes it unparseable), its JSON body (media type, size, UTF-8, nesting), its query and headers.
 */
import { JsonNesting } from "@flight/contracts"
import { Effect } from "effect"
import * as Problem from "./Problem.ts"

/** The request's URL, or `undefined` when its `Host` (or its target) makes it no URL at all. */
export const urlOf = (request: Request): URL | undefined => URL.parse(request.url) ?? undefined

/** A request was sent without a body. */
export const NoBody = Symbol.for("@flight/runtime/RequestInput/NoBody")

const isJsonMediaType = (contentType: string | null): boolean => {
  if (contentType === null) return false
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase()
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType)
}

/** Reads at most `limit` bytes; undefined when the body is larger. */
const readLimited = async (stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | undefined> => {
  const reader = stream.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * The JSON body, parsed, or `NoBody`. A body that is not JSON by its media type is a 415, one over
 * `limit` bytes a 413, one that is not UTF-8 JSON a 400, and one nested deeper than the cap a 400
 * before it is parsed (see `JsonNesting`).
 */
export const jsonBody = (request: Request, limit: number): Effect.Effect<unknown, Problem.Problem> =>
  Effect.gen(function*() {
    const stream = request.body
    const contentType = request.headers.get("content-type")
    const declaredLength = request.headers.get("content-length")
    if (stream === null) return NoBody
    if (!isJsonMediaType(contentType)) {
      if (declaredLength === "0") return NoBody
      return yield* Effect.fail(Problem.unsupportedMediaType(contentType))
    }
    if (declaredLength !== null && Number(declaredLength) > limit) {
      return yield* Effect.fail(Problem.payloadTooLarge(limit))
    }
    const bytes = yield* Effect.tryPromise({
      try: () => readLimited(stream, limit),
      catch: () => Problem.badRequest("The request body could not be read"),
    })
    if (bytes === undefined) return yield* Effect.fail(Problem.payloadTooLarge(limit))
    if (bytes.byteLength === 0) return NoBody
    const text = decodeUtf8(bytes)
    if (text === undefined) return yield* Effect.fail(Problem.malformedJson())
    if (JsonNesting.exceeds(text)) return yield* Effect.fail(Problem.tooDeep(JsonNesting.maxDepth))
    return yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => Problem.malformedJson() })
  })

// One pass over the parameters; built with fromEntries so that a key like `__proto__` is an ordinary
// (and unknown, so rejected) key.
export const queryOf = (url: URL): Record<string, string | Array<string>> => {
  if (url.search === "") return {}
  const values = new Map<string, string | Array<string>>()
  for (const [key, value] of url.searchParams) {
    const seen = values.get(key)
    values.set(key, seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value])
  }
  return Object.fromEntries(values)
}

export const headersOf = (request: Request): Record<string, string> => Object.fromEntries(request.headers.entries())
