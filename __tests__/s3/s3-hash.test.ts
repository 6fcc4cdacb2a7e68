import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SequentialHash } from '../../src/s3/s3-hash.js'
import { twoRandomLanes, type TwoLanes } from '../helpers/lanes.js'

const MiB = 1024 * 1024
let fixture: TwoLanes
let dir: string
let a: Buffer
let b: Buffer
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const tick = (ms = 30): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
/** Waits (at most 5 s) for `done` to hold. */
async function until(done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done() && Date.now() - started < 5000;) await tick(5)
}

beforeAll(async () => {
  fixture = await twoRandomLanes('s3-hash-', [3 * MiB + 17, 2 * MiB + 5])
  ;({ dir, a, b } = fixture)
})
afterAll(() => fixture.remove())

const lanes = (): { segments: { path: string; size: number }[] } => fixture.segments()

describe('SequentialHash', () => {
  it('hashes a source of two lanes in order, whatever order the parts are allowed in', async () => {
    const size = a.length + b.length
    const hash = new SequentialHash(lanes(), size)
    // Parts "start" out of order: the hash only follows the furthest end allowed.
    hash.allow(4 * MiB)
    hash.allow(2 * MiB)
    expect(await hash.result()).toBe(sha256(Buffer.concat([a, b])))
    hash.close()
  })

  it('never reads past what it was allowed', async () => {
    const hash = new SequentialHash(lanes(), a.length + b.length)
    hash.allow(1 * MiB + 3)
    await until(() => hash.hashed >= 1 * MiB + 3) // the worker thread starts first
    await tick()
    expect(hash.hashed).toBe(1 * MiB + 3)
    hash.allow(3 * MiB)
    await until(() => hash.hashed >= 3 * MiB)
    await tick()
    expect(hash.hashed).toBe(3 * MiB)
    hash.close()
  })

  it('holds back a part until the hash is within its lag of that part’s start', async () => {
    const hash = new SequentialHash(lanes(), a.length + b.length, 1 * MiB)
    let released = false
    const waiting = hash.lagBehind(3 * MiB).then(() => (released = true))
    await tick()
    expect(released).toBe(false) // nothing allowed yet: the hash is at 0
    hash.allow(2 * MiB)
    await waiting
    expect(released).toBe(true)
    expect(hash.hashed).toBeGreaterThanOrEqual(2 * MiB)
    await expect(hash.lagBehind(500)).resolves.toBeUndefined()
    hash.close()
  })

  it('fails its waiters and its result when the file shrank', async () => {
    const path = join(dir, 'shrinks.fq')
    await writeFile(path, randomBytes(2 * MiB))
    const hash = new SequentialHash({ segments: [{ path, size: 2 * MiB }] }, 2 * MiB, 0)
    await truncate(path, MiB)
    await expect(hash.result()).rejects.toThrow(/has 1048576 bytes now, 2097152 were planned/)
    await expect(hash.lagBehind(2 * MiB)).rejects.toThrow(/were planned/)
    hash.close()
  })

  it('hashes on a worker thread: the main thread stays free for the parts', async () => {
    const { threadId } = await import('node:worker_threads')
    const hash = new SequentialHash(lanes(), a.length + b.length)
    expect((hash as unknown as { worker: { threadId: number } }).worker.threadId).not.toBe(threadId)
    expect(await hash.result()).toBe(sha256(Buffer.concat([a, b])))
  })

  it('stops on close: waiters are released with an error', async () => {
    const hash = new SequentialHash(lanes(), a.length + b.length, 0)
    const waiting = hash.lagBehind(2 * MiB)
    hash.close()
    await expect(waiting).rejects.toThrow('the hash was stopped')
  })
})
