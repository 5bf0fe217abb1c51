/**
 * Lists and replays a service's dead letters on RabbitMQ.
 *
 *   bun run dead-letters list <service> [--prefix P] [--json]
 *   bun run dead-letters replay <service> [--id ID]... [--prefix P]
 *
 * Reads RABBITMQ_URL. Listing takes nothing off the queue; replaying moves the chosen messages (all
 * of them without --id) back onto the service's queue.
 */
import { ServiceName } from "@flight/contracts"
import { Config, ConfigError, Console, Effect, Either, Logger, LogLevel } from "effect"
import * as RabbitMqBus from "../RabbitMqBus.ts"

const usage = `usage:
  dead-letters list <service> [--prefix P] [--json]
  dead-letters replay <service> [--id ID]... [--prefix P]
services: booking, flight, payment, notification; RABBITMQ_URL must be set`

const services = ServiceName.literals

export interface Arguments {
  readonly command: "list" | "replay"
  readonly service: ServiceName
  readonly prefix: string
  readonly ids: ReadonlyArray<string>
  readonly json: boolean
}

/** Reads the command line; a wrong word is answered with what was expected. */
export const parse = (argv: ReadonlyArray<string>): Either.Either<Arguments, string> => {
  const positional: Array<string> = []
  const ids: Array<string> = []
  let prefix = "flight-booking"
  let json = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--id" || arg === "--prefix") {
      const value = argv[++i]
      if (value === undefined || value.startsWith("--")) return Either.left(`${arg} needs a value`)
      if (arg === "--id") ids.push(value)
      else prefix = value
    } else if (arg === "--json") json = true
    else if (arg.startsWith("--")) return Either.left(`unknown option ${arg}`)
    else positional.push(arg)
  }
  const [command, service, ...rest] = positional
  if (command !== "list" && command !== "replay") return Either.left(`unknown command ${JSON.stringify(command ?? "")}: list or replay`)
  if (!services.includes(service as ServiceName)) {
    return Either.left(`unknown service ${JSON.stringify(service ?? "")}: one of ${services.join(", ")}`)
  }
  if (rest.length > 0) return Either.left(`unexpected ${rest.join(" ")}`)
  if (command === "list" && ids.length > 0) return Either.left("--id goes with replay")
  return Either.right({ command, service: service as ServiceName, prefix, ids, json })
}

const program = (argv: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const parsed = parse(argv)
    if (Either.isLeft(parsed)) {
      yield* Console.error(`dead-letters: ${parsed.left}\n\n${usage}`)
      return 2
    }
    const args = parsed.right
    const url = yield* Config.redacted("RABBITMQ_URL")
    const { deadLetters, started } = yield* RabbitMqBus.make({
      url,
      prefix: args.prefix,
      connectionName: "dead-letters-cli",
      startTimeout: "10 seconds",
      declareTopology: false,
    })
    yield* started
    if (args.command === "list") {
      const letters = yield* deadLetters.list(args.service)
      if (args.json) {
        yield* Console.log(JSON.stringify(letters, null, 2))
      } else if (letters.length === 0) {
        yield* Console.log(`no dead letters for ${args.service}`)
      } else {
        for (const letter of letters) {
          yield* Console.log(`${letter.id}  ${letter.messageType ?? "(unknown type)"}  ${letter.reason}  attempts=${letter.attempts}  at=${letter.deadLetteredAt}\n    ${letter.detail}`)
        }
        yield* Console.log(`${letters.length} dead letter(s) for ${args.service}`)
      }
    } else {
      const count = yield* deadLetters.replay(args.service, args.ids.length > 0 ? args.ids : undefined)
      yield* Console.log(`replayed ${count} message(s) onto ${args.prefix}.${args.service}`)
    }
    return 0
  }).pipe(
    Effect.scoped,
    Effect.catchAll((error) =>
      Effect.as(Console.error(`dead-letters: ${ConfigError.isConfigError(error) ? String(error) : error.message}`), 1)
    ),
  )

if (import.meta.main) {
  const code = await Effect.runPromise(program(process.argv.slice(2)).pipe(Logger.withMinimumLogLevel(LogLevel.Error)))
  process.exit(code)
}
