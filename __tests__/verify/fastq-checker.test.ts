import { describe, expect, it } from '@jest/globals'
import { FastqChecker } from '../../src/verify/fastq-checker.js'
import { describeFinding } from '../../src/verify/messages.js'
import { fastqRecords } from './content-files.js'

/** Checks `text` fed in chunks of `size` bytes (whole when omitted). */
function check(text: string | Buffer, size?: number) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text
  const checker = new FastqChecker()
  const step = size ?? Math.max(bytes.length, 1)
  for (let at = 0; at < bytes.length; at += step) checker.push(bytes.subarray(at, at + step))
  const finding = checker.end()
  return {
    reads: checker.reads,
    bases: checker.bases,
    finding,
    message: finding && describeFinding(finding, 'FASTQ')
  }
}

/** The same verdict whatever the chunking: every split of a record across chunks. */
function checkAllSplits(text: string) {
  const whole = check(text)
  for (const size of [1, 2, 3, 5, 7, 11, 64]) expect(check(text, size)).toEqual(whole)
  return whole
}

describe('FastqChecker', () => {
  it('counts records and bases of valid text, in any chunking', () => {
    const text = fastqRecords(20, 37)
    expect(checkAllSplits(text)).toEqual({
      reads: 20,
      bases: 740,
      finding: undefined,
      message: undefined
    })
  })

  it('accepts every IUPAC code in both cases, "." and "-"', () => {
    const bases = 'ACGTURYSWKMBDHVNacgturyswkmbdhvn.-'
    const text = `@r\n${bases}\n+r\n${'I'.repeat(bases.length)}\n`
    expect(checkAllSplits(text)).toMatchObject({
      reads: 1,
      bases: bases.length,
      finding: undefined
    })
  })

  it('accepts CRLF line endings, a missing final newline and zero-length records', () => {
    expect(checkAllSplits('@a\r\nACGT\r\n+\r\n!!~~\r\n@b\r\n\r\n+\r\n\r\n')).toMatchObject({
      reads: 2,
      bases: 4,
      finding: undefined
    })
    expect(checkAllSplits('@a\nACGT\n+\nIIII')).toMatchObject({ reads: 1, finding: undefined })
    expect(checkAllSplits('@a\r\nACGT\r\n+\r\nIIII\r')).toMatchObject({
      reads: 1,
      finding: undefined
    })
    expect(checkAllSplits('@a\n\n+\n\n@b\nA\n+\nI\n')).toMatchObject({ reads: 2, bases: 1 })
    expect(checkAllSplits('@a\n\n+\n')).toMatchObject({ reads: 1, bases: 0, finding: undefined })
  })

  it('ignores empty lines after the last record, and refuses one between records', () => {
    expect(checkAllSplits('@a\nAC\n+\nII\n\n\r\n\n')).toMatchObject({
      reads: 1,
      finding: undefined
    })
    expect(checkAllSplits('@a\nAC\n+\nII\n\n@b\nAC\n+\nII\n')).toMatchObject({
      reads: 1,
      finding: { rule: 'fastq-blank-line', line: 5, record: 2 },
      message:
        'line 5 (record 2): an empty line between records (a FASTQ record is four lines, with no empty lines)'
    })
  })

  it('names the line and record of a quality line one character short', () => {
    const text =
      fastqRecords(10_000) +
      fastqRecords(1).replace(/\n([^\n]+)\n$/, (_, q) => `\n${q.slice(1)}\n`) +
      fastqRecords(5)
    const result = check(text, 65_536)
    expect(result.finding).toMatchObject({
      rule: 'fastq-quality-length',
      line: 40_004,
      record: 10_001
    })
    expect(result.message).toBe('line 40,004 (record 10,001): 149 quality characters for 150 bases')
    expect(result.reads).toBe(10_000)
  })

  it('counts a quality line that is too long', () => {
    expect(checkAllSplits('@a\nACG\n+\nIIII\n')).toMatchObject({
      finding: { rule: 'fastq-quality-length', line: 4, expected: 3, found: 4 }
    })
  })

  it('refuses a byte that is not a base, with its column and offset', () => {
    expect(checkAllSplits('@a\nACGT\n+\nIIII\n@b\nACXT\n+\nIIII\n')).toMatchObject({
      reads: 1,
      finding: { rule: 'fastq-sequence', line: 6, record: 2, column: 3, offset: 20, byte: 88 },
      message:
        'line 6, column 3 (record 2): "X" is not a base (a sequence line holds IUPAC letters, "." and "-")'
    })
    // A lone \r inside a sequence line is not a line ending.
    expect(checkAllSplits('@a\nAC\rGT\n+\nIIIII\n')).toMatchObject({
      finding: { rule: 'fastq-sequence', column: 3, byte: 13 }
    })
  })

  it('refuses quality characters outside ! to ~', () => {
    expect(checkAllSplits('@a\nACGT\n+\nII I\n')).toMatchObject({
      finding: { rule: 'fastq-quality', line: 4, column: 3, byte: 32 },
      message: 'line 4, column 3 (record 1): a space is not a quality character ("!" to "~")'
    })
    expect(checkAllSplits('@a\nACGT\n+\nII\x7fI\n')).toMatchObject({
      finding: { rule: 'fastq-quality', byte: 127 }
    })
  })

  it('refuses a record that does not start with @ or lacks its + line', () => {
    expect(checkAllSplits('>a\nACGT\n')).toMatchObject({
      finding: { rule: 'fastq-header', line: 1, record: 1, byte: 62 },
      message: 'line 1 (record 1): expected a record\'s header line, starting with "@", found ">"'
    })
    expect(checkAllSplits('@a\nACGT\n-\nIIII\n')).toMatchObject({
      finding: { rule: 'fastq-separator', line: 3, byte: 45 }
    })
    // A wrapped (multi-line) sequence breaks the four-line structure.
    expect(checkAllSplits('@a\nACGT\nACGT\n+\nIIIIIIII\n')).toMatchObject({
      finding: { rule: 'fastq-separator', line: 3 }
    })
  })

  it('refuses text that ends inside a record: the file is truncated', () => {
    const records = fastqRecords(3, 10)
    const cut = (n: number) => check(records.slice(0, records.length - n))
    expect(cut(5)).toMatchObject({
      reads: 2,
      finding: {
        rule: 'fastq-truncated',
        line: 12,
        record: 3,
        part: 'quality',
        found: 6,
        expected: 10
      },
      message:
        'the text ends inside record 3 (line 12, its quality line, 6 of 10 quality characters): the file is truncated'
    })
    const lines = records.split('\n')
    const upTo = (n: number) => lines.slice(0, n).join('\n') + '\n'
    expect(check(upTo(9))).toMatchObject({
      finding: { rule: 'fastq-truncated', part: 'sequence', line: 10 }
    })
    expect(check(upTo(10))).toMatchObject({
      finding: { rule: 'fastq-truncated', part: 'separator', line: 11 }
    })
    expect(check(upTo(11))).toMatchObject({
      finding: { rule: 'fastq-truncated', part: 'quality', line: 12 }
    })
    expect(check(upTo(8) + '@partial')).toMatchObject({
      finding: { rule: 'fastq-truncated', part: 'header', line: 9 }
    })
  })

  it('refuses empty text and caps header lines', () => {
    expect(check('')).toMatchObject({
      finding: { rule: 'no-records' },
      message: 'holds no FASTQ records'
    })
    expect(check('\n\n')).toMatchObject({ finding: { rule: 'no-records' } })
    const long = `@${'x'.repeat(FastqChecker.MAX_LABEL_BYTES)}\nA\n+\nI\n`
    expect(check(long, 65_536)).toMatchObject({
      finding: { rule: 'line-too-long', line: 1, limit: FastqChecker.MAX_LABEL_BYTES },
      message:
        'line 1 (record 1): a header line longer than 1.0 MB (1,048,576 bytes): not FASTQ text'
    })
  })

  it('finds a bad byte at every position, whatever the alignment (the 4-byte fast paths)', () => {
    const bases = 'ACGTNacgtn'.repeat(4)
    const quality = 'I'.repeat(bases.length)
    for (let at = 0; at < bases.length; at++) {
      for (const shift of [0, 1, 2, 3]) {
        for (const [line, text] of [
          [2, `@r\n${bases.slice(0, at)}X${bases.slice(at + 1)}\n+\n${quality}\n`],
          [4, `@r\n${bases}\n+\n${quality.slice(0, at)} ${quality.slice(at + 1)}\n`]
        ] as const) {
          // The text starts `shift` bytes into its buffer, so words fall differently.
          const buffer = Buffer.alloc(text.length + 8)
          buffer.write(text, shift, 'latin1')
          const checker = new FastqChecker()
          checker.push(buffer.subarray(shift, shift + text.length))
          expect({ at, shift, finding: checker.end() }).toMatchObject({
            at,
            shift,
            finding: { line, column: at + 1 }
          })
        }
      }
    }
  })

  it('stops at the first problem', () => {
    const checker = new FastqChecker()
    expect(checker.push(Buffer.from('@a\nAC!T\n'))).toBe(false)
    expect(checker.push(Buffer.from('+\nIIII\n'))).toBe(false)
    expect(checker.end()).toMatchObject({ rule: 'fastq-sequence', column: 3 })
  })
})
