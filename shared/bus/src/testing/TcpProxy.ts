/**
 * A TCP proxy in front of a real server, for outage tests: `down()` drops every connection and
 * refuses new ones, as a broker that went away does; `up()` lets clients back in. `stall()` keeps
 * the connections open but stops passing on what the clients send, as a broker that hangs does
 * (a publish then waits for a confirm that does not come); `flow()` passes it on again.
 */
import net from "node:net"

export interface TcpProxy {
  readonly port: number
  readonly down: () => void
  readonly up: () => void
  readonly stall: () => void
  readonly flow: () => void
  /** Client connections open through the proxy now. */
  readonly clients: () => number
  readonly close: () => Promise<void>
}

export const start = (target: { readonly host: string; readonly port: number }): Promise<TcpProxy> =>
  new Promise((resolve, reject) => {
    let accepting = true
    let stalled = false
    const sockets = new Set<net.Socket>()
    const pairs = new Map<net.Socket, net.Socket>()
    const track = (socket: net.Socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => socket.destroy())
    }
    const server = net.createServer((client) => {
      track(client)
      if (!accepting) return client.destroy()
      const upstream = net.connect(target.port, target.host)
      track(upstream)
      pairs.set(client, upstream)
      client.on("close", () => pairs.delete(client))
      if (stalled) client.pause()
      else client.pipe(upstream)
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
        stall: () => {
          stalled = true
          for (const [client, upstream] of pairs) {
            client.unpipe(upstream)
            client.pause()
          }
        },
        flow: () => {
          stalled = false
          for (const [client, upstream] of pairs) client.pipe(upstream)
        },
        clients: () => pairs.size,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          }),
      })
    })
  })
