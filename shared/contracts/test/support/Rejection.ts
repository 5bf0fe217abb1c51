/** The rejection a decode must answer, and whether its detail names a path. */
import { Either } from "effect"
import type { Catalogue } from "../../src/index.ts"

export const rejection = (result: Either.Either<unknown, Catalogue.DecodeError>): Catalogue.DecodeError => {
  if (Either.isRight(result)) throw new Error(`expected a rejection, decoded ${JSON.stringify(result.right)}`)
  return result.left
}

/** The detail lists issues as `path: message; ...`: true when one of them is about exactly this path. */
export const names = (detail: string, path: ReadonlyArray<PropertyKey>): boolean =>
  `; ${detail}`.includes(`; ${path.length > 0 ? path.map(String).join(".") : "(root)"}: `)

