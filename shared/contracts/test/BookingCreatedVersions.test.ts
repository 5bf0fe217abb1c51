/**
 * booking.created in its two versions (the contracts' versioning rules): version 2 adds the owner,
 * required (null for a guest); version 1 is still decoded; consumers read the owner of either.
 */
import { describe, expect, test } from "bun:test"
import { Either } from "effect"
import { Catalogue, Messages } from "../src/index.ts"
import { bookingCreated } from "./fixtures.ts"

const v2 = (owner: unknown) => ({ ...bookingCreated(), version: 2, data: { ...bookingCreated().data, owner } })

describe("booking.created versions", () => {
  test("producers build version 2; version 1 and version 2 both decode", () => {
    expect(Catalogue.definitionOf("booking.created").version).toBe(2)
    expect(Either.isRight(Catalogue.decode(bookingCreated()))).toBe(true)
    expect(Either.isRight(Catalogue.decode(v2("user_01J9Z")))).toBe(true)
    expect(Either.isRight(Catalogue.decode(v2(null)))).toBe(true)
  })

  test("version 2 requires the owner (null for a guest) and refuses one that is not a subject", () => {
    const { owner: _, ...withoutOwner } = v2(null).data
    for (const bad of [{ ...v2(null), data: withoutOwner }, v2(""), v2(42), v2("a".repeat(256)), v2("line\nbreak")]) {
      const result = Catalogue.decode(bad)
      expect(Either.isLeft(result) && [result.left.reason, result.left.detail.includes("data.owner")]).toEqual(["invalid", true])
    }
  })

  test("version 1 refuses an owner: it is not a field of that version", () => {
    const result = Catalogue.decode({ ...bookingCreated(), data: { ...bookingCreated().data, owner: "user_01J9Z" } })
    expect(Either.isLeft(result) && result.left.reason).toBe("invalid")
  })

  test("the owner of either version: version 2's field, none for version 1", () => {
    const owned = Either.getOrThrow(Catalogue.decode(v2("user_01J9Z")))
    const guest = Either.getOrThrow(Catalogue.decode(v2(null)))
    const old = Either.getOrThrow(Catalogue.decode(bookingCreated()))
    if (owned.type !== "booking.created" || guest.type !== "booking.created" || old.type !== "booking.created") throw new Error("not booking.created")
    expect([owned, guest, old].map(Messages.ownerOfBookingCreated)).toEqual(["user_01J9Z", null, null])
  })
})
