/**
 * A service's `main.ts` run alone as an operator runs it (`bun src/main.ts`), for the services whose
 * tests start their own process: waited for until ready, stopped on SIGTERM with its last log line
 * "Stopped", or refused at start with one line naming the variables at fault.
 */
import { expect, test } from "bun:test"
import * as ChildProcess from "./ChildProcess.ts"

/** Waits for the server to listen and for `base`'s `/health/ready` to answer 200. */
export const ready = async (child: ChildProcess.Child, base: string): Promise<void> => {
  await child.waitFor((line) => line.includes("Listening on"))
  await ChildProcess.waitForStatus(`${base}/health/ready`, 200)
}

/** SIGTERM stops it with exit code 0, and its last log line is "Stopped". */
export const expectStopsCleanly = async (child: ChildProcess.Child): Promise<void> => {
  child.process.kill("SIGTERM")
  expect(await child.process.exited).toBe(0)
  const after = ChildProcess.logLines(child.lines())
  expect(after[after.length - 1]!.message).toBe("Stopped")
}

/** Kills it when a test ended with it still running. */
export const killIfRunning = (child: ChildProcess.Child): void => {
  if (child.process.exitCode === null) child.process.kill("SIGKILL")
}

/** It exits with code 1 having printed one line, naming each of `naming` and none of `withholding`. */
export const expectRefused = async (
  child: ChildProcess.Child,
  { naming, withholding = [] }: { readonly naming: ReadonlyArray<string>; readonly withholding?: ReadonlyArray<string> },
): Promise<void> => {
  expect(await child.process.exited).toBe(1)
  const lines = child.lines()
  expect(lines).toHaveLength(1)
  for (const variable of naming) expect(lines[0]).toContain(variable)
  for (const secret of withholding) expect(lines[0]).not.toContain(secret)
}

/** Registers the test that a Redis it cannot reach stops `main`'s start, naming the store but never the URL's password. */
export const refusesUnreachableRedis = (main: string): void => {
  test("an unreachable REDIS_URL stops the start naming the store, never its password", async () => {
    const child = ChildProcess.spawn(["bun", main], { PORT: String(ChildProcess.freePort()), REDIS_URL: `redis://:hunter2@127.0.0.1:${ChildProcess.freePort()}` })
    expect(await child.process.exited).toBe(1)
    const text = child.lines().join("\n")
    expect(text).toContain("redis")
    expect(text).not.toContain("hunter2")
  }, 30_000)
}
