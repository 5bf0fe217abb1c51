/** Assertions on HTTP answers that every service's route tests make: problem+json and its fields. */
import { expect } from "bun:test"
import * as Problem from "../Problem.ts"

/** An answer as the route tests read it: status, headers, and the parsed JSON body. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
}

export const problemOf = (answer: Answer) => answer.body as Problem.Body

/** A problem+json answer of this status and type. */
export const expectProblem = (answer: Answer, status: number, type: string) => {
  expect(answer.status).toBe(status)
  expect(answer.headers.get("content-type")).toContain(Problem.contentType)
  expect(problemOf(answer)).toMatchObject({ status, type })
}

/** A 400 validation-failed problem naming exactly these field paths, each with a message. */
export const expectValidation = (answer: Answer, paths: ReadonlyArray<string>) => {
  expectProblem(answer, 400, "validation-failed")
  const problem = problemOf(answer)
  expect((problem.errors ?? []).map((error) => error.path).toSorted()).toEqual([...paths].toSorted())
  for (const error of problem.errors ?? []) expect(error.message).not.toBe("")
}
