/** A real SMTP server (smtp-server) in the test's process, keeping what it receives. */
import { Effect } from "effect"
import { SMTPServer } from "smtp-server"

export interface Received {
  readonly from: string
  readonly to: ReadonlyArray<string>
  readonly raw: string
}

/** An SMTP server on a free port for the life of the scope, keeping what it receives. */
export const smtpServer = (options: { readonly rejectFirst?: number } = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const received: Array<Received> = []
      let refused = 0
      const server = new SMTPServer({
        authOptional: true,
        disabledCommands: ["STARTTLS"],
        onData(stream, session, callback) {
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => chunks.push(chunk))
          stream.on("end", () => {
            if (refused < (options.rejectFirst ?? 0)) {
              refused++
              const error = Object.assign(new Error("try again later"), { responseCode: 451 })
              return callback(error)
            }
            received.push({
              from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((address) => address.address),
              raw: Buffer.concat(chunks).toString("utf8"),
            })
            callback()
          })
        },
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const port = (server.server.address() as { port: number }).port
      return { server, port, received }
    }),
    ({ server }) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))),
  )
