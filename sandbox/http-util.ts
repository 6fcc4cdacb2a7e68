/** HTTP plumbing shared by the sandbox's API and storage servers: the request log and body reading. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Fault, Route } from './faults.js'

export interface LoggedRequest {
  route: Route | 'other'
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  /** Parsed JSON for API routes; for storage the form fields (name → value), never file bytes. */
  body?: unknown
  /** Storage: the file part's filename and byte count. */
  fileName?: string
  fileSize?: number
  /** Status sent (0 when reset or stalled, or not answered yet). */
  status: number
  /** A `lost-answer` fault: the status the work produced, which the client never got. */
  lostStatus?: number
  /** S3 REST operations: what the request addressed (its Authorization value is not logged). */
  s3?: S3Details
}

export interface S3Details {
  bucket: string
  /** The object key, percent-decoded ('' for bucket operations). */
  key: string
  uploadId?: string
  partNumber?: number
  /** The access key id the request was signed with, if any. */
  accessKeyId?: string
}

export function logEntry(route: LoggedRequest['route'], req: IncomingMessage): LoggedRequest {
  return {
    route,
    method: req.method ?? '',
    url: req.url ?? '',
    headers: { ...req.headers },
    status: 0
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise(resolve => setTimeout(resolve, Math.max(0, ms)))

export function send(
  res: ServerResponse,
  entry: LoggedRequest,
  status: number,
  body: string,
  headers: Record<string, string> = {}
): void {
  if (res.headersSent || res.destroyed) return
  entry.status = status
  const type = headers['Content-Type'] ?? 'application/json'
  res.writeHead(status, {
    ...headers,
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body))
  })
  res.end(body)
}

export function sendJson(
  res: ServerResponse,
  entry: LoggedRequest,
  status: number,
  value: unknown,
  headers: Record<string, string> = {}
): void {
  send(res, entry, status, JSON.stringify(value), {
    ...headers,
    'Content-Type': 'application/json'
  })
}

/** A reset or stall fault, cutting the body after `afterBytes` bytes. */
export type Cut = Extract<Fault, { kind: 'reset' | 'stall' }>

/**
 * Reads the request body, handing each chunk to `onData`. With a `cut`, only the first
 * `afterBytes` bytes are read; then the socket is destroyed (reset) or reading stops for good
 * (stall, until the client or the sandbox closes the connection). Resolves with true once the
 * whole body was read, false if the body was cut or the client went away.
 */
export function readBody(
  req: IncomingMessage,
  onData: (chunk: Buffer) => void,
  cut?: Cut
): Promise<boolean> {
  return new Promise(resolve => {
    const limit = cut ? (cut.afterBytes ?? 0) : Infinity
    let seen = 0
    let settled = false
    const settle = (complete: boolean): void => {
      if (settled) return
      settled = true
      resolve(complete)
    }
    const stop = (): void => {
      req.removeListener('data', onChunk)
      if (cut?.kind === 'reset') req.socket.destroy()
      else req.pause()
      settle(false)
    }
    const onChunk = (chunk: Buffer): void => {
      if (settled) return
      const room = limit - seen
      if (chunk.length >= room) {
        if (room > 0) onData(chunk.subarray(0, room))
        seen = limit
        stop()
        return
      }
      seen += chunk.length
      onData(chunk)
    }
    if (limit === 0) {
      stop()
      return
    }
    req.on('data', onChunk)
    req.on('end', () => settle(true))
    req.on('error', () => settle(false))
    req.on('close', () => settle(false))
  })
}

/** Tracks open sockets so that `close()` can end stalled connections too. */
export function trackSockets(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>()
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return () =>
    new Promise(resolve => {
      server.close(() => resolve())
      for (const socket of sockets) socket.destroy()
    })
}

export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.removeListener('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string') {
        reject(new Error('the sandbox server has no TCP address'))
        return
      }
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
      resolve(`http://${shown}:${address.port}`)
    })
  })
}
