/**
 * sendMultipartFile through the real AWS SDK against a scripted loopback S3 that holds every
 * answer back: how parts are paced (the next part goes out while earlier answers are awaited,
 * within bounds), a plan with shortened last parts stored byte for byte with one part retried,
 * and no signal with the 11 abort listeners node warns about, however many parts are in flight.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RetryPolicy } from '../../src/net/retry-helper.js'
import { S3Connections } from '../../src/s3/s3-client.js'
import { sendMultipartFile } from '../../src/s3/s3-multipart.js'
import { planParts, type PartRange } from '../../src/s3/s3-part-size.js'
import type { Source } from '../../src/shared/types.js'
import { closeScanThreads, startScan } from '../../src/verify/scan.js'
import { sourceAt } from '../helpers/fixtures.js'

const MiB = 1024 * 1024
const BUCKET = 'onecodex-test-bucket'

/** One UploadPart as the stub saw it, on the machine's monotonic clock (ms). */
interface PartSeen {
  number: number
  length: number
  head: number
  bodyEnd?: number
  answered?: number
}

interface Stub {
  url: string
  parts: PartSeen[]
  /** Bodies of the parts stored (by number), when `keep` is set. */
  bodies: Map<number, Buffer>
  completed: { number: number; etag: string }[][]
  /** Most UploadPart requests open at once (head to answer). */
  mostOpen: number
  close(): Promise<void>
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6

/**
 * A loopback S3: answers each UploadPart `answerDelayMs` after its body ended; resets the
 * connection of the parts in `resetOnce` the first time they arrive (after 1 MiB of body);
 * stores the bodies when `keep`.
 */
async function startStub(options: {
  answerDelayMs: number
  resetOnce?: number[]
  keep?: boolean
}): Promise<Stub> {
  const resets = new Set(options.resetOnce ?? [])
  let open = 0
  const stub: Stub = {
    url: '',
    parts: [],
    bodies: new Map(),
    completed: [],
    mostOpen: 0,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub')
    const chunks: Buffer[] = []
    if (req.method === 'PUT' && url.searchParams.has('partNumber')) {
      const seen: PartSeen = {
        number: Number(url.searchParams.get('partNumber')),
        length: Number(req.headers['content-length']),
        head: now()
      }
      stub.parts.push(seen)
      stub.mostOpen = Math.max(stub.mostOpen, ++open)
      let received = 0
      const reset = resets.delete(seen.number)
      req.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (options.keep) chunks.push(chunk)
        if (reset && received > MiB) {
          open--
          req.socket.destroy()
        }
      })
      req.on('end', () => {
        if (reset) return
        seen.bodyEnd = now()
        if (options.keep) stub.bodies.set(seen.number, Buffer.concat(chunks))
        setTimeout(() => {
          seen.answered = now()
          open--
          res.writeHead(200, { etag: `"etag-${seen.number}"`, 'content-length': '0' }).end()
        }, options.answerDelayMs)
      })
      return
    }
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const xml = (body: string): void => {
        res.writeHead(200, { 'content-type': 'application/xml' })
        res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`)
      }
      if (req.method === 'POST' && url.searchParams.has('uploads'))
        return xml(
          `<InitiateMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>`
        )
      if (req.method === 'POST') {
        const body = Buffer.concat(chunks).toString()
        stub.completed.push(
          [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(m => ({
            number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]),
            etag: (/<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1] ?? '').replace(/&quot;|&#34;/g, '"')
          }))
        )
        return xml(
          `<CompleteMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>k</Key><ETag>"x"</ETag></CompleteMultipartUploadResult>`
        )
      }
      res.writeHead(204).end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  stub.url = `http://127.0.0.1:${port}`
  return stub
}

/**
 * Counts the 'abort' listeners registered at once on each AbortSignal (what node's
 * MaxListenersExceededWarning counts: it warns from the 11th) until restore().
 */
function countAbortListeners(): { most: () => number; restore: () => void } {
  const proto = AbortSignal.prototype as unknown as {
    addEventListener: EventTarget['addEventListener']
    removeEventListener: EventTarget['removeEventListener']
  }
  const add = EventTarget.prototype.addEventListener
  const remove = EventTarget.prototype.removeEventListener
  const counts = new WeakMap<object, Set<unknown>>()
  let most = 0
  proto.addEventListener = function (this: AbortSignal, type, listener, options) {
    if (type === 'abort' && !this.aborted) {
      const set = counts.get(this) ?? new Set()
      counts.set(this, set.add(listener))
      most = Math.max(most, set.size)
    }
    return add.call(this, type, listener, options)
  }
  proto.removeEventListener = function (this: AbortSignal, type, listener, options) {
    if (type === 'abort') counts.get(this)?.delete(listener)
    return remove.call(this, type, listener, options)
  }
  return {
    most: () => most,
    restore: () => {
      delete (proto as Partial<typeof proto>).addEventListener
      delete (proto as Partial<typeof proto>).removeEventListener
    }
  }
}

let dir: string
const stubs: Stub[] = []
const connections: S3Connections[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-multipart-'))
})
afterEach(async () => {
  for (const c of connections.splice(0)) c.dispose()
  await Promise.all(stubs.splice(0).map(s => s.close()))
})
afterAll(async () => {
  await closeScanThreads()
  await rm(dir, { recursive: true, force: true })
})

/** A file of `size` bytes: random when `random`, else sparse (zeros, no disk). */
async function file(name: string, size: number, random = false): Promise<Source> {
  const path = join(dir, name)
  if (random) await writeFile(path, randomBytes(size))
  else {
    const handle = await open(path, 'w')
    await handle.truncate(size)
    await handle.close()
  }
  return sourceAt(path, size)
}

