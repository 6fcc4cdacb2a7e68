import os from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Compression, Segment, SequenceFormat } from '../shared/types.js'
import type { SegmentFindings } from './findings.js'
import { contentProblem, type ContentProblem } from './messages.js'
import { SLOTS, type ScanJob, type ThreadMessage } from './scan-thread.js'
import { workerSource } from './worker-source.js'

/**
 * One ordered read of a file (a source: one file, or lane files back to back) on a worker
 * thread that computes the sha256 of all its bytes and, with `validate: full`, checks every
 * segment's content as its own stream (findings.ts lists the rules). Both routes upload while
 * it runs: the sha256 is off the main thread, and the check rides the same read.
 *
 * Read right behind an upload (`paced`): the scan never reads past what the upload allowed
 * (`allow`), so it finds the bytes the upload just read in the page cache, and the upload waits
 * (`lagBehind`) when the scan falls more than `maxLagBytes` behind, so those pages are still
 * cached when it gets there. Not paced, it reads as fast as it can (a dry run, a check before
 * upload).
 */

/** `validate` input: `full` checks every byte, `head` only hashes. */
export type Validate = 'full' | 'head'

/** What a scan reads: a Source satisfies it. */
export interface ScanSource {
  readonly segments: readonly Segment[]
  readonly format: SequenceFormat
  readonly compression: Compression
}

export interface ScanOptions {
  readonly validate: Validate
  /** Read only as far as `allow` let (default false: read freely). */
  readonly paced?: boolean
  /** How far behind `lagBehind` lets the scan fall (default SCAN_MAX_LAG_BYTES). */
  readonly maxLagBytes?: number
  /**
   * Check every segment even after one failed, to report each failing lane (a dry run).
   * Default: stop at the first problem.
   */
  readonly keepGoing?: boolean
}

/** One segment (file or lane file) as checked. */
export interface SegmentReport {
  readonly path: string
  readonly size: number
  readonly reads: number
  readonly bases: number
  readonly problem?: ContentProblem
  readonly warnings: readonly ContentProblem[]
}

export interface ScanResult {
  readonly validate: Validate
  /** Bytes of the source. */
  readonly bytes: number
  /** Hex sha256 of every byte, segments back to back; absent when a check stopped the read. */
  readonly sha256?: string
  /** validate full, every segment passed: the segments' sums. */
  readonly reads?: number
  readonly bases?: number
  /** validate full: each segment checked, in order (those after a failure are missing unless keepGoing). */
  readonly segments: readonly SegmentReport[]
  /** Errors, one per failed segment (so at most one unless keepGoing); empty: passed. */
  readonly problems: readonly ContentProblem[]
  readonly warnings: readonly ContentProblem[]
}

/** A scan in flight. */
export interface Scan {
  /**
   * Resolves once the scan is over, with the problems it found (a content verdict is never a
   * rejection); rejects when reading failed (a missing or shortened file) or on `abort`.
   */
  readonly done: Promise<ScanResult>
  /** Bytes read and hashed so far. */
  readonly read: number
  /** Paced scans: reading is allowed up to byte `limit` (call as the upload reads). */
  allow(limit: number): void
  /**
   * Resolves once the scan is at most `maxLagBytes` behind `offset` (call before the upload
   * reads from `offset`). Rejects with a ContentCheckError as soon as a check failed (stop the
   * upload; `done` tells the rest), or with the read's error.
   */
  lagBehind(offset: number): Promise<void>
  /** Stops the scan (safe at any time, more than once); `done` rejects. */
  abort(): void
}

/** How far a paced scan may fall behind the upload: the bytes the page cache keeps for it. */
export const SCAN_MAX_LAG_BYTES = 512 * 1024 * 1024
/** Bytes per read: 1 MiB reads keep syscalls few. */
export const SCAN_READ_BYTES = 1024 * 1024
/**
 * Checking gzip, reads are smaller and several are in flight into zlib, so that inflating never
 * waits for the next read: 4 x 256 KiB of gzip is about 4 MiB of text ahead.
 */
const GZIP_READ_BYTES = 256 * 1024
const GZIP_BUFFERS = 4
/** Decompressed bytes per piece handed to the text check (smaller: more overlap, more calls). */
const OUTPUT_BYTES = 256 * 1024

/** A check failed: what `lagBehind` rejects with once the content is known to be bad. */
export class ContentCheckError extends Error {
  constructor(readonly problem: ContentProblem) {
    super(problem.detail)
    this.name = 'ContentCheckError'
  }
}

