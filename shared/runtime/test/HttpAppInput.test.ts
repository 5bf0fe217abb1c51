import { afterAll, describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { HttpApp } from "../src/index.ts"
import * as Fixture from "./HttpAppFixture.ts"

const { authentication, knownId, problemOf, routes, seen, validBooking } = Fixture
const { app, get, post, runtime, dispose } = await Fixture.make()
afterAll(dispose)

describe("HttpApp: input validation", () => {
  test("a bad body is a 400 listing every offending field", async () => {
    const response = await post("/api/bookings", {
      flightId: "nope",
      passengers: [{ firstName: "Ada", lastName: "" }],
    })
    expect(response.status).toBe(400)
    const problem = await problemOf(response)
    expect(problem.type).toBe("validation-failed")
    expect(problem.errors?.map((e) => e.path).sort()).toEqual(["body.flightId", "body.passengers.0.lastName"])
  })

  test("unknown body fields are rejected", async () => {
    const response = await post("/api/bookings", { ...validBooking, discount: 100 })
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors).toEqual([
      { path: "body.discount", message: expect.stringContaining("is unexpected") },
    ])
  })

  test("a bad query value and an unknown query parameter are a 400 naming both", async () => {
    const response = await get(`/api/flights/${knownId}?limit=many&sort=asc`)
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path).sort()).toEqual(["query.limit", "query.sort"])
  })

  test("a route that declares no query refuses every query parameter, naming it", async () => {
    const response = await post("/api/bookings?sort=asc", validBooking)
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["query.sort"])
    expect((await post("/api/bookings", validBooking)).status).toBe(201)
  })

  test("a __proto__ query parameter is an unknown parameter like any other", async () => {
    const response = await get(`/api/flights/${knownId}?__proto__=a&__proto__=b`)
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["query.__proto__"])
  })

  test("a malformed path parameter is a 400, not a 404", async () => {
    const response = await get("/api/flights/not-a-uuid")
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["path.id"])
  })

  test("invalid JSON is a 400", async () => {
    const response = await post("/api/bookings", "{\"flightId\": ")
    expect(response.status).toBe(400)
    expect((await problemOf(response)).type).toBe("malformed-json")
  })

  test("a missing body is a 400", async () => {
    const response = await app.fetch(new Request("http://test/api/bookings", { method: "POST" }))
    expect(response.status).toBe(400)
    expect((await problemOf(response)).errors).toEqual([{ path: "body", message: "is missing" }])
  })

  test("a body over the limit is a 413, whether or not its length is declared", async () => {
    const big = { ...validBooking, padding: "x".repeat(2000) }
    expect((await post("/api/bookings", big)).status).toBe(413)
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("x".repeat(500)))
        controller.close()
      },
    })
    const response = await app.fetch(
      new Request("http://test/api/bookings", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: streamed,
      }),
    )
    expect(response.status).toBe(413)
    expect((await problemOf(response)).type).toBe("payload-too-large")
  })

  test("a body that is not JSON is a 415", async () => {
    const response = await post("/api/bookings", "flightId=1", { "content-type": "application/x-www-form-urlencoded" })
    expect(response.status).toBe(415)
    expect((await problemOf(response)).type).toBe("unsupported-media-type")
  })

  test("application/*+json and a charset are accepted as JSON", async () => {
    const response = await post("/api/bookings", validBooking, { "content-type": "application/vnd.api+json; charset=utf-8" })
    expect(response.status).toBe(201)
    expect((await post("/api/bookings", validBooking, { "content-type": "application/json; Charset=\"UTF-8\"" })).status).toBe(201)
  })

  test("JSON in another charset than UTF-8 is a 415 (before: read as UTF-8 whatever it said)", async () => {
    for (const contentType of ["application/json; charset=utf-16", "application/json;charset=iso-8859-1", "application/json; charset=\"utf-16le\""]) {
      const response = await post("/api/bookings", validBooking, { "content-type": contentType })
      expect([contentType, response.status, (await problemOf(response)).type]).toEqual([contentType, 415, "unsupported-media-type"])
    }
  })

  test("headers are decoded with lower-case names", async () => {
    await post("/api/bookings", validBooking, { "content-type": "application/json", "Idempotency-Key": "k-1" })
    expect(seen.headers).toEqual({ "idempotency-key": "k-1" })
  })
})

describe("HttpApp: hostile input", () => {
  const nested = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth)

  test("a body nested thousands deep is a 400 naming the cap, before any decoding", async () => {
    const app = HttpApp.make({ service: "deep-test", version: "1", routes, runtime, authentication, readiness: Effect.void })
    const deep = (body: string) =>
      app.fetch(new Request("http://test/api/bookings", { method: "POST", headers: { "content-type": "application/json" }, body }))
    for (const body of [nested(10_600, "[", "]"), `{"flightId":${"{\"a\":".repeat(7_200)}1${"}".repeat(7_200)}}`]) {
      const response = await deep(body)
      expect(response.status).toBe(400)
      const problem = await problemOf(response)
      expect(problem.type).toBe("malformed-json")
      expect(problem.detail).toContain("more than 32 levels deep")
    }
    // At the cap, the body is read and judged by its schema as usual.
    const atCap = await deep(`{"flightId":${nested(31, "[", "]")}}`)
    expect((await problemOf(atCap)).errors?.map((error) => error.path)).toEqual(["body.flightId", "body.passengers"])
  })

  test("a 400 echoes only a short, marked prefix of an offending value or key", async () => {
    const long = "x".repeat(900)
    const response = await post("/api/bookings", { ...validBooking, flightId: long })
    const [error] = (await problemOf(response)).errors ?? []
    expect(error?.path).toBe("body.flightId")
    expect(error?.message).toContain(`actual "${"x".repeat(39)}… (902 characters)`)
    expect(error!.message.length).toBeLessThan(200)
    const unknownKey = await post("/api/bookings", { ...validBooking, [long]: 1 })
    const [unexpected] = (await problemOf(unknownKey)).errors ?? []
    expect(unexpected?.path).toBe(`body.${"x".repeat(40)}… (900 characters)`)
  })
})
