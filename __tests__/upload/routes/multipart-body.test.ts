import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { truncateSync } from 'node:fs'
import { Writable } from 'node:stream'
import {
  BUFFERS_IN_FLIGHT,
  MultipartFileBody,
  READ_CHUNK_BYTES
} from '../../../src/upload/routes/multipart-body.js'
import { tempWorkspace, wholeFile } from '../../helpers/fixtures.js'
import { parseMultipart } from '../../helpers/raw-server.js'

const FIELDS = { key: 'user_ab/file_cd/${filename}', acl: 'private', success_action_status: '201' }

/**
 * Like a socket: it keeps a reference to each chunk and copies the bytes only when it "sends"
 * them, a little later, before calling back. A body that reused a buffer before the callback
 * would show up here as corrupted content.
 */
class LateCopySink extends Writable {
  readonly received: Buffer[] = []
  constructor(private readonly delayMs = 1) {
    super()
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    setTimeout(() => {
      this.received.push(Buffer.from(chunk))
      callback()
    }, this.delayMs)
  }
  body(): Buffer {
    return Buffer.concat(this.received)
  }
}

function sent(body: MultipartFileBody, sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    sink.on('finish', resolve)
    sink.on('error', reject)
    body.on('error', reject)
    body.pipe(sink)
  })
}

let ws: ReturnType<typeof tempWorkspace>
beforeEach(() => {
  ws = tempWorkspace('ocu-body-')
})
afterEach(() => ws.remove())

describe('MultipartFileBody', () => {
  it('sends the fields in order, then the whole file, in exactly Content-Length bytes', async () => {
    // More chunks than buffers, so every buffer is reused several times.
    const content = randomBytes(READ_CHUNK_BYTES * (BUFFERS_IN_FLIGHT + 3) + 17)
    const file = ws.write('reads_R1.fastq', content)
    const body = new MultipartFileBody(FIELDS, wholeFile(file, 'reads_R1.fastq'))
    const sink = new LateCopySink()

    await sent(body, sink)

    const received = sink.body()
    const headers = body.getHeaders()
    expect(headers['content-length']).toBe(String(received.length))
    const parts = parseMultipart(received, headers['content-type'])
    expect(parts.map(p => p.name)).toEqual([...Object.keys(FIELDS), 'file'])
    expect(parts.slice(0, -1).map(p => p.data.toString())).toEqual(Object.values(FIELDS))
    expect(parts[3].filename).toBe('reads_R1.fastq')
    expect(parts[3].contentType).toBe('application/octet-stream')
    expect(parts[3].data.equals(content)).toBe(true)
    expect(body.sent).toBe(content.length)
  })

  it('lets the scan that follows it read each chunk once the body has read it', async () => {
    const content = randomBytes(READ_CHUNK_BYTES * 2 + 5)
    const file = ws.write('paced.fq', content)
    const allowed: number[] = []
    const body = new MultipartFileBody(FIELDS, wholeFile(file, 'paced.fq'), undefined, {
      allow: limit => allowed.push(limit)
    })
    await sent(body, new LateCopySink(0))
    expect(allowed).toEqual([READ_CHUNK_BYTES, READ_CHUNK_BYTES * 2, content.length])
  })

  it('reports progress as the file is read, ending at its size', async () => {
    const content = randomBytes(READ_CHUNK_BYTES * 2 + 5)
    const file = ws.write('x.fq', content)
    const seen: number[] = []
    const body = new MultipartFileBody(FIELDS, wholeFile(file, 'x.fq'), bytes => seen.push(bytes))
    await sent(body, new LateCopySink(0))
    expect(seen).toEqual([READ_CHUNK_BYTES, READ_CHUNK_BYTES * 2, content.length])
  })

  it('fails, naming the file, when the file is shorter than planned', async () => {
    const file = ws.write('short.fq', randomBytes(READ_CHUNK_BYTES + 100))
    const body = new MultipartFileBody(FIELDS, wholeFile(file, 'short.fq'))
    truncateSync(file, 1000)
    const sink = new LateCopySink(0)

    const error = await sent(body, sink).catch((e: unknown) => e)

    expect((error as Error).message).toContain(file)
    expect((error as Error).message).toMatch(/1000 bytes now, \d+ were planned/)
    expect(sink.destroyed).toBe(true)
  })

  it('stops reading when the destination closes before the end', async () => {
    const content = randomBytes(READ_CHUNK_BYTES * 8)
    const file = ws.write('big.fq', content)
    const body = new MultipartFileBody(FIELDS, wholeFile(file, 'big.fq'))
    const sink = new LateCopySink(5)
    const closed = new Promise(resolve => body.on('close', resolve))
    body.on('error', () => undefined)
    body.pipe(sink)
    setTimeout(() => sink.destroy(), 8)

    await closed
    expect(body.destroyed).toBe(true)
    expect(body.sent).toBeLessThan(content.length)
  })
})
