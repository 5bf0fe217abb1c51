/**
 * The GitHub Actions workflow (.github/workflows/ci.yml): actionlint (infra/ci/actionlint.sh)
 * passes it and catches a broken one; and it runs .ci/run with the servers .ci/run expects, as
 * service containers on the ports of its URLs, with pinned actions and read-only permissions.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = new URL("../", import.meta.url).pathname
const script = join(root, "infra/ci/actionlint.sh")

interface Step {
  readonly name?: string
  readonly uses?: string
  readonly run?: string
  readonly with?: Record<string, unknown>
}
interface Service {
  readonly image: string
  readonly ports?: ReadonlyArray<string>
  readonly options?: string
  readonly env?: Record<string, string>
}
interface Workflow {
  readonly on: Record<string, unknown>
  readonly permissions: Record<string, string>
  readonly jobs: Record<string, {
    readonly "runs-on": string
    readonly "timeout-minutes": number
    readonly services: Record<string, Service>
    readonly env: Record<string, string>
    readonly steps: ReadonlyArray<Step>
  }>
}

const workflow = Bun.YAML.parse(await Bun.file(join(root, ".github/workflows/ci.yml")).text()) as Workflow
const job = workflow.jobs["ci"]!
const ciRun = await Bun.file(join(root, ".ci/run")).text()
/** The URL .ci/run uses for a server when none is given. */
const defaultOf = (variable: string) => new RegExp(`\\$\\{${variable}:-([^}]+)\\}`).exec(ciRun)?.[1]

describe(".github/workflows/ci.yml", () => {
  test("runs on push and pull requests, on ubuntu-latest, for at most an hour, reading the repository only", () => {
    expect(Object.keys(workflow.on).toSorted()).toEqual(["pull_request", "push"])
    expect(workflow.permissions).toEqual({ contents: "read" })
    expect(job["runs-on"]).toBe("ubuntu-latest")
    expect(job["timeout-minutes"]).toBe(60)
  })

  test("runs .ci/run after Node 20 and Go are set up and the built tools restored", () => {
    const steps = job.steps
    const index = (predicate: (step: Step) => boolean) => steps.findIndex(predicate)
    const node = index((step) => step.uses?.startsWith("actions/setup-node@") === true)
    const go = index((step) => step.uses?.startsWith("actions/setup-go@") === true)
    const cache = index((step) => step.uses?.startsWith("actions/cache@") === true)
    const run = index((step) => step.run?.trim() === "bash .ci/run")
    expect(steps[0]!.uses).toStartWith("actions/checkout@")
    expect(steps[node]!.with?.["node-version"]).toBe("20")
    expect([node, go, cache].every((at) => at > 0 && at < run)).toBe(true)
    expect(run).toBe(steps.length - 1)
    expect(String(steps[cache]!.with?.["path"]).split("\n").map((line) => line.trim())).toEqual(
      expect.arrayContaining(["~/.cache/flight-booking", ".tools"]),
    )
  })

  test("pins every action to a commit", () => {
    const actions = job.steps.flatMap((step) => (step.uses === undefined ? [] : [step.uses]))
    expect(actions.length).toBeGreaterThanOrEqual(4)
    for (const action of actions) expect(action).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/)
  })

  test("gives .ci/run PostgreSQL 15, Redis 7 and RabbitMQ 3, healthy, on the ports of the URLs it uses", () => {
    const services = job.services
    expect(Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.image]))).toEqual({
      postgres: "postgres:15",
      redis: "redis:7",
      rabbitmq: "rabbitmq:3",
    })
    for (const service of Object.values(services)) expect(service.options).toContain("--health-cmd")
    const portsOf = (service: Service) => (service.ports ?? []).map((mapping) => mapping.split(":")[0])
    for (const [variable, service] of [["DATABASE_URL", "postgres"], ["REDIS_URL", "redis"], ["RABBITMQ_URL", "rabbitmq"]] as const) {
      expect(job.env[variable]).toBe(defaultOf(variable)!)
      expect(portsOf(services[service]!)).toContain(new URL(job.env[variable]!).port)
    }
    // The database and the trust authentication DATABASE_URL's passwordless user needs.
    expect(services["postgres"]!.env).toEqual({ POSTGRES_HOST_AUTH_METHOD: "trust", POSTGRES_DB: new URL(job.env["DATABASE_URL"]!).pathname.slice(1) })
  })
})

// actionlint: built once by infra/ci/actionlint.sh (which .ci/run runs before the tests).
const installed = Bun.spawnSync(["bash", script, "--installed"], { stdout: "pipe" })
if (installed.exitCode === 0) {
  const actionlint = installed.stdout.toString().trim()
  describe("actionlint", () => {
    const scratch = mkdtempSync(join(tmpdir(), "workflow-test-"))
    afterAll(() => rmSync(scratch, { recursive: true, force: true }))

    test("passes the workflows", () => {
      const run = Bun.spawnSync(["bash", script], { stdout: "pipe", stderr: "pipe" })
      const output = `${run.stdout.toString()}${run.stderr.toString()}`
      expect({ exitCode: run.exitCode, output }).toEqual({ exitCode: 0, output: expect.stringContaining("pass") })
    })

    test("fails a workflow with a mistake in it", () => {
      const broken = join(scratch, "broken.yml")
      writeFileSync(broken, [
        "on: push",
        "jobs:",
        "  ci:",
        "    runs-on: ubuntu-latest",
        "    timeout-minutes: sixty",
        "    steps:",
        "      - run: echo ${{ github.no_such_thing }}",
        "",
      ].join("\n"))
      const run = Bun.spawnSync([actionlint, "-shellcheck=", "-pyflakes=", broken], { stdout: "pipe", stderr: "pipe" })
      const output = `${run.stdout.toString()}${run.stderr.toString()}`
      expect(run.exitCode).toBe(1)
      expect(output).toContain("timeout-minutes")
      expect(output).toContain("no_such_thing")
    })
  })
} else if (process.env["CI"] === "true") {
  test("actionlint is built for the workflow check", () => {
    throw new Error("actionlint is not built: run bash infra/ci/actionlint.sh before the tests (.ci/run does)")
  })
} else {
  test.skip("actionlint passes the workflows (run bash infra/ci/actionlint.sh to build it)", () => {})
}
