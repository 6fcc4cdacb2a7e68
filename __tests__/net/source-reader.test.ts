import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { pipeRange, pooledBuffers, READ_CHUNK_BYTES } from '../../src/net/source-reader.js'
import { tempWorkspace, wholeFile } from '../helpers/fixtures.js'

/** Like a socket: holds each chunk a moment and copies it only then, before calling back. */
class LateCopySink extends Writable {
  readonly received: Buffer[] = []
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    setTimeout(() => {
      this.received.push(Buffer.from(chunk))
      callback()
    }, 1)
  }
}

function pipe(
  source: { segments: { path: string; size: number }[] },
  start: number,
  end: number,
  sink: Writable,
  buffers: number
): Promise<Error | undefined> {
  return new Promise(resolve =>
    pipeRange(
      sink,
      { source, start, end, buffers, what: 'the range', onChunk: () => undefined },
      resolve
    )
  )
}

let ws: ReturnType<typeof tempWorkspace>
beforeEach(() => {
  ws = tempWorkspace('ocu-reader-')
})
afterEach(() => ws.remove())

describe('pipeRange', () => {
  it('hands its read buffers to the next pipe instead of allocating new ones, bytes intact', async () => {
    const content = randomBytes(READ_CHUNK_BYTES * 5 + 3)
    const source = wholeFile(ws.write('reads.fastq', content))
    const before = pooledBuffers()
    const first = new LateCopySink()
    expect(await pipe(source, 0, content.length, first, 2)).toBeUndefined()
    expect(Buffer.concat(first.received).equals(content)).toBe(true)
    // Both buffers came back.
    expect(pooledBuffers()).toBe(before + 2)

    // Two pipes at once take them (and one more), then give all three back: the pool never
    // holds more than was in use at once.
    const [a, b] = [new LateCopySink(), new LateCopySink()]
    const both = Promise.all([
      pipe(source, 0, 3 * READ_CHUNK_BYTES, a, 2),
      pipe(source, READ_CHUNK_BYTES, content.length, b, 2)
    ])
    expect(pooledBuffers()).toBe(Math.max(0, before + 2 - 4))
    expect(await both).toEqual([undefined, undefined])
    expect(Buffer.concat(a.received).equals(content.subarray(0, 3 * READ_CHUNK_BYTES))).toBe(true)
    expect(Buffer.concat(b.received).equals(content.subarray(READ_CHUNK_BYTES))).toBe(true)
    expect(pooledBuffers()).toBe(Math.max(before + 2, 4))
  })

  it('keeps a short range in its own small buffers, out of the pool', async () => {
    const content = randomBytes(1000)
    const source = wholeFile(ws.write('small.fastq', content))
    const before = pooledBuffers()
    const sink = new LateCopySink()
    expect(await pipe(source, 10, 900, sink, 2)).toBeUndefined()
    expect(Buffer.concat(sink.received).equals(content.subarray(10, 900))).toBe(true)
    expect(pooledBuffers()).toBe(before)
  })
})