/** Starts scanning `source` on a scan thread. */
export function startScan(source: ScanSource, options: ScanOptions): Scan {
  return new RunningScan(source, options)
}

/**
 * The scan threads: at most `limit` at once, each running one scan at a time and kept (idle,
 * not holding the process up) for the next. A scan that finds every thread busy waits for one:
 * that costs a paced scan nothing as long as every running scan's upload is itself running (so
 * start a paced scan when its upload starts, not before), since each frees its thread when its
 * own upload has been read. Starting a thread costs ~30 ms of CPU and ~8 MiB; one per core
 * keeps both down (200 scans of 20 kB files, 8 at once: 8.7 s of CPU when threads came and went,
 * under 0.3 s reused).
 */
const threads = {
  limit: Math.max(2, os.availableParallelism()),
  busy: 0,
  idle: [] as Worker[],
  waiting: [] as ((worker: Worker) => void)[]
}

/** How many scan threads may run at once (default: one per core, at least 2). */
export function setScanThreadLimit(limit: number): void {
  threads.limit = Math.max(1, Math.floor(limit))
}

/** Hands `start` a thread now, or once one is free; returns a function that stops waiting. */
function takeThread(start: (worker: Worker) => void): () => void {
  if (threads.busy < threads.limit) {
    threads.busy++
    const worker = threads.idle.pop() ?? new Worker(workerSource(), { eval: true })
    worker.ref()
    start(worker)
    return () => undefined
  }
  threads.waiting.push(start)
  return () => {
    const at = threads.waiting.indexOf(start)
    if (at >= 0) threads.waiting.splice(at, 1)
  }
}

/** Removes the listeners a scan added (not all: node's own on the worker must stay). */
function detach(worker: Worker): void {
  for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event)
}

/** A thread whose scan ended cleanly serves the next waiting scan, or waits idle. */
function returnThread(worker: Worker): void {
  detach(worker)
  const next = threads.waiting.shift()
  if (next) return next(worker)
  threads.busy--
  worker.unref()
  const forget = (): void => {
    const at = threads.idle.indexOf(worker)
    if (at >= 0) threads.idle.splice(at, 1)
  }
  worker.once('error', forget)
  worker.once('exit', forget)
  threads.idle.push(worker)
}

/** A thread was lost (it failed or was ended): a waiting scan gets a new one. */
function threadLost(worker: Worker): void {
  detach(worker)
  void worker.terminate()
  threads.busy--
  const next = threads.waiting.shift()
  if (next) takeThread(next)
}

/** Ends the idle scan threads (tests; the process ends without it). */
export async function closeScanThreads(): Promise<void> {
  await Promise.all(threads.idle.splice(0).map(worker => worker.terminate()))
}

interface Waiter {
  readonly target: number
  readonly resolve: () => void
  readonly reject: (error: Error) => void
}

class RunningScan implements Scan {
  readonly done: Promise<ScanResult>
  private readonly state = new BigInt64Array(new SharedArrayBuffer(SLOTS.COUNT * 8))
  private readonly size: number
  private readonly maxLag: number
  private readonly paced: boolean
  private limit = 0
  private readonly waiters: Waiter[] = []
  private failure?: Error
  private settled = false
  private worker: Worker | undefined
  /** Set while the scan waits for a thread. */
  private leaveQueue: (() => void) | undefined
  private settle!: { resolve: (result: ScanResult) => void; reject: (error: Error) => void }

  constructor(
    private readonly source: ScanSource,
    private readonly options: ScanOptions
  ) {
    this.size = source.segments.reduce((sum, s) => sum + s.size, 0)
    this.maxLag = options.maxLagBytes ?? SCAN_MAX_LAG_BYTES
    this.paced = options.paced ?? false
    this.done = new Promise<ScanResult>((resolve, reject) => (this.settle = { resolve, reject }))
    this.done.catch(() => undefined) // also reaches every waiter; the caller may not await it
    if (!this.paced) this.allowAll()
    const job: ScanJob = {
      segments: source.segments.map(({ path, size }) => ({ path, size })),
      validate: options.validate,
      format: source.format,
      compression: source.compression,
      shared: this.state.buffer as SharedArrayBuffer,
      keepGoing: options.keepGoing ?? false,
      readBytes:
        options.validate === 'full' && source.compression === 'gzip'
          ? GZIP_READ_BYTES
          : SCAN_READ_BYTES,
      gzipBuffers: GZIP_BUFFERS,
      outputBytes: OUTPUT_BYTES
    }
    this.leaveQueue = takeThread(worker => {
      this.leaveQueue = undefined
      if (this.settled) return returnThread(worker) // stopped while it waited
      this.worker = worker
      worker.on('message', (message: ThreadMessage) => this.onMessage(message))
      worker.on('error', error => this.lost(error))
      worker.on('exit', () => this.lost(new Error('the scan thread ended')))
      worker.postMessage(job)
    })
  }

