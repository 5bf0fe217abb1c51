/**
 * `scripts/start.ts`, which starts the gateway and the five services together: the embedded mode as
 * a user starts it, with the configuration a user gives it.
 */
import { describe, expect, test } from "bun:test"
import { ChildProcess, RealServer } from "@flight/runtime/testing"
import { DateTime, Duration, Effect } from "effect"
import { createRemoteJWKSet, jwtVerify } from "jose"
import { smtpServer } from "../services/notification/test/support/SmtpServer.ts"
import * as Flows from "./support/Flows.ts"

const root = new URL("../", import.meta.url).pathname
const script = new URL("./start.ts", import.meta.url).pathname
const services = { gateway: 3000, booking: 3001, flight: 3002, payment: 3003, notification: 3004, identity: 3005, web: 3006 } as const

const allReady = () =>
  Promise.all(Object.values(services).map((port) => ChildProcess.waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, 30_000)))

const nothingListens = async () => {
  for (const port of Object.values(services)) {
    const answer = await fetch(`http://127.0.0.1:${port}/health/live`).then(() => "answered", () => "refused")
    expect(`${port} ${answer}`).toBe(`${port} refused`)
  }
}

/**
 * A client of the system one test started, every call through its gateway: signed in to that
 * start's identity service (in memory, its own keys).
 */
const systemApi = () => {
  const gateway = `http://127.0.0.1:${services.gateway}`
  return Flows.apiOf({ BOOKING_URL: gateway, FLIGHT_URL: gateway, PAYMENT_URL: gateway, NOTIFICATION_URL: gateway, IDENTITY_URL: gateway })
}

/** How long a booking holds its seats, by its own account. */
const holdOf = (booking: Flows.Json) =>
  Duration.millis(DateTime.distance(DateTime.unsafeMake(booking["createdAt"]), DateTime.unsafeMake(booking["holdExpiresAt"])))

/** Stops a start script left running by a failed test, so the next one finds its ports free. */
const cleanUp = async (child: ChildProcess.Child) => {
  if (child.process.exitCode === null) {
    child.process.kill("SIGTERM")
    await child.process.exited
  }
}

