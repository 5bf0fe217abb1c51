/**
 * The templates: each renders its subject, text and HTML from its fields; missing fields and
 * unknown templates are refused by name; values are escaped in the HTML only; and money reads the
 * way a customer reads it.
 */
import { describe, expect, test } from "bun:test"
import { Either } from "effect"
import { formatMoney } from "../src/application/NotificationCommands.ts"
import { type Rendered, render, type TemplateData, templateNames } from "../src/domain/Templates.ts"

/** Renders, which must succeed. */
const rendered = (template: string, data: TemplateData): Rendered => {
  const result = render(template, data)
  if (Either.isLeft(result)) throw new Error(`expected ${template} to render: ${result.left.message}`)
  return result.right
}

/** Renders, which must fail; answers the error. */
const refused = (template: string, data: TemplateData) => {
  const result = render(template, data)
  if (Either.isRight(result)) throw new Error(`expected ${template} to be refused`)
  return result.left
}

/** Each template with complete data, the fields it needs, and what the subject must mention. */
const cases: ReadonlyArray<{
  readonly template: string
  readonly data: TemplateData
  readonly required: ReadonlyArray<string>
  readonly subjectMentions: string
  readonly bodyMentions: ReadonlyArray<string>
}> = [
  {
    template: "booking-received",
    data: { reference: "X7K2QP", seats: "12A, 12B", total: "£900.00", holdExpiresAt: "2026-11-26T12:15:00.000Z" },
    required: ["reference", "seats", "total", "holdExpiresAt"],
    subjectMentions: "X7K2QP",
    bodyMentions: ["X7K2QP", "12A, 12B", "£900.00", "2026-11-26T12:15:00.000Z"],
  },
  {
    template: "booking-confirmed",
    data: { reference: "X7K2QP", seats: "12A" },
    required: ["reference", "seats"],
    subjectMentions: "X7K2QP",
    bodyMentions: ["X7K2QP", "12A"],
  },
  {
    template: "payment-failed",
    data: { reference: "X7K2QP", reason: "card declined" },
    required: ["reference", "reason"],
    subjectMentions: "X7K2QP",
    bodyMentions: ["X7K2QP", "card declined"],
  },
  {
    template: "booking-cancelled",
    data: { reference: "X7K2QP", refund: false },
    required: ["reference", "refund"],
    subjectMentions: "X7K2QP",
    bodyMentions: ["X7K2QP"],
  },
  {
    template: "booking-expired",
    data: { reference: "X7K2QP" },
    required: ["reference"],
    subjectMentions: "X7K2QP",
    bodyMentions: ["X7K2QP"],
  },
  {
    template: "refund-issued",
    data: { reference: "X7K2QP", amount: "£450.00" },
    required: ["reference", "amount"],
    subjectMentions: "X7K2QP",
    bodyMentions: ["X7K2QP", "£450.00"],
  },
  {
    template: "flight-delayed",
    data: { reference: "X7K2QP", flightNumber: "BA117", departureAt: "2026-12-01T12:30:00.000Z", reason: "Weather" },
    required: ["reference", "flightNumber", "departureAt"],
    subjectMentions: "BA117",
    bodyMentions: ["X7K2QP", "BA117", "2026-12-01T12:30:00.000Z", "Weather"],
  },
  {
    template: "flight-cancelled",
    data: { reference: "X7K2QP", refund: true },
    required: ["reference"],
    subjectMentions: "X7K2QP",
    bodyMentions: ["X7K2QP"],
  },
]

