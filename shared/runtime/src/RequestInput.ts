/**
 * What a request carries, read defensively before any Schema sees it: its URL (a malformed `Host`
 * makes it unparseable), its JSON body (media type, size, UTF-8, nesting), its query and headers.
 */
import { JsonNesting } from "@flight/contracts"
import { Effect, Either } from "effect"
import * as Problem from "./Problem.ts"

/** The request's URL, or `undefined` when its `Host` (or its target) makes it no URL at all. */
export const urlOf = (request: Request): URL | undefined => URL.parse(request.url) ?? undefined

/** A request was sent without a body. */
export const NoBody = Symbol.for("@flight/runtime/RequestInput/NoBody")

/** JSON by its media type (`application/json`, `application/*+json`), in UTF-8: a `charset` that says otherwise is not (RFC 8259 §8.1). */
const isJsonMediaType = (contentType: string | null): boolean => {
  if (contentType === null) return false
  const [type = "", ...parameters] = contentType.split(";")
  const mediaType = type.trim().toLowerCase()
  if (mediaType !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return false
  return parameters.every((parameter) => {
    const [name = "", value = ""] = parameter.split("=")
    return name.trim().toLowerCase() !== "charset" || /^"?utf-8"?$/i.test(value.trim())
  })
}

/** Reads at most `limit` bytes; undefined when the body is larger. */
export const readLimited = async (stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | undefined> => {
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

// Fatal, so that bytes that are not UTF-8 are refused; one decoder serves every whole-buffer decode.
const utf8 = new TextDecoder("utf-8", { fatal: true })

const decodeUtf8 = (bytes: Uint8Array): string | undefined => {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * Reads the body: at once when its length is declared (and within the limit, checked before), as a
 * stream cut at `limit` bytes otherwise; undefined when it is larger.
 */
const readBody = async (request: Request, stream: ReadableStream<Uint8Array>, declared: boolean, limit: number) => {
  if (!declared) return readLimited(stream, limit)
  const bytes = new Uint8Array(await request.arrayBuffer())
  return bytes.byteLength > limit ? undefined : bytes
}

/** The body's JSON, or the problem to answer; a plain function, so a request costs one Effect step. */
const readJson = async (request: Request, limit: number): Promise<Either.Either<unknown, Problem.Problem>> => {
  const stream = request.body
  const contentType = request.headers.get("content-type")
  const declaredLength = request.headers.get("content-length")
  if (stream === null) return Either.right(NoBody)
  if (!isJsonMediaType(contentType)) {
    if (declaredLength === "0") return Either.right(NoBody)
    return Either.left(Problem.unsupportedMediaType(contentType))
  }
  if (declaredLength !== null && Number(declaredLength) > limit) return Either.left(Problem.payloadTooLarge(limit))
  let bytes: Uint8Array | undefined
  try {
    bytes = await readBody(request, stream, declaredLength !== null, limit)
  } catch {
    return Either.left(Problem.badRequest("The request body could not be read"))
  }
  if (bytes === undefined) return Either.left(Problem.payloadTooLarge(limit))
  if (bytes.byteLength === 0) return Either.right(NoBody)
  const text = decodeUtf8(bytes)
  if (text === undefined) return Either.left(Problem.malformedJson())
  if (JsonNesting.exceeds(text)) return Either.left(Problem.tooDeep(JsonNesting.maxDepth))
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch {
    return Either.left(Problem.malformedJson())
  }
}

/**
 * The JSON body, parsed, or `NoBody`. A body that is not JSON by its media type is a 415, one over
 * `limit` bytes a 413, one that is not UTF-8 JSON a 400, and one nested deeper than the cap a 400
 * before it is parsed (see `JsonNesting`).
 */
export const jsonBody = (request: Request, limit: number): Effect.Effect<unknown, Problem.Problem> =>
  Effect.flatMap(Effect.promise(() => readJson(request, limit)), (read) => read)

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
