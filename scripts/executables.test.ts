/**
 * The services as single-file executables, as their images run them: each built with
 * `bun build --compile` (scripts/build-executables.ts), started alone with no store URL in an empty
 * working directory, answering /health/live and checking itself with `<executable> healthcheck`;
 * the site's and the API reference's files served from inside the executables; each one again in
 * a root like its image's (nothing but glibc, read-only, uid 65532); and the Dockerfile: BuildKit's
 * checks pass and every file it copies is there once the executables are built.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Allocator } from "@flight/runtime"
import { ChildProcess } from "@flight/runtime/testing"
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { buildAll, type Service, services, type Target } from "./build-executables.ts"

const root = join(import.meta.dir, "..")
const lint = join(root, "infra", "docker", "lint.sh")
const dockerfile = join(root, "infra", "docker", "Dockerfile")
const inCi = process.env["CI"] === "true"

/** This machine's own target, so that the executables run here. */
const target = `bun-${process.platform}-${process.arch}` as Target

// The build context as `docker build` gets it: the executables in its dist/bin.
let context = ""
const executable = (service: Service) => join(context, "dist", "bin", service)

beforeAll(async () => {
  context = await mkdtemp(join(tmpdir(), "flight-executables-"))
  const started = performance.now()
  const built = await buildAll(services, { outdir: join(context, "dist", "bin"), target, sourcemap: true })
  const sizes = built.map((each) => `${each.service} ${(each.bytes / 1024 / 1024).toFixed(0)} MiB`).join(", ")
  console.log(`built ${built.length} executables in ${((performance.now() - started) / 1000).toFixed(1)} s: ${sizes}`)
}, { timeout: 600_000 })

afterAll(() => rm(context, { recursive: true, force: true }))

/** Runs a command to its end, with `env` only (and PATH). */
const run = async (command: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const child = ChildProcess.spawn(command, env)
  const code = await child.process.exited
  // Rejects once both streams have ended, no line being wanted: then every line has been read.
  await child.waitFor(() => false, 10_000).catch(() => undefined)
  return { code, output: child.lines().join("\n") }
}

interface Started {
  readonly child: ChildProcess.Child
  readonly port: number
}

/** Starts `command` on a free port and waits until it answers /health/live 200, or fails with its output. */
const startLive = async (command: ReadonlyArray<string>, env: Record<string, string>, cwd?: string): Promise<Started> => {
  const port = ChildProcess.freePort()
  const child = ChildProcess.spawn(command, { ...env, PORT: String(port) }, cwd)
  const ended = child.process.exited.then((code) => {
    throw new Error(`${command.join(" ")} exited with ${code} before it was live:\n${child.lines().join("\n")}`)
  })
  await Promise.race([ChildProcess.waitForStatus(`http://127.0.0.1:${port}/health/live`, 200, 60_000), ended])
  void ended.catch(() => undefined)
  return { child, port }
}

/** Stops a service with SIGTERM, as a container runtime does, and returns its exit code. */
const stop = async ({ child }: Started): Promise<number> => {
  if (child.process.exitCode !== null) return child.process.exitCode
  child.process.kill("SIGTERM")
  return child.process.exited
}

/** Starts a service alone in a fresh working directory, which is its HOME and TMPDIR too. */
const startAlone = async (service: Service) => {
  const directory = await mkdtemp(join(context, `${service}-run-`))
  const started = await startLive([executable(service)], { HOME: directory, TMPDIR: directory }, directory)
  return { ...started, directory }
}

describe("each service's executable, alone with no store URL", () => {
  for (const service of services) {
    test(`${service}: /health/live answers 200, \`healthcheck\` exits 0, SIGTERM stops it, and it wrote nothing; then \`healthcheck\` exits 1`, async () => {
      const started = await startAlone(service)
      try {
        const live = await fetch(`http://127.0.0.1:${started.port}/health/live`)
        expect(await live.json()).toEqual({ status: "ok" })
        const check = await run([executable(service), "healthcheck"], { PORT: String(started.port) })
        expect({ code: check.code, output: check.output }).toEqual({ code: 0, output: "" })
      } finally {
        expect(await stop(started)).toBe(0)
      }
      expect(await readdir(started.directory)).toEqual([])
      const refused = await run([executable(service), "healthcheck"], { PORT: String(started.port) })
      expect(refused.code).toBe(1)
      expect(refused.output).toContain(`http://127.0.0.1:${started.port}/health/live is not live`)
    }, 90_000)
  }
})

