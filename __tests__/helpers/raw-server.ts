// Test helper for the upload engine: a purpose-built HTTP server on 127.0.0.1 that records each
// request's raw headers and body bytes, and lets a test script each answer (status, reset, stall).
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  url: string
  /** Header names lowercased; raw pairs kept in `rawHeaders`. */
  headers: http.IncomingHttpHeaders
  rawHeaders: string[]
  /** Bytes received (the whole body unless the handler cut the connection). */
  body: Buffer
}

/**
 * What the server does with request number `index` (0-based):
 * - `respond`: read the whole body, then answer.
 * - `reset`: destroy the connection after `afterBytes` body bytes.
 * - `stall`: stop reading after `afterBytes` body bytes and never answer.
 * - `early`: answer at once, without reading the body, then close.
 */
export type Behaviour =
  | { kind: 'respond'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'reset'; afterBytes: number }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'early'; status: number; body?: string; headers?: Record<string, string> }

export interface RawServer {
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

export async function startRawServer(
  behaviour: (index: number, request: RecordedRequest) => Behaviour
): Promise<RawServer> {
  const requests: RecordedRequest[] = []
  const server = http.createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0)
    }
    const index = requests.length
    requests.push(record)
    const plan = behaviour(index, record)
    const chunks: Buffer[] = []
    let received = 0
    const answer = (status: number, body = '', headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers })
      res.end(body)
    }
    if (plan.kind === 'early') {
      answer(plan.status, plan.body, { connection: 'close', ...plan.headers })
      req.resume()
      return
    }
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      record.body = Buffer.concat(chunks)
      if (plan.kind === 'reset' && received >= plan.afterBytes) req.socket.destroy()
      if (plan.kind === 'stall' && received >= plan.afterBytes) req.pause()
    })
    req.on('end', () => {
      record.body = Buffer.concat(chunks)
      if (plan.kind === 'respond') answer(plan.status, plan.body, plan.headers)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export interface FormPart {
  name: string
  filename?: string
  contentType?: string
  data: Buffer
}

/** Splits a multipart/form-data body into its parts, in order (small test bodies only). */
export function parseMultipart(body: Buffer, contentType: string | undefined): FormPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '')
  if (!boundary) throw new Error(`no boundary in content-type ${contentType}`)
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`)
  const parts: FormPart[] = []
  let start = body.indexOf(delimiter)
  while (start !== -1) {
    const after = start + delimiter.length
    if (body.subarray(after, after + 2).toString() === '--') break
    const next = body.indexOf(delimiter, after)
    if (next === -1) throw new Error('multipart body has no closing delimiter')
    const part = body.subarray(after + 2, next - 2) // drop CRLF after delimiter and before next
    const split = part.indexOf('\r\n\r\n')
    const head = part.subarray(0, split).toString()
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? ''
    parts.push({
      name: /\bname="([^"]*)"/.exec(disposition)?.[1] ?? '',
      filename: /filename="([^"]*)"/.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]*)/i.exec(head)?.[1],
      data: part.subarray(split + 4)
    })
    start = next
  }
  return parts
}
