/**
 * A route's Schemas made into functions once, when the app is made: the decoder of its input (path
 * parameters, query, headers, body; every offending field reported) and the encoder of its answer.
 * Calling `Schema.decodeUnknownEither(schema)` per request looked the compiled parser up again and
 * built its closures each time.
 */
import { CompiledParser } from "@flight/contracts"
import { Data, Either, ParseResult, Schema } from "effect"
import * as Problem from "./Problem.ts"
import * as RequestInput from "./RequestInput.ts"
import * as Route from "./Route.ts"

/**
 * The query of a route that declares none: no parameter at all. (`Schema.Struct({})` would not do:
 * Effect decodes any object with it, unknown keys included.)
 */
const NoQuery = Schema.Record({ key: Schema.String, value: Schema.Never })

export class InvalidResponse extends Data.TaggedError("InvalidResponse")<{ readonly route: string; readonly issue: string }> {
  override get message(): string {
    return `The response of ${this.route} does not match its success schema: ${this.issue}`
  }
}

/** What a request carries, before decoding. `body` is `undefined` for a route that takes none. */
export interface RawInput {
  readonly params: Record<string, string>
  readonly url: URL
  readonly request: Request
  readonly body: unknown
}

type Decoder = (value: unknown) => Either.Either<unknown, ParseResult.ParseError>

/** Every offending field reported; "error": undeclared fields refused too (`CompiledParser`: Effect's answers, cheaper). */
const decoderOf = (schema: Schema.Schema.AnyNoContext, onExcessProperty: "error" | "ignore"): Decoder =>
  CompiledParser.decoder(schema, { errors: "all", onExcessProperty })

export interface RouteCodec {
  /** The handler's input, or the 400 listing every offending field. */
  readonly decode: (raw: RawInput) => Either.Either<Route.Input<unknown, unknown, unknown, unknown>, Problem.Problem>
  /** The answer's body as JSON values, or the defect of a handler that answered what its schema does not allow. */
  readonly encode: (result: unknown) => Either.Either<unknown, InvalidResponse>
}

export const make = <R>(route: Route.Route<R>): RouteCodec => {
  const params = route.params === undefined ? undefined : decoderOf(route.params, "ignore")
  const query = decoderOf(route.query ?? NoQuery, "error")
  const headers = route.headers === undefined ? undefined : decoderOf(route.headers, "ignore")
  const body = route.body === undefined ? undefined : decoderOf(route.body, "error")
  const success = route.success.schema === undefined ? undefined : CompiledParser.encoder(route.success.schema)
  const name = `${route.method.toUpperCase()} ${route.path}`

  const decode: RouteCodec["decode"] = (raw) => {
    const errors: Array<Problem.FieldError> = []
    const run = (where: Problem.Where, decoder: Decoder, value: unknown): unknown => {
      const result = decoder(value)
      if (Either.isRight(result)) return result.right
      errors.push(...Problem.fieldErrors(where, result.left))
      return undefined
    }
    const input = {
      params: params === undefined ? {} : run("path", params, raw.params),
      query: run("query", query, RequestInput.queryOf(raw.url)),
      headers: headers === undefined ? {} : run("header", headers, RequestInput.headersOf(raw.request)),
      body: body === undefined
        ? undefined
        : raw.body === RequestInput.NoBody
        ? (errors.push({ path: "body", message: "is missing" }), undefined)
        : run("body", body, raw.body),
      request: raw.request,
    }
    return errors.length > 0
      ? Either.left(
        Problem.badRequest(`The request is invalid (${errors.length} ${errors.length === 1 ? "field" : "fields"})`, errors),
      )
      : Either.right(input as Route.Input<unknown, unknown, unknown, unknown>)
  }

  const encode: RouteCodec["encode"] = (result) => {
    if (success === undefined) return Either.right(undefined)
    return Either.mapLeft(success(result), (error) =>
      new InvalidResponse({ route: name, issue: ParseResult.TreeFormatter.formatErrorSync(error) }))
  }

  return { decode, encode }
}
