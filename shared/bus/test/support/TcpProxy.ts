/**
 * A TCP proxy in front of a real server, for outage tests: `down()` drops every connection and
 * refuses new ones, as a broker that went away does; `up()` lets clients back in.
 */
import net from "node:net"

export interface TcpProxy {
  readonly port: number
  readonly down: () => void
  readonly up: () => void
  /** Client connections open through the proxy now. */
  readonly clients: () => number
  readonly close: () => Promise<void>
}

export const start = (target: { readonly host: string; readonly port: number }): Promise<TcpProxy> =>
  new Promise((resolve, reject) => {
    let accepting = true
    const sockets = new Set<net.Socket>()
    const clients = new Set<net.Socket>()
    const track = (socket: net.Socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => socket.destroy())
    }
    const server = net.createServer((client) => {
      track(client)
      clients.add(client)
      client.on("close", () => clients.delete(client))
      if (!accepting) return client.destroy()
      const upstream = net.connect(target.port, target.host)
      track(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      client.on("close", () => upstream.destroy())
      upstream.on("close", () => client.destroy())
    })
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo
      resolve({
        port: address.port,
        down: () => {
          accepting = false
          for (const socket of sockets) socket.destroy()
        },
        up: () => {
          accepting = true
        },
        clients: () => clients.size,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          }),
      })
    })
  })
