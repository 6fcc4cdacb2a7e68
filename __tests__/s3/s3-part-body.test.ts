import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { PartBody } from '../../src/s3/s3-part-body.js'
import { twoRandomLanes, type TwoLanes } from '../helpers/lanes.js'

const MiB = 1024 * 1024
let fixture: TwoLanes
let dir: string
let a: Buffer
let b: Buffer

beforeAll(async () => {
  fixture = await twoRandomLanes('s3-part-body-', [3 * MiB + 11, 2 * MiB + 7])
  ;({ dir, a, b } = fixture)
})
afterAll(() => fixture.remove())

const lanes = (): { segments: { path: string; size: number }[] } => fixture.segments()

/** Pipes `body` into a slow sink and collects what arrives. */
function collect(body: PartBody): Promise<Buffer> {
  const chunks: Buffer[] = []
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk)) // the body reuses its buffers: copy
      setImmediate(callback)
    }
  })
  return new Promise((resolve, reject) => {
    sink.on('finish', () => resolve(Buffer.concat(chunks)))
    sink.on('error', reject)
    body.pipe(sink)
  })
}

describe('PartBody', () => {
  it('streams a byte range that spans two lane files, exactly', async () => {
    const all = Buffer.concat([a, b])
    const start = 2 * MiB + 5
    const end = 4 * MiB + 3
    let counted = 0
    const body = new PartBody(lanes(), start, end, bytes => (counted += bytes))
    expect(body.length).toBe(end - start)
    const got = await collect(body)
    expect(got.equals(all.subarray(start, end))).toBe(true)
    expect(counted).toBe(end - start)
    expect(body.sent).toBe(end - start)
  })

  it('streams the last, short part and a one-byte part', async () => {
    const all = Buffer.concat([a, b])
    expect(
      (await collect(new PartBody(lanes(), all.length - 9, all.length))).equals(all.subarray(-9))
    ).toBe(true)
    expect((await collect(new PartBody(lanes(), 0, 1))).equals(a.subarray(0, 1))).toBe(true)
  })

  it('destroys the request with an error naming the file when the file shrank', async () => {
    const path = join(dir, 'shrinks.fq')
    await writeFile(path, randomBytes(3 * MiB))
    const body = new PartBody({ segments: [{ path, size: 3 * MiB }] }, 2 * MiB, 3 * MiB)
    await truncate(path, 2 * MiB + 100)
    const sink = new PassThrough()
    sink.resume()
    const failed = new Promise<Error>(resolve => sink.on('error', resolve))
    body.pipe(sink)
    const error = await failed
    expect(error.message).toContain(`${path} has 2097252 bytes now, 3145728 were planned`)
  })

  it('stops reading when the request closes early, without an unhandled error', async () => {
    const body = new PartBody(lanes(), 0, a.length)
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        sink.destroy()
        callback()
      }
    })
    body.pipe(sink)
    await new Promise(resolve => body.on('close', resolve))
    expect(body.sent).toBeLessThan(a.length)
  })

  it('can be piped only once', () => {
    const body = new PartBody(lanes(), 0, 10)
    const sink = new PassThrough()
    sink.resume()
    body.pipe(sink)
    expect(() => body.pipe(new PassThrough())).toThrow('only once')
  })
})
