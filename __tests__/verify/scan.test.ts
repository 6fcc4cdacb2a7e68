import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { readFileSync, truncateSync } from 'node:fs'
import * as path from 'node:path'
import { problemMessage } from '../../src/verify/messages.js'
import {
  closeScanThreads,
  ContentCheckError,
  setScanThreadLimit,
  startScan,
  type ScanOptions,
  type ScanSource
} from '../../src/verify/scan.js'
import { fastaRecords, fastqRecords, gzip, scratch, sourceOf } from './content-files.js'

const dir = scratch()
afterAll(async () => {
  await closeScanThreads()
  dir.remove()
})

const full: ScanOptions = { validate: 'full' }
const scan = (source: ScanSource, options: ScanOptions = full) => startScan(source, options).done
/** What the user reads about the first problem, the file named relative to the workspace. */
const said = async (source: ScanSource, options: ScanOptions = full) => {
  const result = await scan(source, options)
  return result.problems.map(p => problemMessage(p, dir.dir))
}
const sha256 = (...files: string[]) => {
  const hash = createHash('sha256')
  for (const file of files) hash.update(readFileSync(file))
  return hash.digest('hex')
}

describe('startScan: valid files pass with exact counts', () => {
  it('plain FASTQ, with the sha256 of its bytes', async () => {
    const file = dir.write('plain_R1.fastq', fastqRecords(3000, 151))
    const result = await scan(sourceOf(file))
    expect(result).toMatchObject({
      validate: 'full',
      reads: 3000,
      bases: 453_000,
      problems: [],
      warnings: []
    })
    expect(result.sha256).toBe(sha256(file))
    expect(result.segments).toEqual([
      { path: file, size: result.bytes, reads: 3000, bases: 453_000, warnings: [] }
    ])
  })

  it('gzip FASTQ larger than a read, and multi-member gzip', async () => {
    const text = fastqRecords(40_000, 100, 5) // ~10 MB of text
    const one = dir.write('one.fastq.gz', gzip(text, 1))
    const members = dir.write(
      'members.fq.gz',
      Buffer.concat([gzip(fastqRecords(10, 100, 1)), gzip(fastqRecords(20, 50, 2)), gzip('')])
    )
    expect(await scan(sourceOf(one))).toMatchObject({
      reads: 40_000,
      bases: 4_000_000,
      problems: []
    })
    expect(await scan(sourceOf(members))).toMatchObject({ reads: 30, bases: 2000, problems: [] })
    expect((await scan(sourceOf(one))).sha256).toBe(sha256(one))
  })

  it('CRLF FASTQ and FASTA with lowercase letters and N', async () => {
    const crlf = dir.write('crlf.fastq', fastqRecords(100, 20).replace(/\n/g, '\r\n'))
    expect(await scan(sourceOf(crlf))).toMatchObject({ reads: 100, bases: 2000, problems: [] })
    const fasta = dir.write(
      'genome.fasta.gz',
      gzip('>chr1 first\nACGTNNNNacgtnnnn\nacgt\n>chr2\nNNNNNNNNNN\n')
    )
    expect(await scan(sourceOf(fasta))).toMatchObject({ reads: 2, bases: 30, problems: [] })
  })

  it('lanes: each segment checked as its own stream, the counts summed, one sha256 over all', async () => {
    const lanes = [1, 2, 3].map(lane =>
      dir.write(`S1_L00${lane}_R1_001.fastq.gz`, gzip(fastqRecords(1000 * lane, 100, lane)))
    )
    const result = await scan(sourceOf(...lanes))
    expect(result).toMatchObject({ reads: 6000, bases: 600_000, problems: [] })
    expect(result.segments.map(s => s.reads)).toEqual([1000, 2000, 3000])
    expect(result.sha256).toBe(sha256(...lanes))
  })

  it('validate head only hashes: no counts, no check', async () => {
    const junk = dir.write('junk.fastq', 'not FASTQ at all\n')
    const result = await scan(sourceOf(junk), { validate: 'head' })
    expect(result).toEqual({
      validate: 'head',
      bytes: 17,
      sha256: sha256(junk),
      segments: [],
      problems: [],
      warnings: []
    })
  })
})

