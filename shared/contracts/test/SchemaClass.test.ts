/**
 * `SchemaClass.maker` makes what the class's own constructor makes: the same instance for fields
 * that fit, undeclared keys dropped, the same error for fields that do not, transformed fields
 * (times) and refinements (brands, integers) included.
 */
import { describe, expect, test } from "bun:test"
import { Arbitrary, DateTime, FastCheck, ParseResult, Schema } from "effect"
import * as SchemaClass from "../src/SchemaClass.ts"

class Ticket extends Schema.Class<Ticket>("Ticket")({
  id: Schema.UUID.pipe(Schema.brand("TicketId")),
  seats: Schema.Array(Schema.String.pipe(Schema.pattern(/^[0-9]{1,2}[A-K]$/))),
  count: Schema.Int.pipe(Schema.positive()),
  note: Schema.NullOr(Schema.String),
  issuedAt: Schema.DateTimeUtc,
  usedAt: Schema.NullOr(Schema.DateTimeUtc),
}) {}

const makeTicket = SchemaClass.maker(Ticket)

/** What a constructor answers: the instance's fields, or the error as Effect's tree formatter writes it. */
const outcome = (make: () => Ticket) => {
  try {
    const made = make()
    return { instance: made instanceof Ticket, fields: { ...made } }
  } catch (error) {
    return { error: ParseResult.isParseError(error) ? ParseResult.TreeFormatter.formatErrorSync(error) : String(error) }
  }
}

const fields = () => ({
  id: "0190e6a0-0000-7000-8000-000000000001" as Ticket["id"],
  seats: ["10A", "10B"],
  count: 2,
  note: null,
  issuedAt: DateTime.unsafeMake("2026-12-01T10:00:00.000Z"),
  usedAt: null,
})

describe("SchemaClass.maker", () => {
  test("makes the instance the constructor makes, transformed fields included", () => {
    const made = makeTicket(fields())
    expect(made).toBeInstanceOf(Ticket)
    expect(made).toEqual(new Ticket(fields()))
    expect(DateTime.formatIso(made.issuedAt)).toBe("2026-12-01T10:00:00.000Z")
  })

  test("drops undeclared keys, as the constructor does", () => {
    const made = makeTicket({ ...fields(), extra: "dropped" } as ReturnType<typeof fields>)
    expect(Object.keys(made).toSorted()).toEqual(Object.keys(fields()).toSorted())
    expect(outcome(() => makeTicket({ ...fields(), extra: 1 } as never))).toEqual(outcome(() => new Ticket({ ...fields(), extra: 1 } as never)))
  })

  test("throws the constructor's error for fields that do not fit: a bad brand, integer, pattern, time, missing field", () => {
    const spoiled: ReadonlyArray<Record<string, unknown>> = [
      { ...fields(), id: "not-a-uuid" },
      { ...fields(), count: 1.5 },
      { ...fields(), count: 0 },
      { ...fields(), seats: ["10Z"] },
      { ...fields(), issuedAt: "2026-12-01T10:00:00.000Z" },
      { ...fields(), usedAt: new Date() },
      { ...fields(), note: undefined },
    ]
    for (const props of spoiled) {
      const ours = outcome(() => makeTicket(props as never))
      expect(ours).toHaveProperty("error")
      expect((ours as { error: string }).error).toContain("Ticket")
      expect(ours).toEqual(outcome(() => new Ticket(props as never)))
    }
  })

  test("a class with a constructor default: the same instance and the same errors when every field is given", () => {
    class Seat extends Schema.Class<Seat>("Seat")({
      seat: Schema.String.pipe(Schema.pattern(/^[0-9]{1,2}[A-K]$/)),
      holder: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
      heldAt: Schema.DateTimeUtc,
    }) {}
    const makeSeat = SchemaClass.maker(Seat)
    const at = DateTime.unsafeMake("2026-12-01T10:00:00.000Z")
    const given = (props: Record<string, unknown>) => ({
      ours: (() => {
        try {
          return { fields: { ...makeSeat(props as never) } }
        } catch (error) {
          return { error: ParseResult.isParseError(error) ? ParseResult.TreeFormatter.formatErrorSync(error) : String(error) }
        }
      })(),
      theirs: (() => {
        try {
          return { fields: { ...new Seat(props as never) } }
        } catch (error) {
          return { error: ParseResult.isParseError(error) ? ParseResult.TreeFormatter.formatErrorSync(error) : String(error) }
        }
      })(),
    })
    for (const props of [{ seat: "10A", holder: null, heldAt: at }, { seat: "10A", holder: "ada", heldAt: at }, { seat: "10Z", holder: null, heldAt: at }, {
      seat: "10A",
      holder: 7,
      heldAt: at,
    }]) {
      const { ours, theirs } = given(props)
      expect(ours).toEqual(theirs)
    }
    expect(makeSeat({ seat: "10A", holder: null, heldAt: at })).toBeInstanceOf(Seat)
  })

  test("only the given object's own properties are fields, as for the constructor", () => {
    const inherited = Object.create(fields()) as ReturnType<typeof fields>
    expect(outcome(() => makeTicket(inherited))).toEqual(outcome(() => new Ticket(inherited)))
    expect(outcome(() => makeTicket(inherited))).toHaveProperty("error")
  })

  test("answers what the constructor answers for any fields, valid or not", () => {
    const valid = Arbitrary.make(Schema.typeSchema(Schema.Struct(Ticket.fields)))
    const anything = FastCheck.oneof(
      valid.map((props): Record<string, unknown> => props),
      FastCheck.tuple(valid, FastCheck.constantFrom(...Object.keys(Ticket.fields)), FastCheck.anything()).map(([props, key, value]) => ({
        ...props,
        [key]: value,
      })),
    )
    FastCheck.assert(FastCheck.property(anything, (props) => {
      expect(outcome(() => makeTicket(props as never))).toEqual(outcome(() => new Ticket(props as never)))
    }))
  })
})
