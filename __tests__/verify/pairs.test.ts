import { afterAll, describe, expect, it } from '@jest/globals'
import { interleavedProblem, pairProblem } from '../../src/verify/pairs.js'
import { problemMessage, toProblem } from '../../src/verify/messages.js'
import { closeScanThreads, startScan } from '../../src/verify/scan.js'
import { fastqRecords, gzip, scratch, sourceOf } from './content-files.js'

const dir = scratch()
afterAll(async () => {
  await closeScanThreads()
  dir.remove()
})

/** Scans a real file and returns what pairProblem needs. */
async function counted(file: string) {
  const result = await startScan(sourceOf(file), { validate: 'full' }).done
  return { path: file, reads: result.reads ?? NaN }
}

describe('pairProblem', () => {
  it('passes mates with the same number of records', async () => {
    const r1 = dir.write('reads/S1_R1_001.fastq.gz', gzip(fastqRecords(1200, 100, 1)))
    const r2 = dir.write('reads/S1_R2_001.fastq.gz', gzip(fastqRecords(1200, 100, 2)))
    expect(pairProblem(await counted(r1), await counted(r2))).toBeUndefined()
  })

  it('refuses R1 and R2 that hold different numbers of reads, naming both', async () => {
    const r1 = dir.write('reads/S3_R1_001.fastq.gz', gzip(fastqRecords(1000, 100, 3)))
    const r2 = dir.write('reads/S3_R2_001.fastq.gz', gzip(fastqRecords(998, 100, 4)))
    const problem = pairProblem(await counted(r1), await counted(r2))
    expect(problem).toMatchObject({ rule: 'pair-count', severity: 'error', file: r1, mate: r2 })
    expect(problemMessage(problem!, dir.dir)).toBe(
      'reads/S3_R1_001.fastq.gz has 1,000 reads but its mate reads/S3_R2_001.fastq.gz has 998'
    )
    expect(toProblem(problem!, dir.dir)).toEqual({
      message:
        'reads/S3_R1_001.fastq.gz has 1,000 reads but its mate reads/S3_R2_001.fastq.gz has 998',
      file: 'reads/S3_R1_001.fastq.gz',
      files: ['reads/S3_R1_001.fastq.gz', 'reads/S3_R2_001.fastq.gz']
    })
  })
})

describe('interleavedProblem', () => {
  it('wants an even number of records in an interleaved file', async () => {
    const even = dir.write('inter_even.fastq', fastqRecords(10))
    const odd = dir.write('inter_odd.fastq', fastqRecords(11))
    expect(interleavedProblem(await counted(even))).toBeUndefined()
    const problem = interleavedProblem(await counted(odd))
    expect(problem).toMatchObject({ rule: 'interleaved-odd', file: odd })
    expect(problemMessage(problem!, dir.dir)).toBe(
      'inter_odd.fastq holds 11 records: an interleaved file holds pairs (R1, R2, R1, R2, ...), so the count must be even'
    )
  })
})
