import type * as Zlib from 'node:zlib'
import type { Finding } from './findings.js'

/** A checker of the text inside (FastqChecker, FastaChecker). */
export interface TextChecker {
  readonly reads: number
  readonly bases: number
  readonly finding: Finding | undefined
  push(chunk: Uint8Array): boolean
  end(): Finding | undefined
}

/** What a segment's check ends with. */
export interface StreamOutcome {
  readonly error?: Finding
  readonly warnings: readonly Finding[]
}

/**
 * Inflates one gzip file streamed in chunks and hands its text to a TextChecker.
 *
 * zlib itself checks what makes a member sound: it inflates every member, compares each
 * member's CRC32 and ISIZE with its data, and Node's gunzip starts the next member wherever one
 * ends and a byte other than 0 follows (so concatenated and BGZF files are one stream). What it
 * does not decide is left to this class:
 *
 * - a stream that ends inside a member: zlib's `unexpected end of file` at the end, reported
 *   with how much output had been produced;
 * - bytes after the last member: Node stops at a zero byte and drops the rest without a word,
 *   so from where it stopped (`bytesWritten`, the input it consumed) every byte is looked at
 *   here: all zero is a warning, anything else an error;
 * - which problem is the cause: damaged deflate data often inflates to garbage for a while
 *   before zlib notices (at the latest at the member's CRC), so after the text checker refuses
 *   something the inflating goes on for up to GRACE_BYTES of output, and a gzip error found
 *   there is reported instead.
 *
 * The inflating runs on libuv's thread pool (zlib's asynchronous API), the text check on the
 * calling thread, so the two overlap: the readable side is read in `readable` events, which
 * come after zlib was already handed its next piece of work.
 *
 * Runs on the scan worker: sent there as source text (worker-source.ts), so it uses nothing
 * from outside itself; zlib is passed in.
 */
export class GzipChecker {
  /** How much more output is inflated after the text checker found a problem. */
  static readonly GRACE_BYTES = 16 * 1024 * 1024

  /**
   * zlib's stream hands out each piece of output in a new buffer: garbage that V8 collects only
   * once 64 MiB of such memory piled up (its external-memory trigger), about 40 MiB of a scan's
   * peak RSS. A young-generation collection every COLLECT_BYTES frees them at about 1 ms each.
   */
  static readonly COLLECT_BYTES = 4 * 1024 * 1024

  /** Bytes of output so far. */
  output = 0
  private collected = 0
  private readonly gunzip: Zlib.Gunzip
  /** Chunks handed to zlib and not yet consumed, in order. */
  private readonly pending: PendingChunk[] = []
  /** File offset after the last chunk written. */
  private written = 0
  /** Where the bytes after the last member begin, once zlib stopped consuming; else -1. */
  private trailingFrom = -1
  private trailingZeros = 0
  private readonly zeros: Buffer
  /** The file's first four bytes (ID1 ID2 CM FLG), to tell "not gzip" from what follows a member. */
  private head = -1
  private error: Finding | undefined
  /** Output count when the text checker refused something; else -1. */
  private textFailedAt = -1
  /** zlib is done with this file (its stream ended, failed or was stopped). */
  private stopped = false
  private ended = false
  private settle: ((outcome: StreamOutcome) => void) | undefined

  constructor(
    zlib: typeof Zlib,
    private readonly text: TextChecker,
    /** Bytes of output per piece handed to the text checker. */
    outputChunk = 256 * 1024,
    /** The largest chunk `write` is given (for the comparison with zeros). */
    inputChunk = 1024 * 1024,
    /** Called after every COLLECT_BYTES of output (see there). */
    private readonly collect?: () => void
  ) {
    this.zeros = Buffer.alloc(inputChunk)
    // The readable side buffers two pieces, so zlib inflates the next while one is checked.
    const options: Zlib.ZlibOptions & { readableHighWaterMark: number } = {
      chunkSize: outputChunk,
      readableHighWaterMark: 2 * outputChunk
    }
    this.gunzip = zlib.createGunzip(options)
    this.gunzip.on('readable', () => this.drain())
    this.gunzip.on('end', () => this.streamEnded())
    this.gunzip.on('error', error => this.zlibError(error as Error & { code?: string }))
  }

  /** True once the outcome is known: stop feeding and call `end`. */
  get failed(): boolean {
    return this.error !== undefined
  }

  /**
   * Feeds the next `chunk` of the file; `release` is called once the chunk's memory may be
   * reused (zlib consumed it, or it was looked at here).
   */
  write(chunk: Buffer, release: () => void): void {
    const from = this.written
    this.written += chunk.length
    if (from === 0) this.head = chunk.length >= 4 ? chunk.readUInt32BE(0) : 0
    if (this.error) return release()
    if (this.trailingFrom >= 0) {
      this.checkTrailing(chunk, from)
      return release()
    }
    if (this.stopped) return release()
    const entry: PendingChunk = { chunk, from, to: this.written, release }
    this.pending.push(entry)
    this.gunzip.write(chunk, () => this.consumed(entry))
  }

  /** Call after the last chunk; resolves with what the check found. */
  end(): Promise<StreamOutcome> {
    this.ended = true
    const outcome = new Promise<StreamOutcome>(resolve => (this.settle = resolve))
    if (this.stopped || this.error) this.conclude()
    else this.gunzip.end() // its 'end' or 'error' concludes
    return outcome
  }

