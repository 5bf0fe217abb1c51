import { describe, expect, test } from "bun:test"
import { Effect, FastCheck as fc, Option } from "effect"
import { Traceparent } from "../src/index.ts"

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length })
    .filter((s) => !/^0+$/.test(s))

const spanContext = fc.record({ traceId: hex(32), spanId: hex(16), sampled: fc.boolean() })

describe("Traceparent", () => {
  test("format then parse gives back the same ids and sampled flag", () => {
    fc.assert(
      fc.property(spanContext, (span) => {
        const parsed = Traceparent.parse(Traceparent.format(span))
        expect(Option.map(parsed, ({ sampled, spanId, traceId }) => ({ traceId, spanId, sampled }))).toEqual(
          Option.some(span),
        )
      }),
    )
  })

  test("formats as 00-<trace id>-<span id>-<flags>", () => {
    expect(Traceparent.format({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true }))
      .toBe("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
  })

  test.each([
    ["the invalid version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    ["upper-case hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"],
    ["a zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["a zero span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["a short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"],
    ["missing flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"],
    ["trailing data in version 00", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"],
    ["a later version without the dash before its extra fields", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"],
    ["nothing", ""],
  ])("rejects %s", (_, header) => {
    expect(Traceparent.parse(header)).toEqual(Option.none())
  })

  test("a later version is read for its first four fields, as the specification asks", () => {
    const parsed = Traceparent.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next")
    expect(Option.map(parsed, (span) => [span.traceId, span.spanId, span.sampled])).toEqual(
      Option.some(["4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true]),
    )
  })

  test("any string that is not a well-formed header gives None", () => {
    const wellFormed = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$/
    fc.assert(
      fc.property(fc.string(), (header) => {
        fc.pre(!wellFormed.test(header))
        expect(Traceparent.parse(header)).toEqual(Option.none())
      }),
    )
  })

  test("a valid header broken in any one way gives None", () => {
    const malformed = fc.oneof(
      spanContext.map(Traceparent.format).filter((h) => /[a-f]/.test(h.slice(3))).map((h) => h.toUpperCase()),
      spanContext.map((span) => `ff${Traceparent.format(span).slice(2)}`),
      spanContext.map((span) => Traceparent.format(span).slice(0, -1)),
      spanContext.map((span) => `${Traceparent.format(span)}0`),
      spanContext.map((span) => Traceparent.format({ ...span, traceId: "0".repeat(32) })),
      spanContext.map((span) => Traceparent.format({ ...span, spanId: "0".repeat(16) })),
      spanContext.map((span) => Traceparent.format(span).replaceAll("-", "_")),
    )
    fc.assert(fc.property(malformed, (header) => expect(Traceparent.parse(header)).toEqual(Option.none())))
  })

  test("current is None outside a span and the span's header inside one", async () => {
    expect(await Effect.runPromise(Traceparent.current)).toEqual(Option.none())
    const [header, span] = await Effect.runPromise(
      Effect.all([Traceparent.current, Effect.orDie(Effect.currentSpan)]).pipe(Effect.withSpan("work")),
    )
    expect(header).toEqual(Option.some(`00-${span.traceId}-${span.spanId}-01`))
  })
})