describe("start (embedded)", () => {
  test("runs the gateway, the five services and the web site in one process, ready on 3000-3006, prints the gateway first, and exits 0 on SIGINT", async () => {
    // A store URL is ignored in the embedded mode: this one would refuse every connection. PORT is
    // ignored too, even when it is not a port: each service has its own.
    const child = ChildProcess.spawn(["bun", script], { REDIS_URL: "redis://127.0.0.1:1", PORT: "http" }, root)
    try {
      await allReady()
      child.process.kill("SIGINT")
      expect(await child.process.exited).toBe(0)
      const logs = ChildProcess.logLines(child.lines())
      for (const [name, port] of Object.entries(services)) {
        const line = logs.find((entry) => entry.message.startsWith(`${name} listening on`))
        expect(line?.message).toBe(
          `${name} listening on http://localhost:${port}/ (store: in-memory, message bus: ${["identity", "gateway", "web"].includes(name) ? "none" : "in-process"})`,
        )
      }
      // The one origin is what a user opens: it is said first, before the services behind it.
      const summary = logs.filter((entry) => entry.message.startsWith("Open ") || entry.message.includes(" listening on "))
      expect(summary.slice(0, 2).map((entry) => entry.message)).toEqual([
        "Open http://localhost:3000/ : the site, and the one origin for every API (API docs at http://localhost:3000/docs)",
        "gateway listening on http://localhost:3000/ (store: in-memory, message bus: none)",
      ])
      expect(logs.find((entry) => entry.level === "warning")?.message).toBe("Embedded mode ignores PORT, REDIS_URL (APP_MODE=infra uses them)")
      await nothingListens()
    } finally {
      await cleanUp(child)
    }
  }, 60_000)

  test("serves the identity discovery document, prints the development staff, signs ops in with a token the JWKS verifies and the services accept", async () => {
    const child = ChildProcess.spawn(["bun", script], {}, root)
    try {
      await allReady()
      const identity = `http://localhost:${services.identity}`
      const staff = ChildProcess.logLines(child.lines()).filter((line) => line.message.startsWith("Staff account")).map((line) => line.message)
      expect(staff.join("\n")).toContain("ops@flight.local (roles ops): created, development password: flight-ops-dev-only")
      expect(staff.join("\n")).toContain("admin@flight.local (roles ops, admin): created, development password: flight-admin-dev-only")
      const discovery = await (await fetch(`${identity}/.well-known/openid-configuration`)).json() as { issuer: string; jwks_uri: string }
      expect(discovery).toMatchObject({ issuer: identity, jwks_uri: `${identity}/api/auth/jwks` })
      const signedIn = await fetch(`${identity}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "ops@flight.local", password: "flight-ops-dev-only" }),
      })
      expect(signedIn.status).toBe(200)
      const session = (await signedIn.json() as { token: string }).token
      const { token } = await (await fetch(`${identity}/api/auth/token`, { headers: { authorization: `Bearer ${session}` } })).json() as { token: string }
      const verified = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
        issuer: discovery.issuer,
        audience: "flight-booking",
        algorithms: ["EdDSA"],
      })
      expect(verified.payload).toMatchObject({ roles: ["ops"], kind: "staff" })
      // The other services verify these tokens with identity's keys: flight's status change is a 401
      // without one and a 200 with the ops account's.
      await Effect.runPromise(Flows.operationsSignedIn(systemApi()))
    } finally {
      await cleanUp(child)
    }
  }, 60_000)

  test("honours BOOKING_HOLD_TTL: a booking held 3 seconds expires by itself and its seats are free again", async () => {
    const child = ChildProcess.spawn(["bun", script], { BOOKING_HOLD_TTL: "3 seconds" }, root)
    try {
      await allReady()
      await Effect.runPromise(Effect.gen(function* () {
        const api = systemApi()
        const flightId = yield* Flows.flightOnSale(api)
        const booking = yield* Flows.book(api, flightId)
        expect(Duration.format(holdOf(booking))).toBe("3s")
        // From here on only the flight service is asked: its availability comes back when the
        // booking service's sweeper expires the hold and publishes it, with no request to booking.
        yield* Flows.eventually("availability lowered", Flows.available(api, flightId), (seats) => seats === 7)
        yield* Flows.eventually("availability back", Flows.available(api, flightId), (seats) => seats === 9, "30 seconds")
        const expired = yield* api.booking("GET", `/api/bookings/${booking["id"]}`, undefined, Flows.guest(booking))
        expect([expired.body["status"], expired.body["cancellationReason"]]).toEqual(["expired", "expired"])
        const map = yield* api.booking("GET", `/api/seatmaps/${flightId}?cabin=economy`)
        expect(map.body["seats"].map((seat: Flows.Json) => seat["state"])).toEqual(Array(9).fill("free"))
      }))
    } finally {
      await cleanUp(child)
    }
  }, 60_000)

  test("honours SMTP_URL: the customer's email goes through that server", async () => {
    await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
      const smtp = yield* smtpServer()
      const child = ChildProcess.spawn(["bun", script], { SMTP_URL: `smtp://127.0.0.1:${smtp.port}` }, root)
      yield* Effect.addFinalizer(() => Effect.promise(() => cleanUp(child)))
      yield* Effect.promise(allReady)
      const api = systemApi()
      const booking = yield* Flows.book(api, yield* Flows.flightOnSale(api))
      const received = Effect.sync(() => smtp.received.filter((mail) => mail.raw.includes(`Booking ${booking["reference"]}`)))
      const [mail] = yield* Flows.eventually("the email at the SMTP server", received, (mails) => mails.length > 0, "30 seconds")
      expect(mail?.to).toEqual([booking["contact"]["email"]])
    })))
  }, 60_000)

  test("a bad BOOKING_HOLD_TTL or SMTP_URL stops the start, naming each", async () => {
    const child = ChildProcess.spawn(["bun", script], { BOOKING_HOLD_TTL: "soon", SMTP_URL: "http://mail.example" }, root)
    try {
      expect(await Promise.race([child.process.exited, Bun.sleep(20_000).then(() => "still running")])).toBe(1)
      const [line] = ChildProcess.logLines(child.lines())
      expect(line?.level).toBe("error")
      expect(line?.message).toContain("BOOKING_HOLD_TTL")
      expect(line?.message).toContain("SMTP_URL")
      await nothingListens()
    } finally {
      await cleanUp(child)
    }
  }, 30_000)

  test("refuses APP_ENV=production, naming APP_ENV", async () => {
    const child = ChildProcess.spawn(["bun", script], { APP_ENV: "production" }, root)
    expect(await child.process.exited).toBe(1)
    const [line] = ChildProcess.logLines(child.lines())
    expect(line?.message).toContain("APP_ENV")
    expect(line?.message).toContain("APP_MODE=infra")
  }, 30_000)

  test("a bad APP_MODE fails naming APP_MODE", async () => {
    const child = ChildProcess.spawn(["bun", script], { APP_MODE: "cluster" }, root)
    expect(await child.process.exited).toBe(1)
    expect(child.lines().join("\n")).toContain("APP_MODE")
  }, 30_000)
})

