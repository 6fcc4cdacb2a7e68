import { Worker } from 'node:worker_threads'
import { READ_CHUNK_BYTES, type SegmentedSource } from '../net/source-reader.js'

/**
 * The sha256 of a file sent as concurrent parts. Parts finish out of order, so their bytes
 * cannot simply be fed to one hash as they stream; this reads the file a second time, in order,
 * alongside the uploads, never past the end of the last part started (`allow`) — so it reads
 * what the uploads just read, from the page cache — and the uploads wait (`lagBehind`) when it
 * falls more than HASH_MAX_LAG_BYTES behind, so those pages are still cached when it gets there.
 *
 * Why a second read rather than hashing the parts' own bytes in order: measured with a small
 * script on a 2 GiB sparse file (AMD EPYC, 2 vCPU, node 20; 16 MiB parts, 8 in flight, 1 MiB
 * reads; parts read and discarded, so only read and hash CPU count; three runs each):
 *   - parts read, no hash: 3.3–4.9 GiB/s;
 *   - every part's bytes fed to one hash as read (out of order, so a wrong digest — the
 *     lower bound of any correct scheme): 0.70–1.15 GiB/s, RSS ~105 MiB;
 *   - (a) this second, ordered, bounded read: 0.65–0.76 GiB/s, RSS ~80 MiB, +0.25 s CPU/GiB;
 *   - (b) hash the in-order part as it streams and copy the others' chunks into a reorder
 *     buffer: 0.31–0.48 GiB/s and 1.2 GiB held at peak (parts progress at the same pace, so
 *     nearly everything waits); bounding that buffer means re-reading anyway.
 * sha256 itself is the bottleneck (~0.7–1.1 GiB/s on one core), far above what one runner
 * sends to S3, so (a) costs no wall time in practice and keeps memory flat.
 *
 * The reading and hashing run on a worker thread: on the main thread the hash took ~1.5 s of a
 * 2 GiB file's ~3.7 s there, and the main thread, which also drives the 8 parts' requests, was
 * the bottleneck of the multipart route (`npm run bench`, WAN profile, 32 MiB parts: 5.9x one
 * `curl -F` with the hash on the main thread, 6.5x on a worker, against 7.8x for 8 bare curls).
 */
export const HASH_MAX_LAG_BYTES = 512 * 1024 * 1024

// Slots of the state shared with the worker (BigInt64Array).
const LIMIT = 0 // reading is allowed up to here (written by the main thread)
const HASHED = 1 // bytes hashed so far (written by the worker)
const STOP = 2 // non-zero: stop reading (written by the main thread)

