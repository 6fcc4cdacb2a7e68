import { afterAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, truncateSync } from 'node:fs'
import type { Sample, Source } from '../../src/shared/types.js'
import { ContentGate, ContentRejected } from '../../src/upload/content-gate.js'
import { closeScanThreads } from '../../src/verify/scan.js'
import { fastqRecords, gzip, scratch, sourceOf } from '../verify/content-files.js'

const dir = scratch()
afterAll(async () => {
  await closeScanThreads()
  dir.remove()
})
const MiB = 1024 * 1024
const sha256 = (...files: string[]): string => {
  const hash = createHash('sha256')
  for (const file of files) hash.update(readFileSync(file))
  return hash.digest('hex')
}
const source = (...files: string[]): Source => {
  const scanned = sourceOf(...files)
  const size = scanned.segments.reduce((sum, s) => sum + s.size, 0)
  return { ...scanned, path: files[0], filename: files[0].split('/').pop()!, size }
}
function gate(validate: 'full' | 'head' = 'full', lines: string[] = []): ContentGate {
  return new ContentGate({
    validate,
    workspace: dir.dir,
    say: line => lines.push(line),
    warn: line => lines.push(`warning: ${line}`),
    maxLagBytes: MiB
  })
}

describe('ContentGate', () => {
  it('validate head hashes two lanes in order, whatever order the parts were allowed in', async () => {
    const lanes = [
      dir.write('h/L001.fq', randomBytes(3 * MiB + 17)),
      dir.write('h/L002.fq', randomBytes(2 * MiB + 5))
    ]
    const file = source(...lanes)
    const g = gate('head')
    const pace = g.pace(file)
    pace.allow(4 * MiB)
    pace.allow(2 * MiB)
    expect(await g.verdict({ file })).toEqual({ sha256: [sha256(...lanes)] })
    g.close()
  })

  it('validate full gives each source its sha256 and counts, R1 first', async () => {
    const r1 = dir.write('p/A_R1.fastq.gz', gzip(fastqRecords(700, 100, 1)))
    const r2 = dir.write('p/A_R2.fastq.gz', gzip(fastqRecords(700, 90, 2)))
    const sample: Sample = { file: source(r1), mate: source(r2) }
    const lines: string[] = []
    const g = gate('full', lines)
    expect(await g.verdict(sample)).toEqual({
      sha256: [sha256(r1), sha256(r2)],
      counts: [
        { reads: 700, bases: 70_000 },
        { reads: 700, bases: 63_000 }
      ]
    })
    expect(lines).toContain(
      `A_R1.fastq.gz: content checked: 700 reads, 70,000 bases; sha256 ${sha256(r1)}.`
    )
    g.close()
  })

  it('holds a part back until the scan is within its lag, then lets it go', async () => {
    const file = source(dir.write('lag.fastq', fastqRecords(20_000, 150, 3)))
    const g = gate()
    const pace = g.pace(file)
    let released = false
    const waiting = pace.lagBehind(3 * MiB).then(() => (released = true))
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(released).toBe(false) // nothing allowed yet: the scan is at 0
    pace.allow(2 * MiB)
    await waiting
    expect(released).toBe(true)
    g.close()
  })

  it('once one file failed, every other file of the sample is stopped: lagBehind rejects, the signal aborts', async () => {
    const bad = dir.write('f/B_R1.fastq', `nope\n${fastqRecords(10, 50, 4)}`)
    const good = dir.write('f/B_R2.fastq', fastqRecords(20_000, 150, 5))
    const sample: Sample = { file: source(bad), mate: source(good) }
    const g = gate()
    g.pace(sample.file).allow(sample.file.size)
    const mate = g.pace(sample.mate!)
    const stopped = await mate.lagBehind(8 * MiB).catch((error: unknown) => error)
    expect(stopped).toBeInstanceOf(ContentRejected)
    expect(g.signal.aborted).toBe(true)
    expect((stopped as ContentRejected).message).toBe(
      'f/B_R1.fastq: line 1 (record 1): expected a record\'s header line, starting with "@", found "n".'
    )
    expect((stopped as ContentRejected).rule).toBe(
      'line 1 (record 1): expected a record\'s header line, starting with "@", found "n".'
    )
    await expect(g.verdict(sample)).rejects.toBe(stopped)
    expect(g.explain(new Error('socket hang up'))).toBe(stopped)
    g.close()
  })

  it('the pair rule: R1 and R2 with different counts are refused, naming both', async () => {
    const r1 = dir.write('c/C_R1.fastq', fastqRecords(10, 50, 6))
    const r2 = dir.write('c/C_R2.fastq', fastqRecords(9, 50, 7))
    const g = gate()
    const error = await g.verdict({ file: source(r1), mate: source(r2) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContentRejected)
    expect((error as ContentRejected).message).toBe(
      'c/C_R1.fastq has 10 reads but its mate c/C_R2.fastq has 9.'
    )
    g.close()
  })

  it('a file shortened while it was sent fails the verdict with the read error, not a content rule', async () => {
    const file = source(dir.write('s/short.fastq', fastqRecords(5000, 100, 8)))
    truncateSync(file.path, 1000)
    const g = gate()
    const error = await g.verdict({ file }).catch((e: unknown) => e)
    expect(error).not.toBeInstanceOf(ContentRejected)
    expect((error as Error).message).toMatch(/has 1000 bytes now, \d+ were planned/)
    g.close()
  })
})