describe("files served from inside the executables", () => {
  const sameBytes = async (url: string, file: string) => {
    const response = await fetch(url)
    expect({ url, status: response.status }).toEqual({ url, status: 200 })
    expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(file))).toBe(true)
  }

  test("the web site serves its style sheet, its script and htmx, the very files of the repository", async () => {
    const web = await startAlone("web")
    try {
      const assets = join(root, "services", "web", "src", "api", "assets")
      await sameBytes(`http://127.0.0.1:${web.port}/assets/site.css`, join(assets, "site.css"))
      await sameBytes(`http://127.0.0.1:${web.port}/assets/site.js`, join(assets, "site.js"))
      await sameBytes(`http://127.0.0.1:${web.port}/assets/htmx.min.js`, Bun.resolveSync("htmx.org/dist/htmx.min.js", assets))
    } finally {
      await stop(web)
    }
  }, 90_000)

  test("the gateway serves the API reference's Swagger UI files", async () => {
    const gateway = await startAlone("gateway")
    try {
      const distribution = dirname(Bun.resolveSync("swagger-ui-dist/package.json", join(root, "services", "gateway")))
      for (const name of ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"]) {
        await sameBytes(`http://127.0.0.1:${gateway.port}/docs/assets/swagger-ui-dist/${name}`, join(distribution, name))
      }
    } finally {
      await stop(gateway)
    }
  }, 90_000)
})

/**
 * A root like the image's, without a container engine: a private mount namespace where a directory
 * with the executables and the C library alone is mounted read-only as `/`, /proc and /dev as a
 * container runtime gives them, and the process runs as 65532 (the image's USER). Needs root.
 */
const canIsolate = process.getuid?.() === 0 && Bun.which("unshare") !== null && Bun.which("chroot") !== null