  /** Stops inflating: the scan was stopped, or failed elsewhere. */
  destroy(): void {
    this.stop()
  }

  private stop(): void {
    if (!this.stopped) {
      this.stopped = true
      this.gunzip.destroy()
    }
    for (const entry of this.pending.splice(0)) entry.release()
  }

  private drain(): void {
    let piece: Buffer | null
    while (!this.error && (piece = this.gunzip.read() as Buffer | null) !== null) {
      this.output += piece.length
      if (this.collect && this.output - this.collected >= GzipChecker.COLLECT_BYTES) {
        this.collected = this.output
        this.collect()
      }
      if (this.textFailedAt < 0) {
        if (!this.text.push(piece)) this.textFailedAt = this.output
      } else if (this.output - this.textFailedAt > GzipChecker.GRACE_BYTES) {
        // The gzip data held up well past the text's problem: the text is what is wrong.
        this.error = this.text.finding
        this.stop()
        this.conclude()
      }
    }
  }

  /** zlib consumed `entry` (chunks complete in order): did it stop early? */
  private consumed(entry: PendingChunk): void {
    if (!this.stopped && !this.error && this.gunzip.bytesWritten < entry.to) {
      this.trailing()
      return
    }
    const at = this.pending.indexOf(entry)
    if (at >= 0) this.pending.splice(at, 1)
    entry.release()
  }

  /** zlib's readable side ended: all output is out. Was all input consumed? */
  private streamEnded(): void {
    if (!this.stopped && !this.error) {
      if (this.gunzip.bytesWritten < this.written) this.trailing()
      else this.stopped = true
    }
    this.conclude()
  }

  /**
   * zlib took only part of the input: the last member ended and a zero byte follows (after
   * any other byte Node would have tried another member). Its output was all pushed by now:
   * check it, stop zlib, and look at every byte from there on here, the chunks zlib still held
   * included (a chunk is released only after this, so its bytes are still there).
   */
  private trailing(): void {
    this.drain()
    const from = this.gunzip.bytesWritten
    this.trailingFrom = from
    const held = this.pending.splice(0)
    this.stop()
    for (const entry of held) {
      if (entry.to > from)
        this.checkTrailing(
          entry.chunk.subarray(Math.max(0, from - entry.from)),
          Math.max(from, entry.from)
        )
      entry.release()
    }
    if (this.error) this.conclude()
  }

  private checkTrailing(bytes: Buffer, from: number): void {
    if (this.error) return
    if (bytes.length <= this.zeros.length && bytes.equals(this.zeros.subarray(0, bytes.length))) {
      this.trailingZeros += bytes.length
      return
    }
    let i = 0
    while (i < bytes.length && bytes[i] === 0) i++
    if (i === bytes.length) {
      this.trailingZeros += bytes.length
      return
    }
    this.error = {
      rule: 'gzip-trailing-data',
      from: this.trailingFrom,
      to: from + i,
      byte: bytes[i],
      output: this.output
    }
  }

  private zlibError(error: Error & { code?: string }): void {
    if (this.stopped || this.error) return
    const at = this.pending[0]
    const where = at ? { from: at.from, to: at.to } : { from: this.written, to: this.written }
    const words = error.message
    const output = this.output
    const head = this.head >>> 16 // ID1 ID2
    // CM 8 (deflate), no reserved FLG bit: the first member's header was sound.
    const firstHeaderSound =
      head === 0x1f8b && ((this.head >>> 8) & 0xff) === 8 && (this.head & 0xe0) === 0
    let finding: Finding
    if (error.code === 'Z_BUF_ERROR' || words === 'unexpected end of file') {
      finding = { rule: 'gzip-truncated', output, to: this.written }
    } else if (words === 'incorrect data check') {
      finding = { rule: 'gzip-crc', output, ...where }
    } else if (words === 'incorrect length check') {
      finding = { rule: 'gzip-length', output, ...where }
    } else if (/header|unknown compression method/.test(words) && head !== 0x1f8b) {
      finding = { rule: 'gzip-not-gzip', zlib: words }
    } else if (
      /incorrect header check|unknown compression method/.test(words) &&
      firstHeaderSound
    ) {
      // Something after a complete member that is not another member.
      finding = { rule: 'gzip-trailing-data', output, zlib: words, ...where }
    } else {
      finding = { rule: 'gzip-damaged', output, zlib: words, ...where }
    }
    // A problem the text checker found first stands unless the gzip data explains it.
    this.error = finding
    this.stop()
    this.conclude()
  }

  /** Settles `end`'s promise once the outcome is known and `end` was called. */
  private conclude(): void {
    if (!this.ended || !this.settle) return
    if (!this.error && !this.stopped) return
    const settle = this.settle
    this.settle = undefined
    if (!this.error) {
      // zlib is done and found nothing: the text must end well.
      this.error = this.textFailedAt < 0 ? this.text.end() : this.text.finding
    }
    const warnings: Finding[] = []
    if (!this.error && this.trailingZeros > 0)
      warnings.push({
        rule: 'gzip-trailing-zeros',
        bytes: this.trailingZeros,
        from: this.trailingFrom
      })
    settle(this.error ? { error: this.error, warnings } : { warnings })
  }
}

interface PendingChunk {
  readonly chunk: Buffer
  /** [from, to): where in the file. */
  readonly from: number
  readonly to: number
  readonly release: () => void
}
