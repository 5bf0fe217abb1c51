/**
 * Sends bytes as they are to an HTTP server and reads what it answers, for requests no HTTP client
 * will send (a `Host` with a space, none at all over HTTP/1.0).
 */
import net from "node:net"

export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Writes `request` (CRLFs included) to `port` on 127.0.0.1 and answers the parsed response. */
export const send = (port: number, request: string): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request))
    const chunks: Array<Buffer> = []
    const done = () => {
      socket.destroy()
      const text = Buffer.concat(chunks).toString("utf8")
      const [head = "", ...rest] = text.split("\r\n\r\n")
      const [statusLine = "", ...lines] = head.split("\r\n")
      const headers = Object.fromEntries(lines.map((line) => {
        const colon = line.indexOf(":")
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]
      }))
      const body = rest.join("\r\n\r\n")
      const length = Number(headers["content-length"] ?? Number.NaN)
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: Number.isNaN(length) ? body : body.slice(0, length) })
    }
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      const text = Buffer.concat(chunks).toString("utf8")
      const end = text.indexOf("\r\n\r\n")
      const length = /content-length:\s*(\d+)/i.exec(text.slice(0, end))
      if (end >= 0 && length !== null && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1])) done()
    })
    socket.on("end", done)
    socket.on("error", reject)
    socket.setTimeout(5_000, () => reject(new Error(`no answer from port ${port} within 5 s`)))
  })