const imageRoot = async (): Promise<string> => {
  const rootfs = join(context, "rootfs")
  await mkdir(join(rootfs, "app"), { recursive: true })
  for (const directory of ["proc", "dev", "tmp"]) await mkdir(join(rootfs, directory))
  await chmod(rootfs, 0o755)
  await chmod(join(rootfs, "tmp"), 0o1777)
  // What the executables link to: the C library (the base image's), found as the loader finds it.
  const linked = await run(["ldd", executable("web")])
  const libraries = [...linked.output.matchAll(/(\/\S+) \(0x/g)].map((match) => match[1]!)
  expect(libraries.length).toBeGreaterThan(0)
  for (const library of libraries) {
    await mkdir(join(rootfs, dirname(library)), { recursive: true })
    await copyFile(library, join(rootfs, library))
  }
  for (const service of services) {
    await copyFile(executable(service), join(rootfs, "app", service))
    await chmod(join(rootfs, "app", service), 0o555)
  }
  return rootfs
}

const isolated = (rootfs: string, command: ReadonlyArray<string>) => [
  "unshare", "--mount", "--propagation", "private", "sh", "-c",
  'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && mount -t proc proc "$0/proc" && ' +
  'mount --rbind /dev "$0/dev" && exec chroot --userspec=65532:65532 "$0" "$@"',
  rootfs, ...command,
]

describe("in a root like the image's", () => {
  test.skipIf(!canIsolate && !inCi)("every executable serves and passes its healthcheck as uid 65532 in a read-only root holding only it and glibc", async () => {
    if (!canIsolate) throw new Error("this check needs root, unshare and chroot; CI runs as root")
    const rootfs = await imageRoot()
    const running = await Promise.all(services.map((service) => startLive(isolated(rootfs, [`/app/${service}`]), {})))
    try {
      for (const [index, service] of services.entries()) {
        const { port, child } = running[index]!
        const status = await Bun.file(`/proc/${child.process.pid}/status`).text()
        expect({ service, uid: status.match(/^Uid:\s+(\d+)/m)?.[1] }).toEqual({ service, uid: "65532" })
        const check = await run(isolated(rootfs, [`/app/${service}`, "healthcheck"]), { PORT: String(port) })
        expect({ service, code: check.code, output: check.output }).toEqual({ service, code: 0, output: "" })
      }
    } finally {
      for (const started of running) await stop(started)
    }
  }, 180_000)
})

describe("the Dockerfile", () => {
  const header = async () => (await readFile(dockerfile, "utf8")).split("\n")
  const instructions = async () =>
    (await readFile(dockerfile, "utf8")).replace(/\\\n/g, " ").split("\n").map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"))

  test("asks `docker build` to fail on any warning, checks included", async () => {
    expect((await header()).slice(0, 2)).toEqual(["# syntax=docker/dockerfile:1", "# check=error=true;experimental=all"])
  })

  test("copies the executable alone, runs it as a numeric non-root user on the PORT it exposes, and checks its health with it", async () => {
    const lines = await instructions()
    const copies = lines.filter((line) => line.startsWith("COPY "))
    expect(copies).toEqual(["COPY --chown=0:0 --chmod=0555 dist/bin/${SERVICE:?} /app/service"])
    const user = lines.find((line) => line.startsWith("USER "))?.split(/\s+/)[1] ?? ""
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/)
    const port = lines.find((line) => line.startsWith("ENV PORT="))?.slice("ENV PORT=".length)
    expect(lines).toContain(`EXPOSE ${port}`)
    expect(lines.find((line) => line.startsWith("HEALTHCHECK "))).toEndWith('CMD ["/app/service", "healthcheck"]')
    expect(lines.at(-1)).toBe('ENTRYPOINT ["/app/service"]')
  })

  test("starts the executable with Bun's allocator keeping the memory it frees, as the executable's allocator reads it", async () => {
    const lines = await instructions()
    // The last line that sets it is what the image runs with.
    const setting = lines.findLast((line) => line.startsWith(`ENV ${Allocator.variable}=`))?.slice(`ENV ${Allocator.variable}=`.length)
    expect(setting).toBe(Allocator.keep)
    // The executable's own allocator, started with the image's value, prints the delay it took.
    const started = await run([executable("booking"), "healthcheck"], { MIMALLOC_VERBOSE: "1", [Allocator.variable]: setting! })
    expect(started.output).toContain(`option 'purge_delay': ${Allocator.keep}`)
  }, 30_000)

  // The linter is built from the Go module proxy on first use (minutes from an empty Go cache),
  // with this run's environment: Go's own settings may be in it.
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined))
  const goAvailable = Bun.which("go", { PATH: `${process.env["PATH"] ?? ""}:/usr/local/go/bin` }) !== null
  const lintTest = test.skipIf(!goAvailable && !inCi)

  lintTest("passes BuildKit's checks for every service, and every file it copies is in the context after the build", async () => {
    const result = await run(["bash", lint, "--context", context], inherited)
    expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: expect.stringContaining("no warnings, every COPY source in") })
  }, 900_000)

  lintTest("the lint fails on a Dockerfile with a warning, and on a COPY of a file the context lacks", async () => {
    const bad = join(context, "bad.Dockerfile")
    await writeFile(bad, "FROM debian:12-slim as Runtime\nCOPY missing.txt /srv/\nCMD echo ready\n")
    const result = await run(["bash", lint, "--context", context, bad], inherited)
    expect(result.code).toBe(1)
    for (const rule of ["FromAsCasing", "StageNameCasing", "JSONArgsRecommended", "missing.txt: no such file in the context"]) {
      expect(result.output).toContain(rule)
    }
  }, 900_000)
})