  get read(): number {
    return Number(Atomics.load(this.state, SLOTS.READ))
  }

  allow(limit: number): void {
    if (!this.paced || limit <= this.limit) return
    this.limit = Math.min(limit, this.size)
    Atomics.store(this.state, SLOTS.LIMIT, BigInt(this.limit))
    Atomics.notify(this.state, SLOTS.LIMIT)
  }

  lagBehind(offset: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    const target = Math.min(offset - this.maxLag, this.size)
    if (target <= 0 || this.read >= target) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.waiters.push({ target, resolve, reject })
      this.arm()
    })
  }

  abort(): void {
    if (this.settled) return
    this.leaveQueue?.()
    this.leaveQueue = undefined
    this.fail(new Error('the scan was stopped'))
    Atomics.store(this.state, SLOTS.STOP, 1n)
    Atomics.notify(this.state, SLOTS.LIMIT)
  }

  private allowAll(): void {
    this.limit = this.size
    Atomics.store(this.state, SLOTS.LIMIT, BigInt(Number.MAX_SAFE_INTEGER))
    Atomics.notify(this.state, SLOTS.LIMIT)
  }

  /** Asks the thread to post progress when it reaches the nearest waiter's target. */
  private arm(): void {
    if (this.waiters.length === 0) return
    const target = Math.min(...this.waiters.map(w => w.target))
    Atomics.store(this.state, SLOTS.WAKE, BigInt(target))
    // The thread may have passed the target before it saw the request.
    this.progress(this.read)
  }

  private progress(read: number): void {
    let resolved = false
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (read >= this.waiters[i].target) {
        this.waiters.splice(i, 1)[0].resolve()
        resolved = true
      }
    }
    if (resolved) this.arm()
  }

  private onMessage(message: ThreadMessage): void {
    switch (message.type) {
      case 'progress':
        return this.progress(message.read)
      case 'problem': {
        const segment = this.source.segments[message.segment]
        const problem = contentProblem(message.finding, segment.path, this.source.format)
        this.fail(new ContentCheckError(problem))
        return
      }
      case 'done':
        this.finish()
        return this.complete(message.sha256, message.segments)
      case 'failed':
        this.finish()
        return this.fail(new Error(message.message))
      case 'stopped':
        this.finish()
        return this.fail(new Error('the scan was stopped'))
    }
  }

  private complete(sha256: string | undefined, findings: readonly SegmentFindings[]): void {
    const full = this.options.validate === 'full'
    const segments: SegmentReport[] = findings.map((found, i) => {
      const { path, size } = this.source.segments[i]
      return {
        path,
        size,
        reads: found.reads,
        bases: found.bases,
        ...(found.error ? { problem: contentProblem(found.error, path, this.source.format) } : {}),
        warnings: found.warnings.map(w => contentProblem(w, path, this.source.format))
      }
    })
    const problems = segments.flatMap(s => (s.problem ? [s.problem] : []))
    const passed = full && problems.length === 0
    const result: ScanResult = {
      validate: this.options.validate,
      bytes: this.size,
      ...(sha256 !== undefined ? { sha256 } : {}),
      ...(passed
        ? {
            reads: segments.reduce((sum, s) => sum + s.reads, 0),
            bases: segments.reduce((sum, s) => sum + s.bases, 0)
          }
        : {}),
      segments,
      problems,
      warnings: segments.flatMap(s => s.warnings)
    }
    if (problems.length > 0) this.fail(new ContentCheckError(problems[0]))
    else this.progress(Number.MAX_SAFE_INTEGER)
    if (!this.settled) {
      this.settled = true
      this.settle.resolve(result)
    }
  }

  /** The thread is done with this job: it goes back to the pool. */
  private finish(): void {
    const worker = this.worker
    this.worker = undefined
    if (worker) returnThread(worker)
  }

  private lost(error: Error): void {
    if (!this.worker) return
    const worker = this.worker
    this.worker = undefined
    threadLost(worker)
    this.fail(error)
  }

  /** Rejects the waiters (and `done`, unless it already settled or this is a content verdict). */
  private fail(error: Error): void {
    this.failure ??= error
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure)
    if (!this.settled && !(error instanceof ContentCheckError)) {
      this.settled = true
      this.settle.reject(error)
    }
  }
}
