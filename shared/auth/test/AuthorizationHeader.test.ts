import { Problem } from "@flight/runtime"
import { describe, expect, test } from "bun:test"
import { Either, FastCheck as fc } from "effect"
import { AuthorizationHeader, AuthProblem, InvalidToken } from "../src/index.ts"
import { Reason } from "../src/VerificationError.ts"

const { bearer } = AuthorizationHeader
const jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln"

describe("bearer", () => {
  test("finds the token after the scheme, in any case, after one or more spaces", () => {
    expect(bearer(`Bearer ${jwt}`)).toEqual(Either.right(jwt))
    expect(bearer(`bearer ${jwt}`)).toEqual(Either.right(jwt))
    expect(bearer(`BEARER ${jwt}`)).toEqual(Either.right(jwt))
    expect(bearer(`Bearer    ${jwt}`)).toEqual(Either.right(jwt))
    expect(bearer(`  Bearer ${jwt}  `)).toEqual(Either.right(jwt))
    expect(bearer("Bearer abc+/=="), "token68 may end in padding").toEqual(Either.right("abc+/=="))
  })

  test("says the token is missing without a header, or with an empty one", () => {
    for (const value of [undefined, null, "", "   "]) expect(bearer(value)).toEqual(Either.left("missing"))
  })

  test("tells other schemes apart", () => {
    expect(bearer("Basic YWxhZGRpbjpvcGVuc2VzYW1l")).toEqual(Either.left("other-scheme"))
    expect(bearer("Digest username=\"a\"")).toEqual(Either.left("other-scheme"))
    expect(bearer("DPoP abc")).toEqual(Either.left("other-scheme"))
    expect(bearer(jwt), "a bare token is read as a scheme").toEqual(Either.left("other-scheme"))
  })

  test("refuses a Bearer header that does not hold exactly one token", () => {
    const malformed = [
      "Bearer",
      "Bearer ",
      `Bearer ${jwt} ${jwt}`,
      `Bearer ${jwt}, Bearer ${jwt}`,
      `Bearer\t${jwt}`,
      `Bearer "${jwt}"`,
      `Bearer token=${jwt}`,
      "Bearer a=b=c",
      "Bearer =abc",
      "Bearer: abc",
      "Bearer abc\u00e9",
    ]
    for (const value of malformed) expect({ value, result: bearer(value) }).toEqual({ value, result: Either.left("malformed") })
  })

  test("gives back any token68 it is handed, and nothing else", () => {
    const token68 = fc.stringMatching(/^[A-Za-z0-9\-._~+/]+=*$/)
    fc.assert(fc.property(token68, fc.constantFrom("Bearer", "bearer", "BeArEr"), fc.integer({ min: 1, max: 4 }), (token, scheme, spaces) => {
      expect(bearer(`${scheme}${" ".repeat(spaces)}${token}`)).toEqual(Either.right(token))
    }))
    fc.assert(fc.property(fc.string(), (value) => {
      const result = bearer(value)
      if (Either.isRight(result)) expect(value.trim()).toEndWith(result.right)
    }))
  })
})

describe("the problems", () => {
  test("a request without a token is a 401 with a bare Bearer challenge", () => {
    for (const refusal of ["missing", "other-scheme"] as const) {
      const problem = AuthProblem.noToken(refusal)
      expect(problem).toMatchObject({ status: 401, type: "unauthorized", headers: { "www-authenticate": "Bearer" } })
    }
  })

  test("a malformed Bearer header is a 401 with error=\"invalid_request\"", () => {
    const problem = AuthProblem.noToken("malformed")
    expect(problem.status).toBe(401)
    expect(problem.headers?.["www-authenticate"]).toStartWith("Bearer error=\"invalid_request\", error_description=\"")
  })

  test("a refused token is a 401 with error=\"invalid_token\" and the reason, as problem+json", async () => {
    const problem = AuthProblem.fromVerification(new InvalidToken({ reason: "expired" }))
    const response = Problem.toResponse(problem)
    expect(response.status).toBe(401)
    expect(response.headers.get("www-authenticate")).toBe(
      "Bearer error=\"invalid_token\", error_description=\"The token has expired\"",
    )
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect(await response.json()).toEqual({
      type: "unauthorized",
      title: "Unauthorized",
      status: 401,
      detail: "The token has expired",
    })
  })

  test("every reason's description fits in the quoted string of the challenge", () => {
    for (const reason of Reason.literals) {
      const header = AuthProblem.invalidToken(new InvalidToken({ reason })).headers!["www-authenticate"]!
      expect(header).toMatch(/^Bearer error="invalid_token", error_description="[\x20\x21\x23-\x5B\x5D-\x7E]+"$/)
    }
  })
})
