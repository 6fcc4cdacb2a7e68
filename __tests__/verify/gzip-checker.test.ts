import { describe, expect, it } from '@jest/globals'
import * as zlib from 'node:zlib'
import { FastqChecker } from '../../src/verify/fastq-checker.js'
import { GzipChecker } from '../../src/verify/gzip-checker.js'
import { describeFinding } from '../../src/verify/messages.js'
import { fastqRecords, gzip } from './content-files.js'

/** Feeds `bytes` in chunks of `size`, as the scan thread does (several chunks in flight). */
async function check(bytes: Buffer, size = 64 * 1024) {
  const text = new FastqChecker()
  const checker = new GzipChecker(zlib, text, 16 * 1024, size)
  let inFlight = 0
  let wake: (() => void) | undefined
  for (let at = 0; at < bytes.length && !checker.failed; at += size) {
    while (inFlight >= 4) await new Promise<void>(resolve => (wake = resolve))
    inFlight++
    // A copy: the checker may hold a chunk until zlib consumed it.
    checker.write(Buffer.from(bytes.subarray(at, at + size)), () => {
      inFlight--
      wake?.()
    })
  }
  const outcome = await checker.end()
  return {
    reads: text.reads,
    output: checker.output,
    ...outcome,
    message: outcome.error && describeFinding(outcome.error, 'FASTQ'),
    warning: outcome.warnings[0] && describeFinding(outcome.warnings[0], 'FASTQ')
  }
}

const records = fastqRecords(4000, 100) // ~1 MB of text
const member = gzip(records)

describe('GzipChecker', () => {
  it('inflates one member and hands the whole text to the checker', async () => {
    for (const size of [1000, 64 * 1024, member.length])
      expect(await check(member, size)).toMatchObject({
        reads: 4000,
        output: records.length,
        warnings: []
      })
    expect((await check(member)).error).toBeUndefined()
  })

  it('reads concatenated members (lanes, BGZF-like blocks) as one stream', async () => {
    const blocks: Buffer[] = []
    for (let i = 0; i < 40; i++) blocks.push(gzip(fastqRecords(100, 100, i + 3, i * 100 + 1)))
    const file = Buffer.concat(blocks)
    for (const size of [777, 65_536])
      expect(await check(file, size)).toMatchObject({ reads: 4000, warnings: [] })
  })

  it('calls a stream that ends inside a member truncated, with the output so far', async () => {
    const result = await check(member.subarray(0, Math.floor(member.length * 0.6)))
    expect(result.error).toMatchObject({ rule: 'gzip-truncated' })
    expect(result.message).toMatch(
      /^the gzip stream ends inside a member after \d+\.\d kB of output: the file is truncated$/
    )
    expect(result.error?.output).toBeGreaterThan(records.length * 0.4)
    // Cut in the 8-byte trailer: all text inflated, the stream is still not complete.
    expect((await check(member.subarray(0, member.length - 3))).error).toMatchObject({
      rule: 'gzip-truncated'
    })
    expect(await check(Buffer.alloc(0))).toMatchObject({
      error: { rule: 'gzip-truncated' },
      message: 'the file is empty: no gzip data'
    })
  })

  it('finds damaged deflate data, a wrong CRC32 and a wrong ISIZE', async () => {
    const damaged = Buffer.from(member)
    for (let i = 0; i < 64; i++) damaged[Math.floor(member.length / 2) + i] ^= 0x5a
    const result = await check(damaged)
    expect(result.error?.rule).toMatch(/^gzip-(damaged|crc)$/)
    expect(result.message).toMatch(/compressed bytes [\d,]+–[\d,]+.*: the file is corrupt$/)

    const crc = Buffer.from(member)
    crc[crc.length - 8] ^= 1
    expect(await check(crc)).toMatchObject({ error: { rule: 'gzip-crc' } })
    const isize = Buffer.from(member)
    isize[isize.length - 4] ^= 1
    expect(await check(isize)).toMatchObject({ error: { rule: 'gzip-length' } })
  })

  it('reports the gzip damage, not the garbage it inflated to', async () => {
    // A stored (uncompressed) block: flipping a byte changes the text, only the CRC notices.
    const stored = gzip(records, 0)
    const flipped = Buffer.from(stored)
    flipped[1000] = 0x00
    const result = await check(flipped)
    expect(result.error).toMatchObject({ rule: 'gzip-crc' })
  })

  it('warns about zero bytes after the last member and refuses anything else there', async () => {
    const zeros = await check(Buffer.concat([member, Buffer.alloc(300_000)]))
    expect(zeros).toMatchObject({
      reads: 4000,
      warnings: [{ rule: 'gzip-trailing-zeros', bytes: 300_000, from: member.length }]
    })
    expect(zeros.error).toBeUndefined()
    expect(zeros.warning).toBe(
      `300,000 zero bytes follow the last gzip member (from byte ${member.length.toLocaleString('en-US')}); they are ignored`
    )

    const junkAfterZeros = Buffer.concat([member, Buffer.alloc(200_000), Buffer.from('junk')])
    for (const size of [4096, 65_536]) {
      const result = await check(junkAfterZeros, size)
      expect(result.error).toMatchObject({
        rule: 'gzip-trailing-data',
        from: member.length,
        to: member.length + 200_000,
        byte: 0x6a
      })
    }

    const junk = await check(Buffer.concat([member, Buffer.from('junk after the member')]))
    expect(junk.error).toMatchObject({ rule: 'gzip-trailing-data' })
    expect(junk.message).toMatch(
      /^data that is not gzip follows a gzip member \(incorrect header check; /
    )
  })

  it('says a file that is not gzip is not gzip', async () => {
    expect(await check(Buffer.from(records))).toMatchObject({
      error: { rule: 'gzip-not-gzip' },
      message: 'is not gzip data (incorrect header check), though its name says gzip'
    })
  })

  it('hands on what the text checker found inside sound gzip data', async () => {
    const bad = gzip(records.replace('\n+\n', '\n-\n'))
    expect(await check(bad)).toMatchObject({ error: { rule: 'fastq-separator', line: 3 } })
    const cut = gzip(records.slice(0, -10))
    expect(await check(cut)).toMatchObject({ error: { rule: 'fastq-truncated' } })
  })
})
