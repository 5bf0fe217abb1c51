import { afterAll, describe, expect, test } from "bun:test"
import { Option } from "effect"
import { Traceparent } from "../src/index.ts"
import * as Fixture from "./HttpAppFixture.ts"

const { knownId, logged, problemOf, seen, validBooking } = Fixture
const { get, post, dispose } = await Fixture.make()
afterAll(dispose)

describe("HttpApp: responses", () => {
  test("the success schema encodes the result and strips fields it does not declare", async () => {
    const response = await post("/api/bookings", validBooking)
    expect(response.status).toBe(201)
    expect(response.headers.get("content-type")).toBe("application/json")
    expect(await response.json()).toEqual({ seats: 1 })

    const flight = await get(`/api/flights/${knownId}`)
    expect(flight.status).toBe(200)
    expect(await flight.json()).toEqual({ id: knownId, number: "BA117", departureAt: "2026-12-01T10:00:00.000Z" })
  })

  test("a handler may choose the status and headers with Route.response", async () => {
    const response = await post("/api/bookings", validBooking, { "content-type": "application/json", "idempotency-key": "replay" })
    expect(response.status).toBe(200)
    expect(response.headers.get("idempotent-replayed")).toBe("true")
    expect(await response.json()).toEqual({ seats: 1 })
  })

  test("a route without a success schema answers with no body", async () => {
    const response = await post("/api/bookings/b-1/cancel", "", {})
    expect(response.status).toBe(204)
    expect(await response.text()).toBe("")
  })

  test("a Problem from the handler is answered with its status, headers and problem+json", async () => {
    const notFound = await get("/api/flights/0192f5a4-5c7e-7b3a-9f1d-000000000000")
    expect(notFound.status).toBe(404)
    expect((await problemOf(notFound)).type).toBe("flight-not-found")

    const crowd = Array.from({ length: 6 }, () => ({ firstName: "A", lastName: "B" }))
    const conflict = await post("/api/bookings", { flightId: knownId, passengers: crowd })
    expect(conflict.status).toBe(409)
    expect(conflict.headers.get("retry-after")).toBe("5")
    expect(await problemOf(conflict)).toMatchObject({ type: "seats-unavailable", detail: "Not enough seats" })
  })

  test("a defect is a 500 problem that leaks nothing, and its cause is logged", async () => {
    logged.length = 0
    const response = await post("/api/bookings/crash/cancel", "", {})
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toMatchObject({ type: "internal-error", status: 500 })
    expect(text).not.toContain("hunter2")
    expect(text).not.toContain("connection string")
    expect(logged.some((entry) => entry.cause.includes("connection string"))).toBe(true)
  })
})

describe("HttpApp: tracing", () => {
  const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

  test("the request runs in a server span continuing the incoming traceparent", async () => {
    const response = await get(`/api/flights/${knownId}`, { traceparent: incoming })
    const span = seen.span!
    expect(span.name).toBe("HTTP GET /api/flights/:id")
    expect(span.kind).toBe("server")
    expect(span.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736")
    expect(Option.map(span.parent, (parent) => parent.spanId)).toEqual(Option.some("00f067aa0ba902b7"))
    expect(span.attributes.get("http.method")).toBe("GET")
    expect(span.attributes.get("http.route")).toBe("/api/flights/:id")
    expect(span.attributes.get("http.status_code")).toBe(200)
    expect(response.headers.get("traceparent")).toBe(
      Traceparent.format({ traceId: span.traceId, spanId: span.spanId, sampled: true }),
    )
  })

  test("without a traceparent a new trace starts; an invalid one is ignored", async () => {
    const fresh = await get(`/api/flights/${knownId}`, { traceparent: "garbage" })
    const header = fresh.headers.get("traceparent")
    expect(header).not.toBeNull()
    expect(Option.isSome(Traceparent.parse(header!))).toBe(true)
    expect(header).not.toContain("4bf92f3577b34da6a3ce929d0e0e4736")
  })
})