describe("render", () => {
  test("the cases cover every template", () => {
    expect(cases.map((one) => one.template).toSorted()).toEqual([...templateNames].toSorted())
  })

  for (const { bodyMentions, data, template, subjectMentions } of cases) {
    test(`${template}: the subject mentions ${subjectMentions}; the text and the HTML carry the data`, () => {
      const { html, subject, text } = rendered(template, data)
      expect(subject).toContain(subjectMentions)
      expect(html.startsWith("<!doctype html>")).toBe(true)
      for (const mention of bodyMentions) {
        expect(text).toContain(mention)
        expect(html).toContain(mention)
      }
    })
  }

  for (const { data, required, template } of cases) {
    for (const field of required) {
      test(`${template} without ${field} (absent or null) is refused with TemplateDataMissing naming it`, () => {
        const { [field]: _, ...rest } = data
        for (const incomplete of [rest, { ...rest, [field]: null }]) {
          const error = refused(template, incomplete)
          expect(error._tag).toBe("TemplateDataMissing")
          expect(error).toMatchObject({ template, fields: [field] })
          expect(error.message).toContain(field)
        }
      })
    }
  }

  test("every missing field is named at once", () => {
    const error = refused("booking-received", { reference: "X7K2QP" })
    expect(error).toMatchObject({ _tag: "TemplateDataMissing", fields: ["seats", "total", "holdExpiresAt"] })
  })

  test("an unknown template is refused with TemplateUnknown naming it", () => {
    for (const name of ["no-such-template", "toString", "__proto__", "constructor"]) {
      const error = refused(name, { reference: "X7K2QP" })
      expect(error._tag).toBe("TemplateUnknown")
      expect(error).toMatchObject({ template: name })
      expect(error.message).toContain(name)
    }
  })

  test("a value with markup is escaped in the HTML and kept as it is in the text", () => {
    const reason = `<script>alert("x")</script> & 'more'`
    const { html, text } = rendered("payment-failed", { reference: "X7K2QP", reason })
    expect(text).toContain(reason)
    expect(html).not.toContain("<script>")
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;")
  })

  test("a value that is not free text is refused with TemplateDataInvalid naming it, an optional one too (the reason of a delay)", () => {
    const delayed = { reference: "X7K2QP", flightNumber: "BA117", departureAt: "12:30" }
    for (const reason of ["crew\n\nPay again at evil.example", "\u202eevil", "A\udfff", "X\u0007\u001b[31mY"]) {
      expect(refused("flight-delayed", { ...delayed, reason })).toMatchObject({ _tag: "TemplateDataInvalid", fields: ["reason"] })
    }
  })

  test("a number is rendered as its digits", () => {
    expect(rendered("booking-confirmed", { reference: "X7K2QP", seats: 3 }).text).toContain("seats 3")
  })

  for (const template of ["booking-cancelled", "flight-cancelled"]) {
    test(`${template} says a refund follows when refund is true, and "Nothing was charged" otherwise`, () => {
      const refunded = rendered(template, { reference: "X7K2QP", refund: true })
      expect(refunded.text).toContain("refunded in full")
      expect(refunded.text).not.toContain("Nothing was charged")
      expect(refunded.html).toContain("refunded in full")
      const unpaid = rendered(template, { reference: "X7K2QP", refund: false })
      expect(unpaid.text).toContain("Nothing was charged")
      expect(unpaid.text).not.toContain("refunded")
      expect(unpaid.html).toContain("Nothing was charged")
    })
  }

  test("flight-delayed leaves the reason out when there is none", () => {
    const { text } = rendered("flight-delayed", { reference: "X7K2QP", flightNumber: "BA117", departureAt: "12:30" })
    expect(text).not.toContain("Reason")
  })

  test("the text is the paragraphs separated by blank lines, each a <p> in the HTML", () => {
    const { html, text } = rendered("booking-cancelled", { reference: "X7K2QP", refund: false })
    expect(text.split("\n\n")).toHaveLength(2)
    expect(html.match(/<p>/g)).toHaveLength(2)
  })
})

describe("formatMoney", () => {
  test("pounds have two decimals: 45000 GBP is £450.00", () => {
    expect(formatMoney({ amount: 45_000, currency: "GBP" })).toBe("£450.00")
  })

  test("yen have none: 4500 JPY is ¥4,500", () => {
    expect(formatMoney({ amount: 4_500, currency: "JPY" })).toBe("¥4,500")
  })

  test("thousands are grouped and pence kept: 123456789 GBP is £1,234,567.89", () => {
    expect(formatMoney({ amount: 123_456_789, currency: "GBP" })).toBe("£1,234,567.89")
  })

  test("each currency keeps its own units when they alternate", () => {
    const amounts = [{ amount: 4_500, currency: "JPY" }, { amount: 4_500, currency: "GBP" }, { amount: 4_500, currency: "KWD" }]
    expect([...amounts, ...amounts].map(formatMoney)).toEqual(["¥4,500", "£45.00", "KWD\u00a04.500", "¥4,500", "£45.00", "KWD\u00a04.500"])
  })
})
