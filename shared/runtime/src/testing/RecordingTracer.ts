/** A tracer that keeps every span it makes (Effect's own spans, made by the current tracer), for tests to look at. */
import { Effect, Tracer } from "effect"

export const make = Effect.map(Effect.tracer, (inner) => {
  const made: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = inner.span(...args)
      made.push(span)
      return span
    },
    context: (execution) => execution(),
  })
  return { tracer, made }
})