describe('startScan: damaged files are refused with where and why', () => {
  const text = fastqRecords(50_000, 150, 9) // ~16 MB of text
  const packed = gzip(text, 1)

  it('a truncated gzip (an interrupted copy)', async () => {
    const cut = dir.write(
      'reads/S2_R1_001.fastq.gz',
      packed.subarray(0, Math.floor(packed.length / 2))
    )
    const [message] = await said(sourceOf(cut))
    expect(message).toMatch(
      /^reads\/S2_R1_001\.fastq\.gz: the gzip stream ends inside a member after [\d.]+ MB of output: the file is truncated$/
    )
    const result = await scan(sourceOf(cut))
    expect(result.sha256).toBe(sha256(cut)) // the whole file was read
    expect(result.reads).toBeUndefined()
    expect(result.problems[0]).toMatchObject({
      rule: 'gzip-truncated',
      severity: 'error',
      file: cut
    })
  })

  it('damaged bytes in the middle of a gzip stream', async () => {
    const damaged = Buffer.from(packed)
    for (let i = 0; i < 200; i++) damaged[Math.floor(packed.length / 2) + i * 7] ^= 0xa5
    const file = dir.write('damaged.fastq.gz', damaged)
    const result = await scan(sourceOf(file))
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0].rule).toMatch(/^gzip-(damaged|crc|length)$/)
    expect(problemMessage(result.problems[0], dir.dir)).toMatch(
      /^damaged\.fastq\.gz: .*compressed bytes [\d,]+–[\d,]+.*: the file is corrupt$/
    )
  })

  it('a short quality line deep inside a large plain FASTQ', async () => {
    const before = fastqRecords(100_000, 150, 3) // ~33 MB
    const bad = fastqRecords(1, 150, 4, 100_001).replace(
      /\n([^\n]+)\n$/,
      (_, q: string) => `\n${q.slice(1)}\n`
    )
    const file = dir.write(
      'reads/S1_R1_001.fastq',
      before + bad + fastqRecords(10, 150, 5, 100_002)
    )
    expect(await said(sourceOf(file))).toEqual([
      'reads/S1_R1_001.fastq: line 400,004 (record 100,001): 149 quality characters for 150 bases'
    ])
  })

  it('a FASTQ cut in the middle of a record, plain and gzip', async () => {
    const records = fastqRecords(1000, 150, 6)
    const cut = records.slice(0, records.length - 200)
    const plain = dir.write('cut.fastq', cut)
    expect(await said(sourceOf(plain))).toEqual([
      'cut.fastq: the text ends inside record 1,000 (line 3,998, its sequence line): the file is truncated'
    ])
    const packedCut = dir.write('cut.fastq.gz', gzip(cut))
    expect(await said(sourceOf(packedCut))).toEqual([
      'cut.fastq.gz: the text ends inside record 1,000 (line 3,998, its sequence line): the file is truncated'
    ])
  })

  it('binary junk deep inside a FASTA', async () => {
    const head = fastaRecords(20_000, 300, 7) // ~6.5 MB
    const file = dir.write(
      'assembly.fasta',
      Buffer.concat([
        Buffer.from(head),
        Buffer.from('>last\nACGT'),
        Buffer.from([0x00, 0x9c, 0xff]),
        Buffer.from('\n')
      ])
    )
    const line = head.split('\n').length + 1
    const result = await scan(sourceOf(file))
    expect(result.problems[0]).toMatchObject({
      rule: 'fasta-sequence',
      line,
      record: 20_001,
      offset: head.length + 10
    })
    expect(problemMessage(result.problems[0], dir.dir)).toBe(
      `assembly.fasta: line ${line.toLocaleString('en-US')}, column 5 (record 20,001): byte 0x00 is not a sequence letter (a sequence line holds IUPAC letters, "*" and "-")`
    )
  })

  it('a truncated lane among the segments names the lane file', async () => {
    const lanes = [1, 2, 3].map(lane =>
      dir.write(`reads/S4_L00${lane}_R1_001.fastq.gz`, gzip(fastqRecords(5000, 100, lane + 20)))
    )
    const size = readFileSync(lanes[1]).length
    truncateSync(lanes[1], size - 1000)
    const result = await scan(sourceOf(...lanes))
    expect(result.problems.map(p => problemMessage(p, dir.dir))).toEqual([
      expect.stringMatching(
        /^reads\/S4_L002_R1_001\.fastq\.gz: the gzip stream ends inside a member after/
      )
    ])
    expect(result.segments.map(s => s.reads)).toEqual([5000, expect.any(Number)])
    expect(result.reads).toBeUndefined()

    // keepGoing (a dry run) checks the later lanes too.
    const all = await scan(sourceOf(...lanes), { validate: 'full', keepGoing: true })
    expect(all.segments.map(s => [s.reads, s.problem?.rule])).toEqual([
      [5000, undefined],
      [expect.any(Number), 'gzip-truncated'],
      [5000, undefined]
    ])
  })

  it('trailing zeros are a warning, trailing garbage an error', async () => {
    const member = gzip(fastqRecords(2000, 100, 8))
    const zeros = dir.write('zeros.fastq.gz', Buffer.concat([member, Buffer.alloc(4096)]))
    const result = await scan(sourceOf(zeros))
    expect(result).toMatchObject({ reads: 2000, problems: [] })
    expect(result.warnings.map(w => problemMessage(w, dir.dir))).toEqual([
      `zeros.fastq.gz: 4,096 zero bytes follow the last gzip member (from byte ${member.length.toLocaleString('en-US')}); they are ignored`
    ])
    expect(result.warnings[0]).toMatchObject({ rule: 'gzip-trailing-zeros', severity: 'warning' })

    const garbage = dir.write(
      'garbage.fastq.gz',
      Buffer.concat([member, Buffer.alloc(16), Buffer.from('this is not gzip')])
    )
    expect(await said(sourceOf(garbage))).toEqual([
      `garbage.fastq.gz: bytes after the last gzip member (from byte ${member.length.toLocaleString('en-US')}) are not gzip data: "t" at byte ${(member.length + 16).toLocaleString('en-US')}`
    ])
  })
})