async function send(
  stub: Stub,
  source: Source,
  parts: readonly PartRange[],
  partsInFlight: number,
  retryBaseMs = 5
): Promise<{ sha256: string; lines: string[] }> {
  const connection = new S3Connections({ endpoint: stub.url })
  connections.push(connection)
  const calls = await connection.calls(
    { accessKeyId: 'AKIATEST', secretAccessKey: 'sEcReT' },
    BUCKET,
    ['sEcReT']
  )
  const lines: string[] = []
  // The scan that both routes read behind (validate head: the sha256 only).
  const scan = startScan(source, { validate: 'head', paced: true })
  await sendMultipartFile(source, {
    pace: scan,
    calls,
    key: 'k',
    parts,
    partsInFlight,
    retry: new RetryPolicy({
      maxAttempts: 3,
      baseDelayMs: retryBaseMs,
      log: line => lines.push(line)
    }),
    say: line => lines.push(line),
    warn: line => lines.push(line)
  })
  const scanned = await scan.done
  return { sha256: scanned.sha256 ?? '', lines }
}

describe('sendMultipartFile', () => {
  it('starts the next part once a body is sent, while earlier answers are still awaited', async () => {
    const stub = await startStub({ answerDelayMs: 400 })
    stubs.push(stub)
    const size = 8 * 5 * MiB
    const parts = planParts(size, 5 * MiB, 2)
    expect(parts).toHaveLength(8)
    await send(stub, await file('paced.fastq', size), parts, 2)

    const byNumber = new Map(stub.parts.map(p => [p.number, p]))
    expect([...byNumber.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const firstAnswer = Math.min(byNumber.get(1)!.answered!, byNumber.get(2)!.answered!)
    // Parts 3 and 4 went out while neither of the first two had its answer (each answer is
    // held 400 ms; a body of 5 MiB takes a few ms on loopback).
    expect(byNumber.get(3)!.head).toBeLessThan(firstAnswer)
    expect(byNumber.get(4)!.head).toBeLessThan(firstAnswer)
    // 2 bodies going out plus at most 2 parts awaiting their answers: never more than 4 open.
    expect(stub.mostOpen).toBe(4)
    // ... and the fifth part waited for one of the four to be answered.
    const answeredBefore5 = stub.parts.filter(p => p.answered! <= byNumber.get(5)!.head)
    expect(answeredBefore5.length).toBeGreaterThanOrEqual(1)
    expect(stub.completed).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8].map(number => ({ number, etag: `"etag-${number}"` }))
    ])
  })

  it('stores a plan with shortened last parts byte for byte, re-sending only the part that was reset', async () => {
    const stub = await startStub({ answerDelayMs: 20, resetOnce: [6], keep: true })
    stubs.push(stub)
    const size = 60 * MiB + 12345
    const parts = planParts(size, 10 * MiB, 4)
    // 10 MiB parts while 4 of them remain, then shorter ones, the last round even.
    expect(parts.map(p => p.end - p.start)).toEqual([
      10 * MiB,
      10 * MiB,
      10 * MiB,
      8 * MiB,
      6 * MiB,
      6 * MiB,
      5 * MiB,
      5 * MiB + 12345
    ])
    const source = await file('tail.fastq', size, true)
    const { sha256, lines } = await send(stub, source, parts, 4)

    // Part 6 arrived twice (reset once), every other part once, each with its planned length.
    const counts = new Map<number, number>()
    for (const seen of stub.parts) {
      counts.set(seen.number, (counts.get(seen.number) ?? 0) + 1)
      const planned = parts[seen.number - 1]
      expect(seen.length).toBe(planned.end - planned.start)
    }
    expect([...counts.entries()].sort((a, b) => a[0] - b[0])).toEqual(
      parts.map(p => [p.number, p.number === 6 ? 2 : 1])
    )
    expect(lines).toContainEqual(
      expect.stringMatching(/^tail\.fastq: part 6 of 8: attempt 1 of 3 failed/)
    )
    // Complete lists every part in order; the parts put together are the file.
    expect(stub.completed).toEqual([
      parts.map(p => ({ number: p.number, etag: `"etag-${p.number}"` }))
    ])
    const { readFile } = await import('node:fs/promises')
    const bytes = await readFile(source.path)
    const stored = Buffer.concat(parts.map(p => stub.bodies.get(p.number)!))
    expect(stored.equals(bytes)).toBe(true)
    expect(sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
  })

  it('keeps every signal under 11 abort listeners (no MaxListenersExceededWarning) with 8 parts sending, 8 awaiting answers, 4 waiting to retry', async () => {
    // Four parts of the first round reset: they wait out their backoff beside the others.
    const stub = await startStub({ answerDelayMs: 300, resetOnce: [1, 2, 3, 4] })
    stubs.push(stub)
    const listeners = countAbortListeners()
    try {
      const size = 40 * 5 * MiB
      const { lines } = await send(
        stub,
        await file('many.fastq', size),
        planParts(size, 5 * MiB, 8),
        8,
        400
      )
      expect(lines.filter(line => /attempt 1 of 3 failed/.test(line))).toHaveLength(4)
    } finally {
      listeners.restore()
    }
    // Node warns from the 11th 'abort' listener on one signal.
    expect(listeners.most()).toBeLessThanOrEqual(10)
    // More than 8 parts open at once (answers awaited beside 8 bodies), never more than 16.
    expect(stub.mostOpen).toBeGreaterThan(8)
    expect(stub.mostOpen).toBeLessThanOrEqual(16)
  })
})
