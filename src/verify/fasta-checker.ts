import type { Finding } from './findings.js'

/**
 * Checks a FASTA text streamed in chunks of any size, holding nothing but a few numbers:
 *
 * - the first non-empty line starts with `>`;
 * - every other line is a header (`>`...), empty, or sequence: IUPAC letters in any case, `*`
 *   and `-`;
 * - no NUL or other control byte anywhere (a header may hold tabs);
 * - `\r\n` line endings are accepted.
 *
 * Header lines are capped at MAX_HEADER_BYTES; sequence lines may be of any length (a genome on
 * one line is common) since nothing of them is held. Counts: `reads` (`>` records) and `bases`
 * (sequence letters). The first problem is kept in `finding` and ends the check.
 *
 * Runs on the scan worker: sent there as source text (worker-source.ts), so it uses nothing from
 * outside itself.
 */
export class FastaChecker {
  static readonly MAX_HEADER_BYTES = 1024 * 1024
  /** 1 for the bytes a sequence line may hold: IUPAC codes in both cases, `*` and `-`. */
  static readonly SEQUENCE = FastaChecker.table('ACGTURYSWKMBDHVN', '*-')
  /** The same for two bytes at once (index: first byte + 256 * second). */
  static readonly PAIRS = FastaChecker.pairs(FastaChecker.SEQUENCE)

  static table(letters: string, others: string): Uint8Array {
    const table = new Uint8Array(256)
    for (const c of letters) {
      table[c.charCodeAt(0)] = 1
      table[c.toLowerCase().charCodeAt(0)] = 1
    }
    for (const c of others) table[c.charCodeAt(0)] = 1
    return table
  }

  static pairs(table: Uint8Array): Uint8Array {
    const pairs = new Uint8Array(65536)
    for (let i = 0; i < 65536; i++) pairs[i] = table[i & 255] & table[i >>> 8]
    return pairs
  }

  reads = 0
  bases = 0
  finding: Finding | undefined
  /** 1-based number of the current line. */
  private line = 1
  /** The current line: 0 not started yet, 1 header, 2 sequence (or empty so far). */
  private kind = 0
  /** Bytes of the current line so far (its line ending excluded). */
  private length = 0
  private position = 0
  /** The last chunk ended with `\r`: `\n` must come next. */
  private carriageReturn = false

  /** Checks the next chunk; false once a problem was found. */
  push(chunk: Uint8Array): boolean {
    if (this.finding) return false
    const n = chunk.length
    let i = 0
    if (this.carriageReturn && n > 0) {
      this.carriageReturn = false
      if (chunk[0] !== 10) {
        this.position -= 1
        this.badByte(13, 0)
        return false
      }
      this.line++
      this.kind = 0
      this.length = 0
      i = 1
    }
    const sequence = FastaChecker.SEQUENCE
    const pairs = FastaChecker.PAIRS
    // Sequence lines are checked four bytes at a time where they can be: `words` views the
    // chunk from its first 4-aligned byte, `head`.
    const head = (4 - (chunk.byteOffset & 3)) & 3
    const words =
      n >= head + 4
        ? new Uint32Array(chunk.buffer, chunk.byteOffset + head, (n - head) >> 2)
        : new Uint32Array(0)
    while (i < n) {
      if (this.kind === 0) {
        const c = chunk[i]
        if (c === 62) {
          this.kind = 1
          this.reads++
        } else if (c === 10) {
          this.line++
          i++
          continue
        } else {
          if (this.reads === 0 && c !== 13) {
            this.fail('fasta-header', { byte: c, offset: this.position + i })
            return false
          }
          this.kind = 2
        }
      }
      if (this.kind === 2) {
        let j = i
        while (j < n && ((j - head) & 3) !== 0 && sequence[chunk[j]] === 1) j++
        if (j < n && ((j - head) & 3) === 0) {
          let k = (j - head) >> 2
          const last = words.length
          while (k < last) {
            const w = words[k]
            if ((pairs[w & 0xffff] & pairs[w >>> 16]) === 0) break
            k++
          }
          j = head + (k << 2)
        }
        while (j < n && sequence[chunk[j]] === 1) j++
        this.bases += j - i
        this.length += j - i
        if (j === n) return this.done(n)
        i = j
      } else {
        // Header: anything printable (tabs too), up to the line's end.
        let j = i
        for (; j < n; j++) {
          const c = chunk[j]
          if ((c < 32 && c !== 9) || c === 127) break
        }
        this.length += j - i
        if (this.length > FastaChecker.MAX_HEADER_BYTES) {
          this.fail('line-too-long', { limit: FastaChecker.MAX_HEADER_BYTES })
          return false
        }
        if (j === n) return this.done(n)
        i = j
      }
      // chunk[i] ends the run: a line ending, or a byte that may not be there.
      const c = chunk[i]
      if (c === 13 && i + 1 === n) {
        this.carriageReturn = true
        return this.done(n)
      }
      if (c === 10 || (c === 13 && chunk[i + 1] === 10)) {
        i += c === 10 ? 1 : 2
        this.line++
        this.kind = 0
        this.length = 0
        continue
      }
      this.badByte(c, i)
      return false
    }
    return this.done(n)
  }

  /** Call after the last chunk. */
  end(): Finding | undefined {
    this.carriageReturn = false
    if (!this.finding && this.reads === 0) this.finding = { rule: 'no-records' }
    return this.finding
  }

  private done(n: number): boolean {
    this.position += n
    return true
  }

  private badByte(byte: number, at: number): void {
    const rule = this.kind === 1 ? 'fasta-control' : 'fasta-sequence'
    this.fail(rule, { byte, column: this.length + 1, offset: this.position + at })
  }

  private fail(rule: Finding['rule'], details: Omit<Finding, 'rule'>): void {
    this.finding = {
      rule,
      line: this.line,
      ...(this.reads > 0 ? { record: this.reads } : {}),
      ...details
    }
  }
}
