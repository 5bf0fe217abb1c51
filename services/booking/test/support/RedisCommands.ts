/**
 * What the store sends Redis, for tests that check the order of its commands or the path of a
 * script Redis does not have, without touching what other clients of the shared Redis see.
 *
 * - `forgetful`: the store's client, except that every script goes by a SHA-1 Redis has never had,
 *   so each EVALSHA is answered NOSCRIPT and the script sent again in full, as after a restart or a
 *   `SCRIPT FLUSH`; the server's script cache is left as it is for everyone else.
 * - `recorder`: the commands Redis applied (MONITOR, on a connection of its own), in that order,
 *   those of scripts' bodies left out, kept when one of their arguments holds `mark`.
 */
import { Effect } from "effect"
import { Redis } from "ioredis"

/** A SHA-1 that names no script. */
const unknownSha = "0".repeat(40)

type Evalsha = (sha: string, ...rest: Array<string | number>) => unknown

const forgettingScripts = <T extends object>(target: T): T =>
  new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object)
      if (property === "evalsha") return (_sha: string, ...rest: Array<string | number>) => (value as Evalsha).call(object, unknownSha, ...rest)
      if (property === "pipeline") return (...args: Array<unknown>) => forgettingScripts((value as (...args: Array<unknown>) => object).apply(object, args))
      if (typeof value !== "function") return value
      // A pipeline's commands chain: they answer the pipeline, which must stay the forgetful one.
      return (...args: Array<unknown>) => {
        const answer = (value as (...args: Array<unknown>) => unknown).apply(object, args)
        return answer === object ? forgettingScripts(object) : answer
      }
    },
  })

/** `client`, sending every script as if Redis had lost it. */
export const forgetful = (client: Redis): Redis => forgettingScripts(client)

/**
 * The commands Redis applies from now on whose arguments hold `mark`, each as its name and
 * arguments: `applied` answers all of them so far, once every command sent before it was told.
 */
export const recorder = (url: string, mark: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const applied: Array<ReadonlyArray<string>> = []
      // A monitor is a connection of its own, made from a client that never connects itself.
      const monitor = await new Redis(url, { lazyConnect: true }).monitor()
      monitor.on("monitor", (_time: string, args: Array<string>, source: string) => {
        if (source !== "lua" && args.some((arg) => arg.includes(mark))) applied.push([args[0]!.toLowerCase(), ...args.slice(1)])
      })
      // MONITOR tells a command once it ran: a command sent now is told before this answer.
      const settled = async () => {
        const probe = new Redis(url)
        const token = `${mark}:settled:${Bun.randomUUIDv7()}`
        await probe.exists(token)
        probe.disconnect()
        while (!applied.some((command) => command[1] === token)) await Bun.sleep(5)
        return applied.filter((command) => command[1] !== token && !command.some((arg) => arg.includes(":settled:")))
      }
      return { monitor, settled }
    }),
    ({ monitor }) => Effect.sync(() => monitor.disconnect()),
  ).pipe(Effect.map(({ settled }) => ({ applied: Effect.promise(settled) })))
