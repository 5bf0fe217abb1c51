/** A POST's request under an optional Idempotency-Key, and its answer marked when replayed. */
import { describe, expect, test } from "bun:test"
import { Option } from "effect"
import * as IdempotencyKey from "../src/IdempotencyKey.ts"

describe("IdempotencyKey.requestOf", () => {
  test("without a key there is no request, and the input is not even encoded", () => {
    let encoded = 0
    const request = IdempotencyKey.requestOf(undefined, "POST /api/things", () => {
      encoded++
      return { name: "a" }
    })
    expect(Option.isNone(request)).toBe(true)
    expect(encoded).toBe(0)
  })

  test("with a key: the key and the fingerprint of the route and the input, the same for two spellings", () => {
    const request = IdempotencyKey.requestOf("k-1", "POST /api/things", () => ({ name: "a", size: 2 }))
    expect(request).toEqual(Option.some({ key: "k-1", fingerprint: IdempotencyKey.fingerprint("POST /api/things", { size: 2, name: "a" }) }))
    expect(IdempotencyKey.requestOf("k-1", "POST /api/other", () => ({ name: "a", size: 2 }))).not.toEqual(request)
  })
})

describe("IdempotencyKey.respond", () => {
  test("a replayed answer is marked Idempotent-Replayed, a first answer is not", () => {
    expect(IdempotencyKey.respond({ status: 201, body: { id: 1 }, replayed: true }).headers).toEqual({ "idempotent-replayed": "true" })
    const first = IdempotencyKey.respond({ status: 201, body: { id: 1 }, replayed: false })
    expect(first.headers).toBeUndefined()
    expect([first.status, first.body]).toEqual([201, { id: 1 }])
  })
})
