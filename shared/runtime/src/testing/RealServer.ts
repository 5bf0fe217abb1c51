/**
 * Real-server suites read their server's URL from the environment. Without it they are skipped on a
 * developer's machine; in CI (CI=true) a missing URL is an error, so no suite is skipped silently.
 */
import { describe } from "bun:test"

export const url = (variable: string): string | undefined => {
  const value = process.env[variable]
  if (value !== undefined && value !== "") return value
  if (process.env["CI"] === "true") throw new Error(`${variable} must be set in CI: the real-server suites run there`)
  return undefined
}

/** `describe` when the server's URL is set, `describe.skip` (with a note) otherwise. */
export const describeWith = (variable: string, name: string, body: (url: string) => void) => {
  const value = url(variable)
  if (value === undefined) {
    describe.skip(`${name} (set ${variable} to run)`, () => {})
  } else {
    describe(name, () => body(value))
  }
}
