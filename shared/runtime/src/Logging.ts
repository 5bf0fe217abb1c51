/**
 * Structured logs: one JSON object per line on stdout, carrying the trace and span ids of the
 * current span so a log line can be found from a trace and the other way round.
 */
import {
  Cause,
  Effect,
  Context,
  FiberId,
  FiberRef,
  FiberRefs,
  HashMap,
  HashSet,
  Inspectable,
  Layer,
  List,
  Logger,
  LogLevel,
  Option,
  Predicate,
  Tracer,
} from "effect"

const levelNames: Record<LogLevel.LogLevel["_tag"], string> = {
  All: "all",
  Trace: "trace",
  Debug: "debug",
  Info: "info",
  Warning: "warning",
  Error: "error",
  Fatal: "fatal",
  None: "none",
}

// Inspectable.toJSON keeps Redacted values as "<redacted>": nothing here may call Redacted.value.
const toJson = (u: unknown): unknown => {
  if (typeof u === "bigint" || typeof u === "symbol" || typeof u === "function") return String(u)
  if (u instanceof Error && !Predicate.hasProperty(u, "toJSON")) return { ...u, name: u.name, message: u.message }
  return Inspectable.toJSON(u)
}

const currentSpan = (fiberRefs: FiberRefs.FiberRefs): Option.Option<Tracer.AnySpan> =>
  Context.getOption(FiberRefs.getOrDefault(fiberRefs, FiberRef.currentContext), Tracer.ParentSpan)

/** Formats one log entry as a single JSON line. */
export const jsonLogger: Logger.Logger<unknown, string> = Logger.make(
  ({ annotations, cause, context, date, fiberId, logLevel, message, spans }) => {
    const messages = Array.isArray(message) ? message : [message]
    const entry: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: levelNames[logLevel._tag],
      message: messages.length === 1 ? toJson(messages[0]) : messages.map(toJson),
      fiberId: FiberId.threadName(fiberId),
    }
    const span = currentSpan(context)
    if (Option.isSome(span)) {
      entry.traceId = span.value.traceId
      entry.spanId = span.value.spanId
    }
    if (!Cause.isEmpty(cause)) entry.cause = Cause.pretty(cause, { renderErrorCause: true })
    if (HashMap.size(annotations) > 0) {
      const values: Record<string, unknown> = {}
      for (const [key, value] of annotations) values[key] = toJson(value)
      entry.annotations = values
    }
    if (List.isCons(spans)) {
      const now = date.getTime()
      const durations: Record<string, number> = {}
      for (const logSpan of spans) durations[logSpan.label] = now - logSpan.startTime
      entry.spans = durations
    }
    return Inspectable.stringifyCircular(entry)
  },
)

/** The JSON logger writing to the console (stdout); one shared value so installing it twice is harmless. */
export const jsonConsoleLogger: Logger.Logger<unknown, void> = Logger.withConsoleLog(jsonLogger)

const prettyConsoleLogger = Logger.withSpanAnnotations(Logger.prettyLogger())

/**
 * Replaces Effect's default (and `runMain`'s pretty) logger with the JSON logger, or with a
 * human-readable one when `pretty`, and sets the minimum level.
 */
export const layer = (options: { readonly level: LogLevel.LogLevel; readonly pretty?: boolean }): Layer.Layer<never> => {
  const logger = options.pretty === true ? prettyConsoleLogger : jsonConsoleLogger
  return Layer.mergeAll(
    Layer.scopedDiscard(
      Effect.locallyScopedWith(FiberRef.currentLoggers, (loggers) =>
        loggers.pipe(
          HashSet.remove(Logger.defaultLogger),
          HashSet.remove(Logger.prettyLoggerDefault),
          HashSet.remove(jsonConsoleLogger),
          HashSet.remove(prettyConsoleLogger),
          HashSet.add(logger),
        )),
    ),
    Logger.minimumLogLevel(options.level),
  )
}
