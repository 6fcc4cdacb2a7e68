import type { Finding, FastqLine } from './findings.js'

/**
 * Checks a FASTQ text streamed in chunks of any size, byte by byte, holding nothing but a few
 * numbers (no line is copied, so a line may span chunks and be of any length):
 *
 * - four-line records: a header line starting with `@`, a sequence line of IUPAC letters in any
 *   case plus `.` and `-`, a line starting with `+`, and a quality line exactly as long as the
 *   sequence, in `!`..`~`;
 * - `\r\n` line endings are accepted (the `\r` is not part of the line);
 * - a record of length 0 (empty sequence and quality lines) is allowed;
 * - the text ends with a complete record, the final newline optional; empty lines after the last
 *   record are ignored, anywhere else they break the four-line structure;
 * - header and `+` lines may hold anything but are capped at MAX_LABEL_BYTES, the only lines
 *   whose content is not checked byte by byte.
 *
 * The first problem is kept in `finding` and ends the check. Counts: `reads` (complete records)
 * and `bases` (their sequence letters).
 *
 * Runs on the scan worker: the class is sent there as source text (worker-source.ts), so it uses
 * nothing from outside itself, not even module constants.
 */
export class FastqChecker {
  /** Header and `+` lines longer than this are refused (1 MiB; real headers are < 1 kB). */
  static readonly MAX_LABEL_BYTES = 1024 * 1024
  /** 1 for the bytes a sequence line may hold: IUPAC codes in both cases, `.` and `-`. */
  static readonly SEQUENCE = FastqChecker.table('ACGTURYSWKMBDHVN', '.-')
  /** The same for two bytes at once (index: first byte + 256 * second): half the lookups. */
  static readonly PAIRS = FastqChecker.pairs(FastqChecker.SEQUENCE)

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
  /** The line being read: 0 header, 1 sequence, 2 `+`, 3 quality. */
  private phase = 0
  /** Bytes of the current line so far (its line ending excluded). */
  private length = 0
  /** First byte of the current header-phase line (for lines that turn out empty). */
  private first = 0
  private sequenceLength = 0
  /** Offset in the text of the next chunk's first byte. */
  private position = 0
  /** The last chunk ended with `\r` in a sequence or quality line: `\n` must come next. */
  private carriageReturn = false
  /** Empty lines seen where a record would begin (fine only at the very end). */
  private blankLines = 0

