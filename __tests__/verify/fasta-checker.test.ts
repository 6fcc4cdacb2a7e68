import { describe, expect, it } from '@jest/globals'
import { FastaChecker } from '../../src/verify/fasta-checker.js'
import { describeFinding } from '../../src/verify/messages.js'
import { fastaRecords } from './content-files.js'

function check(text: string | Buffer, size?: number) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text
  const checker = new FastaChecker()
  const step = size ?? Math.max(bytes.length, 1)
  for (let at = 0; at < bytes.length; at += step) checker.push(bytes.subarray(at, at + step))
  const finding = checker.end()
  return {
    reads: checker.reads,
    bases: checker.bases,
    finding,
    message: finding && describeFinding(finding, 'FASTA')
  }
}

function checkAllSplits(text: string | Buffer) {
  const whole = check(text)
  for (const size of [1, 2, 3, 5, 7, 64]) expect(check(text, size)).toEqual(whole)
  return whole
}

describe('FastaChecker', () => {
  it('counts records and bases: lowercase, N, *, - and empty lines included', () => {
    expect(
      checkAllSplits('\n>chr1 test\tsample\nACGTNacgtn\nNNNN\n\n>prot\nMKV*\n>gap\nAC--GT\n')
    ).toEqual({
      reads: 3,
      bases: 24,
      finding: undefined,
      message: undefined
    })
    expect(checkAllSplits(fastaRecords(50, 123))).toMatchObject({ reads: 50, bases: 6150 })
  })

  it('accepts CRLF, no final newline, a header without sequence and a one-line genome', () => {
    expect(checkAllSplits('>a\r\nACGT\r\n\r\n>b\r\nAC')).toMatchObject({
      reads: 2,
      bases: 6,
      finding: undefined
    })
    expect(checkAllSplits('>only a header')).toMatchObject({
      reads: 1,
      bases: 0,
      finding: undefined
    })
    const genome = `>g\n${'ACGT'.repeat(300_000)}\n`
    expect(check(genome, 65_536)).toMatchObject({ reads: 1, bases: 1_200_000, finding: undefined })
  })

  it('refuses text whose first non-empty line is not a header', () => {
    expect(checkAllSplits('\n\nACGT\n>a\nAC\n')).toMatchObject({
      finding: { rule: 'fasta-header', line: 3, byte: 65 },
      message: 'line 3: a FASTA file starts with a header line beginning with ">", found "A"'
    })
    expect(checkAllSplits('@read\nACGT\n+\nIIII\n')).toMatchObject({
      finding: { rule: 'fasta-header', line: 1 }
    })
  })

  it('finds binary junk deep inside, with line, column and offset', () => {
    const head = fastaRecords(2000, 200)
    const junk = Buffer.from([0x41, 0x43, 0x00, 0x07, 0xff])
    const text = Buffer.concat([
      Buffer.from(head),
      Buffer.from('>tail\nACGT'),
      junk,
      Buffer.from('\n')
    ])
    const lines = head.split('\n').length - 1
    const result = checkAllSplits(text)
    expect(result.finding).toMatchObject({
      rule: 'fasta-sequence',
      line: lines + 2,
      record: 2001,
      column: 7,
      offset: head.length + 12,
      byte: 0
    })
    expect(result.message).toBe(
      `line ${(lines + 2).toLocaleString('en-US')}, column 7 (record 2,001): byte 0x00 is not a sequence letter (a sequence line holds IUPAC letters, "*" and "-")`
    )
  })

  it('refuses control bytes in a header and "." in a sequence', () => {
    expect(checkAllSplits('>a\x01b\nACGT\n')).toMatchObject({
      finding: { rule: 'fasta-control', line: 1, column: 3, byte: 1 },
      message: 'line 1, column 3 (record 1): control byte 0x01 in a header line'
    })
    expect(checkAllSplits('>a\nAC.T\n')).toMatchObject({
      finding: { rule: 'fasta-sequence', column: 3 }
    })
    expect(checkAllSplits('>a\nAC\rT\n')).toMatchObject({
      finding: { rule: 'fasta-sequence', column: 3, byte: 13 }
    })
  })

  it('finds a bad byte at every position, whatever the alignment (the 4-byte fast path)', () => {
    const bases = 'ACGTNacgtn*-'.repeat(3)
    for (let at = 0; at < bases.length; at++) {
      for (const shift of [0, 1, 2, 3]) {
        const text = `>r\n${bases.slice(0, at)}.${bases.slice(at + 1)}\n`
        const buffer = Buffer.alloc(text.length + 8)
        buffer.write(text, shift, 'latin1')
        const checker = new FastaChecker()
        checker.push(buffer.subarray(shift, shift + text.length))
        expect({ at, shift, finding: checker.end() }).toMatchObject({
          at,
          shift,
          finding: { rule: 'fasta-sequence', line: 2, column: at + 1 }
        })
      }
    }
  })

  it('refuses text with no record', () => {
    expect(check('')).toMatchObject({
      finding: { rule: 'no-records' },
      message: 'holds no FASTA records'
    })
    expect(check('\n\r\n')).toMatchObject({ finding: { rule: 'no-records' } })
  })
})
