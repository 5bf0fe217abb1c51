/**
 * Runs a program (a service, the start script) as a child process the way an operator would, and
 * reads its JSON log lines.
 */
import * as Allocator from "../Allocator.ts"

export interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations?: Record<string, unknown>
  readonly cause?: string
}

export interface Child {
  readonly process: Bun.Subprocess<"ignore", "pipe", "pipe">
  /** Resolves with the first line matching, or rejects when the process ends first. */
  readonly waitFor: (predicate: (line: string) => boolean, timeoutMs?: number) => Promise<string>
  /** Every line printed so far, stdout and stderr together. */
  readonly lines: () => ReadonlyArray<string>
}

/** A port nothing listens on right now. */
export const freePort = (): number => {
  const server = Bun.serve({ port: 0, fetch: () => new Response() })
  const port = server.port!
  server.stop(true)
  return port
}

/**
 * The environment of a child: PATH, the allocator's setting a service is deployed with (see
 * `Allocator`), and what is given; nothing else inherited from the test run.
 */
export const environment = (env: Record<string, string>): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "",
  ...Allocator.environment(),
  ...env,
})

/**
 * Children still running. When this process exits without stopping them (a test run or benchmark
 * that crashed), they are killed: a service left behind would go on consuming from the broker's
 * queues and take the next run's messages.
 */
const running = new Set<Bun.Subprocess>()
let killOnExit = false

export const spawn = (command: ReadonlyArray<string>, env: Record<string, string>, cwd?: string): Child => {
  const child = Bun.spawn([...command], {
    env: environment(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    ...(cwd === undefined ? {} : { cwd }),
  })
  running.add(child)
  void child.exited.then(() => running.delete(child))
  if (!killOnExit) {
    killOnExit = true
    process.on("exit", () => {
      for (const orphan of running) orphan.kill("SIGKILL")
    })
  }
  const seen: Array<string> = []
  const waiters = new Set<() => void>()
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    let buffer = ""
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true })
      const parts = buffer.split("\n")
      buffer = parts.pop() ?? ""
      seen.push(...parts.filter((line) => line.trim() !== ""))
      for (const wake of waiters) wake()
    }
    if (buffer.trim() !== "") seen.push(buffer)
  }
  let finished = false
  // Set before the waiters wake, so that a process that ended without the line rejects at once.
  void Promise.all([read(child.stdout), read(child.stderr)]).then(() => {
    finished = true
    for (const wake of waiters) wake()
  })
  const waitFor = (predicate: (line: string) => boolean, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`timed out waiting for a line; saw:\n${seen.join("\n")}`))
      }, timeoutMs)
      const check = () => {
        const line = seen.find(predicate)
        if (line !== undefined || finished) {
          clearTimeout(timer)
          waiters.delete(check)
          if (line !== undefined) resolve(line)
          else reject(new Error(`the process ended first; it printed:\n${seen.join("\n")}`))
        }
      }
      waiters.add(check)
      check()
    })
  return { process: child, waitFor, lines: () => [...seen] }
}

/** Parses the JSON log lines among `lines`. */
export const logLines = (lines: ReadonlyArray<string>): Array<LogLine> =>
  lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine]
    } catch {
      return []
    }
  })

/** Polls `url` until it answers `status`. */
export const waitForStatus = async (url: string, status: number, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  let last = "no answer"
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url)
      if (response.status === status) return
      last = `status ${response.status}`
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
    await Bun.sleep(100)
  }
  throw new Error(`${url} did not answer ${status} in time (${last})`)
}
