import type * as Crypto from 'node:crypto'
import type * as Fs from 'node:fs'
import type * as V8 from 'node:v8'
import type * as Vm from 'node:vm'
import type * as WorkerThreads from 'node:worker_threads'
import type * as Zlib from 'node:zlib'
import type { FastaChecker } from './fasta-checker.js'
import type { FastqChecker } from './fastq-checker.js'
import type { Finding, SegmentFindings } from './findings.js'
import type { GzipChecker, StreamOutcome, TextChecker } from './gzip-checker.js'

/** The node modules the thread uses, passed in (the thread's code is sent as text). */
export interface ThreadModules {
  readonly fs: typeof Fs
  readonly zlib: typeof Zlib
  readonly crypto: typeof Crypto
  readonly workerThreads: typeof WorkerThreads
  readonly v8: typeof V8
  readonly vm: typeof Vm
}

/** The checkers, passed in for the same reason. */
export interface ThreadEngine {
  readonly FastqChecker: typeof FastqChecker
  readonly FastaChecker: typeof FastaChecker
  readonly GzipChecker: typeof GzipChecker
}

/**
 * Slots of the BigInt64Array shared by a scan and its thread. LIMIT: reading is allowed up to
 * this offset of the source (main thread writes); READ: bytes read and hashed so far (thread
 * writes); STOP: non-zero stops the scan (main); WAKE: post a progress message once READ
 * reaches this, then clear it (main arms, thread clears).
 */
export const SLOTS = { LIMIT: 0, READ: 1, STOP: 2, WAKE: 3, COUNT: 4 } as const

/** One scan, as posted to a thread. */
export interface ScanJob {
  readonly segments: readonly { readonly path: string; readonly size: number }[]
  readonly validate: 'full' | 'head'
  readonly format: 'FASTQ' | 'FASTA'
  readonly compression: 'none' | 'gzip'
  /** SLOTS.COUNT BigInt64 slots. */
  readonly shared: SharedArrayBuffer
  /** Check the other segments after one failed (their problems are all reported). */
  readonly keepGoing: boolean
  /** Bytes per read. */
  readonly readBytes: number
  /** Reads in flight into a gzip stream (each up to readBytes). */
  readonly gzipBuffers: number
  /** Bytes of decompressed output per piece handed to the text checker. */
  readonly outputBytes: number
}

/** What a thread posts about the job it runs. */
export type ThreadMessage =
  | { readonly type: 'progress'; readonly read: number }
  /** The first segment that failed (before `done` when the scan goes on: keepGoing). */
  | { readonly type: 'problem'; readonly segment: number; readonly finding: Finding }
  | {
      readonly type: 'done'
      /** Every byte was read: the hex sha256 of all segments back to back. */
      readonly sha256?: string
      /** validate full: one per segment checked, in order. */
      readonly segments: readonly SegmentFindings[]
    }
  /** Reading failed (missing or shortened file...). */
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stopped' }

/**
 * The scan thread: takes one ScanJob at a time and reads its segments once, in order, with
 * blocking reads (it is its own thread), never past LIMIT. Every byte goes into one sha256;
 * with `validate: full` each segment is also checked as its own stream (its own gzip members,
 * its own records). Posts `done` (or `problem`, `failed`, `stopped`) and waits for the next job.
 *
 * Sent to the worker as source text with the checkers (worker-source.ts): it names nothing
 * outside its own body but its parameters and the globals.
 */