  /** Checks the next chunk; false once a problem was found (later chunks are ignored). */
  push(chunk: Uint8Array): boolean {
    if (this.finding) return false
    const n = chunk.length
    let i = 0
    if (this.carriageReturn) {
      this.carriageReturn = false
      if (n === 0) {
        this.carriageReturn = true
        return true
      }
      if (chunk[0] !== 10) {
        // The `\r` was inside the line, not the start of its ending.
        this.position -= 1
        this.badByte(13, 0)
        return false
      }
      if (!this.endLine()) return false
      i = 1
    }
    const sequence = FastqChecker.SEQUENCE
    const pairs = FastqChecker.PAIRS
    const maxLabel = FastqChecker.MAX_LABEL_BYTES
    // Sequence and quality lines are checked four bytes at a time where they can be: `words`
    // views the chunk from its first 4-aligned byte, `head`.
    const head = (4 - (chunk.byteOffset & 3)) & 3
    const words =
      n >= head + 4
        ? new Uint32Array(chunk.buffer, chunk.byteOffset + head, (n - head) >> 2)
        : new Uint32Array(0)
    let phase = this.phase
    let length = this.length
    while (i < n) {
      if (phase === 1) {
        // Sequence: letters up to the line's end.
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
        length += j - i
        if (j === n) {
          i = n
          break
        }
        const c = chunk[j]
        if (c === 10) i = j + 1
        else if (c === 13 && j + 1 === n) {
          this.carriageReturn = true
          i = n
          break
        } else if (c === 13 && chunk[j + 1] === 10) i = j + 2
        else {
          this.length = length
          this.phase = phase
          this.badByte(c, j)
          return false
        }
        this.sequenceLength = length
        length = 0
        phase = 2
      } else if (phase === 3) {
        // Quality: as many characters as the sequence had bases.
        const expected = this.sequenceLength
        let j = i
        const stop = i + expected - length
        if (stop < n) {
          // The line should end inside this chunk: check up to there, then its ending.
          while (j < stop && ((j - head) & 3) !== 0) {
            const c = chunk[j]
            if (c < 33 || c > 126) break
            j++
          }
          if (j < stop && ((j - head) & 3) === 0) {
            // A word holds a byte outside 33..126 when one is below 0x21 (the first term) or
            // above 0x7e (the second); the byte loop below then finds which.
            let k = (j - head) >> 2
            const last = (stop - head) >> 2
            while (k < last) {
              const w = words[k]
              if ((((w - 0x21212121) & ~w) | (w + 0x01010101) | w) & 0x80808080) break
              k++
            }
            j = head + (k << 2)
          }
          while (j < stop) {
            const c = chunk[j]
            if (c < 33 || c > 126) break
            j++
          }
          if (j === stop) {
            const c = chunk[j]
            if (c === 10) {
              i = j + 1
              this.reads++
              this.bases += expected
              length = 0
              phase = 0
              continue
            }
            if (c === 13 && j + 1 < n && chunk[j + 1] === 10) {
              i = j + 2
              this.reads++
              this.bases += expected
              length = 0
              phase = 0
              continue
            }
          }
        }
        // Slow path: the line ends in a later chunk, early, late, or with a bad byte.
        while (j < n) {
          const c = chunk[j]
          if (c < 33 || c > 126) break
          j++
        }
        length += j - i
        if (j === n) {
          i = n
          break
        }
        const c = chunk[j]
        if (c === 10) i = j + 1
        else if (c === 13 && j + 1 === n) {
          this.carriageReturn = true
          i = n
          break
        } else if (c === 13 && chunk[j + 1] === 10) i = j + 2
        else {
          this.length = length
          this.phase = phase
          this.badByte(c, j)
          return false
        }
        if (length !== expected) {
          this.length = length
          this.phase = phase
          this.fail('fastq-quality-length', { expected, found: length })
          return false
        }
        this.reads++
        this.bases += expected
        length = 0
        phase = 0
      } else {
        // Header (phase 0) or `+` line (phase 2): the first byte decides, the rest is a label.
        if (length === 0) {
          const c = chunk[i]
          if (phase === 0) {
            this.first = c
            if (c !== 64 && c !== 10 && c !== 13) {
              this.length = length
              this.phase = phase
              this.fail('fastq-header', { byte: c, offset: this.position + i })
              return false
            }
            if (c === 64 && this.blankLines > 0) {
              this.phase = phase
              this.fail('fastq-blank-line', {})
              return false
            }
          } else if (c !== 43) {
            this.length = length
            this.phase = phase
            this.fail('fastq-separator', { byte: c, offset: this.position + i })
            return false
          }
        }
        const newline = chunk.indexOf(10, i)
        const end = newline < 0 ? n : newline
        length += end - i
        if (length > maxLabel) {
          this.length = length
          this.phase = phase
          this.fail('line-too-long', { limit: maxLabel })
          return false
        }
        if (newline < 0) {
          i = n
          break
        }
        i = newline + 1
        if (phase === 0 && this.first !== 64) {
          // An empty line (`\n` or `\r\n`) where a record would begin.
          if (length > 1 || (length === 1 && this.first !== 13)) {
            this.length = length
            this.phase = phase
            this.fail('fastq-header', { byte: this.first })
            return false
          }
          this.blankLines++
          length = 0
          continue
        }
        length = 0
        phase++
      }
    }
    this.phase = phase
    this.length = length
    this.position += n
    return true
  }

  /** Call after the last chunk: checks the text ended with a complete record. */
  end(): Finding | undefined {
    if (this.finding) return this.finding
    // A final `\r` with no `\n`: the line ended with the text, like a line without a newline.
    this.carriageReturn = false
    const phase = this.phase
    if (phase === 3 && this.length === this.sequenceLength) {
      // The last quality line without its newline: complete.
      this.reads++
      this.bases += this.sequenceLength
      this.phase = 0
      this.length = 0
    } else if (phase === 0 && (this.length === 0 || this.first !== 64)) {
      // Ended between records (trailing empty lines are fine).
      if (this.length > 0 && this.length > (this.first === 13 ? 1 : 0))
        this.fail('fastq-header', { byte: this.first })
    } else {
      const part: FastqLine = (['header', 'sequence', 'separator', 'quality'] as const)[phase]
      this.fail(
        'fastq-truncated',
        phase === 3 ? { part, expected: this.sequenceLength, found: this.length } : { part }
      )
    }
    if (!this.finding && this.reads === 0) this.finding = { rule: 'no-records' }
    return this.finding
  }

  /** A byte that may not stand where it is: `at` is its index in the current chunk. */
  private badByte(byte: number, at: number): void {
    const rule = this.phase === 1 ? 'fastq-sequence' : 'fastq-quality'
    this.fail(rule, { byte, column: this.length + 1, offset: this.position + at })
  }

  private fail(rule: Finding['rule'], details: Omit<Finding, 'rule'>): void {
    this.finding = {
      rule,
      line: this.reads * 4 + this.phase + 1 + (rule === 'fastq-blank-line' ? 0 : this.blankLines),
      record: this.reads + 1,
      ...details
    }
  }

  /** The line held back by a chunk ending in `\r` ends here (phase 1 or 3). */
  private endLine(): boolean {
    if (this.phase === 1) {
      this.sequenceLength = this.length
      this.phase = 2
      this.length = 0
      return true
    }
    if (this.length !== this.sequenceLength) {
      this.fail('fastq-quality-length', { expected: this.sequenceLength, found: this.length })
      return false
    }
    this.reads++
    this.bases += this.sequenceLength
    this.phase = 0
    this.length = 0
    return true
  }
}
