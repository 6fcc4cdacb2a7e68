import * as fs from 'node:fs'
import type { Segment } from '../shared/types.js'

/** The part of a source a reader needs: its segments, in order. */
export interface SegmentedSource {
  readonly segments: readonly Segment[]
}

/**
 * Reads bytes [start, end) of a source — its segments back to back — in order, into buffers the
 * caller owns. Each segment's file is opened only when the range reaches it and closed as soon
 * as the range leaves it, so a range that spans two lanes holds one descriptor at a time and a
 * part of one lane never opens the others. Nothing is copied to disk or held in memory.
 *
 * One read at a time (the callback style keeps the hot path free of promise allocations).
 */
export class SourceReader {
  /** Absolute offset of the next byte to read. */
  private position: number
  private index = -1
  private fd: number | undefined
  /** Absolute offset at which segment `index` begins. */
  private segmentStart = 0
  private closed = false

  constructor(
    private readonly source: SegmentedSource,
    start = 0,
    private readonly end = source.segments.reduce((sum, s) => sum + s.size, 0)
  ) {
    this.position = start
  }

  /** Bytes still to read. */
  get remaining(): number {
    return this.end - this.position
  }

  /**
   * Reads up to `buffer.length` bytes at the current position. `bytesRead` is 0 only at the end
   * of the range; a segment that is shorter than planned is an error naming its file.
   */
  read(buffer: Buffer, callback: (error: Error | null, bytesRead: number) => void): void {
    if (this.closed) return callback(new Error('the source reader is closed'), 0)
    const want = Math.min(buffer.length, this.end - this.position)
    if (want <= 0) return callback(null, 0)
    this.ensureOpen((error, segment) => {
      if (error || !segment) return callback(error ?? new Error('no segment'), 0)
      const offset = this.position - this.segmentStart
      const length = Math.min(want, segment.size - offset)
      fs.read(this.fd!, buffer, 0, length, offset, (readError, bytesRead) => {
        if (readError) return callback(readError, 0)
        if (bytesRead === 0)
          return callback(
            new Error(
              `${segment.path} has ${offset} bytes now, ${segment.size} were planned (was the file changed while uploading?).`
            ),
            0
          )
        this.position += bytesRead
        callback(null, bytesRead)
      })
    })
  }

  /** Closes the open descriptor, if any. Safe to call more than once; never while a read is pending. */
  close(callback: () => void = () => undefined): void {
    this.closed = true
    const fd = this.fd
    this.fd = undefined
    if (fd === undefined) return callback()
    fs.close(fd, () => callback())
  }

  /** Opens the segment holding `position` (closing the previous one) and hands it over. */
  private ensureOpen(callback: (error: Error | null, segment?: Segment) => void): void {
    const segments = this.source.segments
    if (this.index >= 0 && this.position < this.segmentStart + segments[this.index].size) {
      return callback(null, segments[this.index])
    }
    // Find the segment that holds `position` (usually the next one).
    let index = this.index < 0 ? 0 : this.index
    let start = this.index < 0 ? 0 : this.segmentStart
    while (index < segments.length && start + segments[index].size <= this.position) {
      start += segments[index].size
      index++
    }
    if (index >= segments.length) return callback(new Error('read past the end of the source'))
    const previous = this.fd
    this.fd = undefined
    const open = (): void => {
      fs.open(segments[index].path, 'r', (error, fd) => {
        if (error) return callback(error)
        if (this.closed) {
          fs.close(fd, () => undefined)
          return callback(new Error('the source reader is closed'))
        }
        this.fd = fd
        this.index = index
        this.segmentStart = start
        callback(null, segments[index])
      })
    }
    if (previous === undefined) open()
    else fs.close(previous, open)
  }
}

/** Read size: 1 MiB reads keep syscalls few (64 KiB reads cost about twice the CPU per byte). */
export const READ_CHUNK_BYTES = 1024 * 1024

/**
 * Read buffers of READ_CHUNK_BYTES given back by finished pipes, for the next pipe: a part or a
 * body then reads into memory that is already mapped instead of faulting in fresh pages (a
 * 2 GiB file in 32 MiB parts allocated ~150 MiB of buffers, one part after the other). It never
 * holds more than the most buffers in use at once, up to POOL_MAX_BUFFERS.
 */
const pool: Buffer[] = []
const POOL_MAX_BUFFERS = 32

function takeBuffer(bytes: number): Buffer {
  if (bytes === READ_CHUNK_BYTES) return pool.pop() ?? Buffer.allocUnsafeSlow(bytes)
  return Buffer.allocUnsafeSlow(bytes)
}