export function scanThread(modules: ThreadModules, engine: ThreadEngine): void {
  const { fs, zlib, crypto, workerThreads, v8, vm } = modules
  const port = workerThreads.parentPort!
  // V8's collector, for GzipChecker's output buffers (see COLLECT_BYTES there): exposed to a
  // fresh context of this thread only.
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void
  const collect = (): void => gc({ type: 'minor' })
  const LIMIT = 0
  const READ = 1
  const STOP = 2
  const WAKE = 3
  const STOPPED = new Error('stopped')
  type WaitAsync = (
    array: BigInt64Array,
    index: number,
    value: bigint
  ) => { async: boolean; value: Promise<string> | string }
  const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync

  port.on('message', (job: ScanJob) => {
    run(job).then(
      message => port.postMessage(message),
      (error: unknown) =>
        port.postMessage(
          error === STOPPED
            ? { type: 'stopped' }
            : { type: 'failed', message: error instanceof Error ? error.message : String(error) }
        )
    )
  })

  async function run(job: ScanJob): Promise<ThreadMessage> {
    const state = new BigInt64Array(job.shared)
    const hash = crypto.createHash('sha256')
    const full = job.validate === 'full'
    const gzip = full && job.compression === 'gzip'
    // Read buffers: one when each chunk is done with before the next read, more when zlib holds
    // chunks while the next ones are read.
    const free: Buffer[] = []
    let allocated = 0
    const maxBuffers = gzip ? Math.max(1, job.gzipBuffers) : 1
    let bufferBack: (() => void) | undefined
    const giveBack = (buffer: Buffer): void => {
      free.push(buffer)
      const wake = bufferBack
      bufferBack = undefined
      wake?.()
    }
    const stopRequested = (): boolean => Atomics.load(state, STOP) !== 0n

    /** Resolves once reading up to at least `read + 1` is allowed; the limit. */
    const allowed = async (read: number): Promise<number> => {
      for (;;) {
        if (stopRequested()) throw STOPPED
        const limit = Atomics.load(state, LIMIT)
        if (limit > BigInt(read)) return Number(limit)
        const waited = waitAsync(state, LIMIT, limit)
        if (waited.async) await waited.value
      }
    }

    let read = 0
    /** Every byte was read (so the sha256 is of the whole source). */
    let complete = true
    const results: SegmentFindings[] = []
    let reported = false
    for (let index = 0; index < job.segments.length; index++) {
      const segment = job.segments[index]
      const text: TextChecker | undefined = full
        ? job.format === 'FASTQ'
          ? new engine.FastqChecker()
          : new engine.FastaChecker()
        : undefined
      const inflater =
        text && gzip
          ? new engine.GzipChecker(zlib, text, job.outputBytes, job.readBytes, collect)
          : undefined
      const fd = fs.openSync(segment.path, 'r')
      let stopped: unknown
      try {
        for (let offset = 0; offset < segment.size;) {
          const limit = await allowed(read)
          let buffer = free.pop()
          if (!buffer && allocated < maxBuffers) {
            buffer = Buffer.allocUnsafeSlow(job.readBytes)
            allocated++
          }
          while (!buffer) {
            await new Promise<void>(resolve => (bufferBack = resolve))
            if (stopRequested()) throw STOPPED
            buffer = free.pop()
          }
          const want = Math.min(buffer.length, segment.size - offset, limit - read)
          const n = fs.readSync(fd, buffer, 0, want, offset)
          if (n === 0) {
            free.push(buffer)
            throw new Error(
              `${segment.path} has ${offset} bytes now, ${segment.size} were planned (was the file changed while uploading?).`
            )
          }
          const chunk = n === buffer.length ? buffer : buffer.subarray(0, n)
          hash.update(chunk)
          offset += n
          read += n
          Atomics.store(state, READ, BigInt(read))
          const wake = Atomics.load(state, WAKE)
          if (wake > 0n && BigInt(read) >= wake) {
            Atomics.compareExchange(state, WAKE, wake, 0n)
            port.postMessage({ type: 'progress', read })
          }
          if (inflater) {
            const own = buffer
            inflater.write(chunk, () => giveBack(own))
            if (inflater.failed) {
              complete = complete && offset === segment.size
              break
            }
          } else {
            if (text && !text.push(chunk)) {
              free.push(buffer)
              complete = complete && offset === segment.size
              break
            }
            free.push(buffer)
          }
        }
      } catch (error) {
        stopped = error
      } finally {
        fs.closeSync(fd)
      }
      if (stopped !== undefined) {
        inflater?.destroy()
        throw stopped
      }
      if (!text) continue
      const outcome: StreamOutcome = inflater
        ? await inflater.end()
        : { error: text.end(), warnings: [] }
      const result: SegmentFindings = {
        reads: text.reads,
        bases: text.bases,
        warnings: outcome.warnings,
        ...(outcome.error ? { error: outcome.error } : {})
      }
      results.push(result)
      if (outcome.error) {
        if (!reported) {
          reported = true
          port.postMessage({ type: 'problem', segment: index, finding: outcome.error })
        }
        if (!job.keepGoing) {
          complete = complete && index === job.segments.length - 1
          break
        }
        // The rest of this segment is not read: later segments start at their own offset.
        read = job.segments.slice(0, index + 1).reduce((sum, s) => sum + s.size, 0)
        Atomics.store(state, READ, BigInt(read))
      }
    }
    return complete
      ? { type: 'done', sha256: hash.digest('hex'), segments: results }
      : { type: 'done', segments: results }
  }
}