describe("start (infra)", () => {
  test("refuses to start without every server's URL, naming each missing one", async () => {
    const child = ChildProcess.spawn(["bun", script], { APP_MODE: "infra", REDIS_URL: "redis://127.0.0.1:6379" }, root)
    expect(await child.process.exited).toBe(1)
    const [line] = ChildProcess.logLines(child.lines())
    for (const variable of ["MONGODB_URL", "DATABASE_URL", "RABBITMQ_URL"]) expect(line?.message).toContain(variable)
    expect(line?.message).not.toContain("REDIS_URL")
  }, 30_000)

  const servers = ["REDIS_URL", "MONGODB_URL", "DATABASE_URL", "RABBITMQ_URL"].map((name) => [name, RealServer.url(name)] as const)
  const missing = servers.filter(([, value]) => value === undefined).map(([name]) => name)
  const env = Object.fromEntries(servers.filter(([, value]) => value !== undefined)) as Record<string, string>
  const withServers = missing.length === 0 ? test : test.skip
  const note = missing.length === 0 ? "" : ` (set ${missing.join(", ")} to run)`

  withServers(`runs each service as a child on the real servers, prefixes their output, and exits 0 on SIGINT${note}`, async () => {
    const child = ChildProcess.spawn(["bun", script], { ...env, APP_MODE: "infra" }, root)
    try {
      await allReady()
      child.process.kill("SIGINT")
      expect(await child.process.exited).toBe(0)
      const lines = child.lines()
      expect(lines.some((line) => /^booking +\| .*store: Redis /.test(line))).toBe(true)
      expect(lines.some((line) => /^flight +\| .*store: MongoDB /.test(line))).toBe(true)
      expect(lines.some((line) => /^payment +\| .*store: PostgreSQL /.test(line))).toBe(true)
      expect(lines.some((line) => /^notification \| .*message bus: RabbitMQ /.test(line))).toBe(true)
      expect(lines.some((line) => /^identity +\| .*store: PostgreSQL /.test(line))).toBe(true)
      for (const name of Object.keys(services)) {
        expect(lines.some((line) => new RegExp(`^${name} +\\| .*"message":"Stopped"`).test(line))).toBe(true)
      }
      await nothingListens()
    } finally {
      await cleanUp(child)
    }
  }, 90_000)

  withServers(`stops the others and exits non-zero when a child dies${note}`, async () => {
    const child = ChildProcess.spawn(["bun", script], { ...env, APP_MODE: "infra" }, root)
    try {
      await allReady()
      const started = ChildProcess.logLines(child.lines()).find((line) => line.message.startsWith("Started flight"))
      const pid = Number(started?.annotations?.["pid"])
      expect(pid).toBeGreaterThan(0)
      process.kill(pid, "SIGKILL")
      expect(await child.process.exited).toBe(1)
      expect(child.lines().join("\n")).toContain("flight was killed by SIGKILL")
      await nothingListens()
    } finally {
      await cleanUp(child)
    }
  }, 90_000)
})
