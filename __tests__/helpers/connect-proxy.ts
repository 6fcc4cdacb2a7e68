// Test helper: an HTTP CONNECT proxy on 127.0.0.1 that counts the tunnels it opens. It resolves
// nothing: every tunnel goes to the loopback port `route` names for the requested authority, so
// no byte ever leaves the machine whatever host name a test uses.
import http from 'node:http'
import https from 'node:https'
import net, { type AddressInfo, type Socket } from 'node:net'

export interface ConnectRecord {
  /** `host:port` as the client asked. */
  authority: string
  /** The Proxy-Authorization header, if any. */
  authorization?: string
}

export interface ConnectProxy {
  url: string
  port: number
  /** Every CONNECT received, in order. */
  connects: ConnectRecord[]
  close(): Promise<void>
}

export interface ConnectProxyOptions {
  /** Loopback port for an authority; undefined answers 502. */
  route: (authority: string) => number | undefined
  /** When set, CONNECT without exactly this Proxy-Authorization answers 407. */
  requireAuthorization?: string
  /** Accept CONNECT requests but never answer them. */
  silent?: boolean
  /** Speak TLS to the clients (an https:// proxy) with this key and certificate. */
  tls?: { key: Buffer; cert: Buffer }
}

export async function startConnectProxy(options: ConnectProxyOptions): Promise<ConnectProxy> {
  const connects: ConnectRecord[] = []
  const sockets = new Set<Socket>()
  const refuse: http.RequestListener = (_req, res) => res.writeHead(405).end()
  const server = options.tls ? https.createServer(options.tls, refuse) : http.createServer(refuse)
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    const authority = req.url ?? ''
    connects.push({ authority, authorization: req.headers['proxy-authorization'] })
    if (options.silent) return
    if (
      options.requireAuthorization !== undefined &&
      req.headers['proxy-authorization'] !== options.requireAuthorization
    ) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const port = options.route(authority)
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