function giveBuffer(buffer: Buffer): void {
  if (buffer.length === READ_CHUNK_BYTES && pool.length < POOL_MAX_BUFFERS) pool.push(buffer)
}

/** Read buffers waiting in the pool (tests). */
export function pooledBuffers(): number {
  return pool.length
}

export interface PipeRangeOptions {
  /** Bytes [start, end) of `source` are sent. */
  readonly source: SegmentedSource
  readonly start: number
  readonly end: number
  /** Buffers cycling between the file and the socket: the pipe's whole memory footprint. */
  readonly buffers: number
  /** Written before the range (a form's fields), and with the end of the request (its close). */
  readonly head?: Buffer
  readonly tail?: Buffer
  /** What is sent, in the error when the request closes early ("the part", "the body"). */
  readonly what: string
  /** Each chunk of the range, as it is handed to the request. */
  readonly onChunk: (chunk: Buffer) => void
  /** A read of the source failed (missing, unreadable, shorter than planned). */
  readonly onSourceError?: (error: Error) => void
}

/**
 * Writes `head`, bytes [start, end) of a source and `tail` into `destination` (a request), then
 * ends it: at most one read and `buffers` writes at once, each buffer reused only after the
 * request's write callback said the socket took its bytes, so nothing is copied or allocated
 * per chunk. `done` is called once, after the file is closed, with the error that stopped the
 * pipe if any (a failed read or write, the request closing early). Returns a function that
 * stops the pipe with an error (safe to call at any time, more than once).
 */
export function pipeRange(
  destination: NodeJS.WritableStream,
  options: PipeRangeOptions,
  done: (error?: Error) => void
): (error: Error) => void {
  const { start, end, tail } = options
  const length = end - start
  const reader = new SourceReader(options.source, start, end)
  let sent = 0
  let finished = false
  let reading = false
  let writing = 0
  let outcome: Error | undefined
  const free: Buffer[] = []

  // Close the file only when no read is pending on it (its number could be reused). The buffers
  // back with the pipe (not with the socket, which may still hold one after a failure) go back
  // to the pool.
  const release = (): void => {
    for (const buffer of free.splice(0)) giveBuffer(buffer)
    reader.close(() => done(outcome))
  }
  const finish = (error?: Error): void => {
    if (finished) return
    finished = true
    outcome = error
    destination.removeListener('close', onClose)
    if (!reading) release()
  }
  const sourceFailed = (error: Error): void => {
    options.onSourceError?.(error)
    finish(error)
  }
  const onClose = (): void =>
    finish(new Error(`the request closed before ${options.what} was sent`))
  destination.on('close', onClose)

  const next = (): void => {
    if (finished || reading) return
    if (sent === length) {
      if (writing === 0) {
        if (tail) destination.end(tail, () => finish())
        else destination.end(() => finish())
      }
      return
    }
    const buffer = free.pop()
    if (!buffer) return // every buffer is with the socket: the next write callback resumes
    reading = true
    reader.read(buffer, (error, bytesRead) => {
      reading = false
      if (finished) return release()
      if (error) return sourceFailed(error)
      if (bytesRead === 0)
        return sourceFailed(new Error(`the source ended before ${options.what} did`))
      const chunk = buffer.subarray(0, bytesRead)
      sent += bytesRead
      options.onChunk(chunk)
      writing++
      destination.write(chunk, writeError => {
        writing--
        if (writeError) return finish(writeError)
        free.push(buffer)
        next()
      })
      next() // read the next chunk while the socket takes this one
    })
  }

  const bufferBytes = Math.min(READ_CHUNK_BYTES, Math.max(length, 1))
  for (let i = 0; i < options.buffers; i++) free.push(takeBuffer(bufferBytes))
  if (options.head) {
    writing++
    destination.write(options.head, writeError => {
      writing--
      if (writeError) return finish(writeError)
      next()
    })
  }
  next()
  return finish
}

/**
 * Checks that no segment changed size since planning: a file rewritten while it was sent would
 * otherwise be stored with bytes from two versions. Returns the first change found, if any.
 */
export async function changedSegment(source: SegmentedSource): Promise<string | undefined> {
  for (const segment of source.segments) {
    const now = await fs.promises.stat(segment.path)
    if (now.size !== segment.size)
      return `${segment.path} changed size while uploading (${segment.size} → ${now.size} bytes).`
  }
  return undefined
}