/**
 * The worker: reads the segments in order with blocking reads (it is its own thread), never
 * past LIMIT, hashes them, publishes HASHED after each read and posts it, then posts the digest.
 * Plain CommonJS run with `eval`, so the bundle needs no second entry file. A segment that is
 * shorter than planned fails with the same words as SourceReader.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads')
const { openSync, readSync, closeSync } = require('node:fs')
const { createHash } = require('node:crypto')
const { segments, shared, chunk } = workerData
const state = new BigInt64Array(shared)
const hash = createHash('sha256')
const buffer = Buffer.allocUnsafeSlow(chunk)
const STOPPED = {}
let hashed = 0
function allowed() {
  for (;;) {
    if (Atomics.load(state, ${STOP}) !== 0n) throw STOPPED
    const limit = Atomics.load(state, ${LIMIT})
    if (limit > BigInt(hashed)) return Number(limit)
    Atomics.wait(state, ${LIMIT}, limit)
  }
}
try {
  for (const segment of segments) {
    if (segment.size === 0) continue
    const fd = openSync(segment.path, 'r')
    try {
      for (let offset = 0; offset < segment.size; ) {
        const want = Math.min(chunk, segment.size - offset, allowed() - hashed)
        const n = readSync(fd, buffer, 0, want, offset)
        if (n === 0)
          throw new Error(segment.path + ' has ' + offset + ' bytes now, ' + segment.size +
            ' were planned (was the file changed while uploading?).')
        hash.update(buffer.subarray(0, n))
        offset += n
        hashed += n
        Atomics.store(state, ${HASHED}, BigInt(hashed))
        parentPort.postMessage(hashed)
      }
    } finally {
      closeSync(fd)
    }
  }
  parentPort.postMessage({ digest: hash.digest('hex') })
} catch (error) {
  if (error !== STOPPED) parentPort.postMessage({ error: error && error.message ? error.message : String(error) })
}
`

type WorkerMessage = number | { digest: string } | { error: string }

export class SequentialHash {
  private readonly state = new BigInt64Array(new SharedArrayBuffer(3 * 8))
  private readonly worker: Worker
  /** Reading is allowed up to here. */
  private limit = 0
  private failure?: Error
  private closed = false
  private digest?: string
  private readonly finished: Promise<string>
  private readonly waiters: { offset: number; resolve: () => void; reject: (e: Error) => void }[] =
    []

  constructor(
    source: SegmentedSource,
    private readonly size: number,
    /** How far behind the parts the hash may fall. Default HASH_MAX_LAG_BYTES. */
    private readonly maxLagBytes: number = HASH_MAX_LAG_BYTES
  ) {
    let settle!: { resolve: (digest: string) => void; reject: (error: Error) => void }
    this.finished = new Promise<string>((resolve, reject) => (settle = { resolve, reject }))
    this.finished.catch(() => undefined) // the failure also reaches every waiter
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        segments: source.segments.map(({ path, size }) => ({ path, size })),
        shared: this.state.buffer,
        chunk: Math.min(READ_CHUNK_BYTES, Math.max(size, 1))
      }
    })
    this.worker.on('message', (message: WorkerMessage) => {
      if (typeof message === 'number') return this.progress(message)
      if ('digest' in message) {
        this.digest = message.digest
        this.progress(this.size)
        return settle.resolve(message.digest)
      }
      this.fail(new Error(message.error))
      settle.reject(this.failure!)
    })
    const lost = (error: Error): void => {
      if (this.digest !== undefined) return
      this.fail(error)
      settle.reject(this.failure!)
    }
    this.worker.on('error', lost)
    this.worker.on('exit', () => lost(new Error('the hash was stopped')))
  }

  /** Bytes hashed so far. */
  get hashed(): number {
    return Number(Atomics.load(this.state, HASHED))
  }

  /** Lets the hash read up to byte `limit` (the end of the parts started so far). */
  allow(limit: number): void {
    if (limit <= this.limit || this.closed) return
    this.limit = Math.min(limit, this.size)
    Atomics.store(this.state, LIMIT, BigInt(this.limit))
    Atomics.notify(this.state, LIMIT)
  }

  /**
   * Resolves once the hash is at most `maxLagBytes` behind `offset` (call before starting the
   * part that begins at `offset`); rejects when reading failed.
   */
  lagBehind(offset: number): Promise<void> {
    return this.reached(Math.max(0, offset - this.maxLagBytes))
  }

  /** Reads the rest and resolves with the hex digest of all `size` bytes. */
  async result(): Promise<string> {
    this.allow(this.size)
    if (this.failure) throw this.failure
    return this.finished
  }

  /** Stops reading; the worker closes its file and ends (safe at any time, more than once). */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.digest === undefined) this.fail(new Error('the hash was stopped'))
    Atomics.store(this.state, STOP, 1n)
    Atomics.notify(this.state, LIMIT)
  }

  private reached(offset: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.hashed >= offset) return Promise.resolve()
    return new Promise((resolve, reject) => this.waiters.push({ offset, resolve, reject }))
  }

  private progress(hashed: number): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (hashed >= this.waiters[i].offset) this.waiters.splice(i, 1)[0].resolve()
    }
  }

  private fail(error: Error): void {
    this.failure ??= error
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure)
  }
}