describe('startScan: right behind an upload', () => {
  let file: string
  let size: number
  beforeAll(() => {
    file = dir.write('paced.fastq', fastqRecords(20_000, 150, 11)) // ~6.5 MB
    size = readFileSync(file).length
  })

  it('reads no further than allowed, and lagBehind waits for it', async () => {
    const s = startScan(sourceOf(file), { validate: 'full', paced: true, maxLagBytes: 1024 * 1024 })
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(s.read).toBe(0)
    s.allow(2 * 1024 * 1024)
    await s.lagBehind(3 * 1024 * 1024) // resolves once 2 MiB were read
    expect(s.read).toBe(2 * 1024 * 1024)
    let passed = false
    const waiting = s.lagBehind(4 * 1024 * 1024).then(() => (passed = true))
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(passed).toBe(false)
    s.allow(size)
    await waiting
    const result = await s.done
    expect(result).toMatchObject({ reads: 20_000, problems: [] })
    expect(result.sha256).toBe(sha256(file))
  })

  it('lagBehind rejects as soon as the check failed', async () => {
    const bad = dir.write('paced-bad.fastq', 'nope\n' + fastqRecords(20_000, 150, 12))
    const s = startScan(sourceOf(bad), { validate: 'full', paced: true, maxLagBytes: 1024 * 1024 })
    s.allow(1024 * 1024)
    const error = await s.lagBehind(8 * 1024 * 1024).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(ContentCheckError)
    expect((error as ContentCheckError).problem).toMatchObject({ rule: 'fastq-header', line: 1 })
    expect((await s.done).problems).toHaveLength(1)
  })

  it('abort stops it, and the thread serves the next scan', async () => {
    const s = startScan(sourceOf(file), { validate: 'full', paced: true })
    s.allow(1024 * 1024)
    s.abort()
    await expect(s.done).rejects.toThrow('the scan was stopped')
    expect(await scan(sourceOf(file))).toMatchObject({ reads: 20_000 })
  })

  it('a missing or shortened file rejects done with its name', async () => {
    const gone = path.join(dir.dir, 'gone.fastq')
    await expect(
      scan({ segments: [{ path: gone, size: 10 }], format: 'FASTQ', compression: 'none' })
    ).rejects.toThrow(/ENOENT.*gone\.fastq/)
    const short = dir.write('short.fastq', fastqRecords(10))
    const planned = readFileSync(short).length + 100
    await expect(
      scan({ segments: [{ path: short, size: planned }], format: 'FASTQ', compression: 'none' })
    ).rejects.toThrow(
      `${short} has ${planned - 100} bytes now, ${planned} were planned (was the file changed while uploading?).`
    )
  })

  it('more scans than threads wait for one, and a waiting scan can be aborted', async () => {
    setScanThreadLimit(1)
    try {
      const first = startScan(sourceOf(file), { validate: 'full', paced: true })
      const second = startScan(sourceOf(file), { validate: 'head' })
      const third = startScan(sourceOf(file), { validate: 'full' })
      third.abort()
      await expect(third.done).rejects.toThrow('the scan was stopped')
      await new Promise(resolve => setTimeout(resolve, 100))
      expect(second.read).toBe(0) // still waiting: the one thread serves the paced scan
      first.allow(size)
      expect(await first.done).toMatchObject({ reads: 20_000 })
      expect((await second.done).sha256).toBe(sha256(file))
    } finally {
      setScanThreadLimit(4)
    }
  })
})
