import { describe, expect, test } from "bun:test"
import { FastCheck as fc } from "effect"
import { Claims } from "../src/index.ts"

describe("Claims.read", () => {
  test("follows a dotted path through nested claims", () => {
    const claims = { realm_access: { roles: ["ops"] }, resource_access: { "flight-api": { roles: ["admin"] } } }
    expect(Claims.read(claims, "realm_access.roles")).toEqual(["ops"])
    expect(Claims.read(claims, "resource_access.flight-api.roles")).toEqual(["admin"])
    expect(Claims.read(claims, "realm_access.missing")).toBeUndefined()
    expect(Claims.read(claims, "realm_access.roles.0")).toBeUndefined()
  })

  test("prefers a claim named exactly so over the path", () => {
    const claims = { "https://flight.example/roles": ["admin"], a: { b: 1 }, "a.b": 2 }
    expect(Claims.read(claims, "https://flight.example/roles")).toEqual(["admin"])
    expect(Claims.read(claims, "a.b")).toBe(2)
  })

  test("finds nothing inherited: __proto__, constructor and the like", () => {
    const claims = JSON.parse(`{"__proto__": {"roles": ["admin"]}, "a": {}}`)
    for (const path of ["__proto__.roles", "constructor", "a.constructor.name", "toString", "a.__proto__", "hasOwnProperty"]) {
      expect({ path, value: Claims.read(claims, path) }).toEqual({ path, value: path === "__proto__.roles" ? ["admin"] : undefined })
    }
  })

  test("finds any value put at any path", () => {
    const segment = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes("."))
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.jsonValue(), (path, value) => {
      const claims = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>
      expect(Claims.read(claims, path.join("."))).toEqual(value)
    }))
  })
})

describe("Claims.roles", () => {
  test("keeps the known roles of an array, in order, once each", () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom("customer", "ops", "admin"), fc.string(), fc.integer())), (value) => {
      const roles = Claims.roles(value)
      expect(new Set(roles).size).toBe(roles.length)
      expect(roles.every((role) => ["customer", "ops", "admin"].includes(role))).toBe(true)
      expect(roles).toEqual([...new Set(value.filter((v): v is string => ["customer", "ops", "admin"].includes(v as string)))] as never)
    }))
  })

  test("gives no role for a claim that is not an array", () => {
    for (const value of [undefined, null, "admin", "ops admin", { admin: true }, 1]) expect(Claims.roles(value)).toEqual([])
  })
})
