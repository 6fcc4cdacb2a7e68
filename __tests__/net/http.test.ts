import { afterEach, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Readable } from 'node:stream'
import { HttpClient, readBodyText } from '../../src/net/http.js'
import { isRetryable, networkError } from '../../src/shared/upload-error.js'

const MiB = 1024 * 1024

interface TestServer {
  url: string
  connections: number
  close(): Promise<void>
}

async function serve(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, handler)
  const sockets = new Set<Socket>()
  const state = { connections: 0 }
  server.on('connection', socket => {
    state.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return state.connections
    },
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** `total` bytes in 1 MiB chunks, made on demand (a body far bigger than any socket buffer). */
function body(total: number): Readable {
  const chunk = Buffer.alloc(MiB, 0x41)
  let left = total
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null)
      const size = Math.min(left, chunk.length)
      left -= size
      this.push(chunk.subarray(0, size))
    }
  })
}

let server: TestServer | undefined
let client: HttpClient | undefined
afterEach(async () => {
  client?.dispose()
  client = undefined
  await server?.close()
  server = undefined
})

describe('HttpClient stall timeout: one timeout, not two', () => {
  it('gives up a body the server stopped reading after one timeout, with a retryable error', async () => {
    let pausedAt = 0
    server = await serve(req => {
      let got = 0
      req.on('data', (chunk: Buffer) => {
        got += chunk.length
        if (got >= 2 * MiB && pausedAt === 0) {
          req.pause() // stalled "at 2 MB": the client's socket buffers fill, then nothing moves
          pausedAt = Date.now()
        }
      })
    })
    client = new HttpClient({ idleTimeoutMs: 600 })
    const failure = await client
      .request('POST', `${server.url}/bucket`, body(256 * MiB), {
        'content-length': String(256 * MiB)
      })
      .catch((e: unknown) => e)
    const sincePause = Date.now() - pausedAt
    const error = networkError('Storage upload of big.fq', failure)
    expect(error.message).toMatch(
      /^Storage upload of big\.fq failed: no bytes moved for 0\.\d s \(ETIMEDOUT\)$/
    )
    expect(isRetryable(error)).toBe(true)
    // node's socket timeout would take 1200 ms here (it re-arms once while a write drains)
    expect(sincePause).toBeGreaterThanOrEqual(600)
    expect(sincePause).toBeLessThan(1000)
  })

  it('gives up an answer that never comes', async () => {
    server = await serve(req => req.resume()) // reads the request, never answers
    client = new HttpClient({ idleTimeoutMs: 400 })
    const started = Date.now()
    const error = await client.post(`${server.url}/api`, '{"a":1}').catch((e: unknown) => e)
    expect((error as NodeJS.ErrnoException).code).toBe('ETIMEDOUT')
    expect(Date.now() - started).toBeLessThan(800)
  })

  it('gives up an answer whose body stops halfway, as a stall rather than a reset', async () => {
    server = await serve((req, res) => {
      req.resume()
      res.writeHead(200, { 'content-length': '1000' })
      res.write('x'.repeat(300)) // ... and nothing more
    })
    client = new HttpClient({ idleTimeoutMs: 400 })
    const response = await client.get(`${server.url}/slow`)
    const error = await readBodyText(response.message).catch((e: unknown) => e)
    expect((error as Error).message).toBe('no bytes moved for 0.4 s')
    expect((error as NodeJS.ErrnoException).code).toBe('ETIMEDOUT')
  })

  it('lets a transfer that keeps moving run far longer than the timeout', async () => {
    server = await serve((req, res) => {
      // a throttled reader (a few MB/s): bytes keep moving, slowly enough to last seconds
      req.on('data', () => {
        req.pause()
        setTimeout(() => req.resume(), 10)
      })
      req.on('end', () => res.end('stored'))
    })
    client = new HttpClient({ idleTimeoutMs: 1500 })
    const started = Date.now()
    const response = await client.request('POST', `${server.url}/bucket`, body(12 * MiB), {
      'content-length': String(12 * MiB)
    })
    expect(await readBodyText(response.message)).toBe('stored')
    expect(Date.now() - started).toBeGreaterThan(1500)
  })

  it('lets an answer trickle for longer than the timeout, and never touches the socket afterwards', async () => {
    server = await serve((req, res) => {
      req.resume()
      if (req.url === '/trickle') {
        let sent = 0
        res.writeHead(200, { 'content-length': '8' })
        const timer = setInterval(() => {
          res.write('x')
          if (++sent === 8) {
            clearInterval(timer)
            res.end()
          }
        }, 150) // 1.2 s in all, a byte every 150 ms
      } else res.end('ok')
    })
    client = new HttpClient({ idleTimeoutMs: 500 })
    const trickle = await client.get(`${server.url}/trickle`)
    expect(await readBodyText(trickle.message)).toBe('xxxxxxxx')
    // Wait past the timeout: a watchdog left behind would now destroy the kept-alive socket.
    await new Promise(resolve => setTimeout(resolve, 1200))
    const again = await client.get(`${server.url}/again`)
    expect(await readBodyText(again.message)).toBe('ok')
    expect(server.connections).toBe(1)
  })

  it('does not count the time a request waits for a free connection in the agent', async () => {
    server = await serve((req, res) => {
      req.resume()
      let sent = 0
      res.writeHead(200, { 'content-length': '6' })
      const timer = setInterval(() => {
        res.write('x')
        if (++sent === 6) {
          clearInterval(timer)
          res.end()
        }
      }, 150) // each answer takes 0.9 s, moving all along
    })
    client = new HttpClient({ idleTimeoutMs: 500, maxSockets: 1 })
    const answers = await Promise.all(
      [1, 2].map(async i => readBodyText((await client!.get(`${server!.url}/${i}`)).message))
    )
    expect(answers).toEqual(['xxxxxx', 'xxxxxx']) // the second waited 0.9 s for the socket
  })

  it('stops at once when the job is cancelled (not retried)', async () => {
    server = await serve(req => req.resume())
    client = new HttpClient({ idleTimeoutMs: 60_000 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const started = Date.now()
    const failure = await client
      .request(
        'POST',
        `${server.url}/bucket`,
        body(64 * MiB),
        { 'content-length': String(64 * MiB) },
        {
          signal: controller.signal
        }
      )
      .catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(isRetryable(networkError('x', failure))).toBe(false)
  })
})

describe('HttpClient basics', () => {
  it('sends our user agent and Content-Length, reuses one connection, follows no redirect', async () => {
    const seen: http.IncomingHttpHeaders[] = []
    server = await serve((req, res) => {
      seen.push(req.headers)
      req.resume()
      if (req.url === '/moved') res.writeHead(307, { location: '/elsewhere' }).end()
      else res.end('fine')
    })
    client = new HttpClient()
    for (let i = 0; i < 5; i++) {
      const response = await client.post(`${server.url}/api`, '{"é":1}', {
        'Content-Type': 'application/json'
      })
      await readBodyText(response.message)
    }
    const moved = await client.get(`${server.url}/moved`)
    expect(moved.message.statusCode).toBe(307)
    await readBodyText(moved.message)
    expect(seen).toHaveLength(6)
    expect(seen[0]['user-agent']).toBe('onecodex-upload-action')
    expect(seen[0]['content-length']).toBe('8') // bytes, not characters
    expect(seen[0]['content-type']).toBe('application/json')
    expect(server.connections).toBe(1)
  })
})
