// shard: k/n must split real runs. Illumina names repeat their sample number (Sample7_S7_...),
// and a hash whose low bits depend only on the low bits of each byte (plain FNV-1a mod 2^k) put
// 96 such pairs in one shard of 2. These tests run the planner's own rule over the names real
// runs carry.
import { describe, expect, it } from '@jest/globals'
import { fnv1a32, selectShard, shardHash, shardOf } from '../../src/plan/shard.js'
import type { Sample, Source } from '../../src/shared/types.js'

function pair(r1: string): Sample {
  const source = (filename: string): Source => ({
    path: `/ws/run/${filename}`,
    filename,
    size: 1000,
    segments: [{ path: `/ws/run/${filename}`, size: 1000 }],
    format: 'FASTQ',
    compression: 'gzip'
  })
  return { file: source(r1), mate: source(r1.replace('_R1_', '_R2_')) }
}

/** How many of `samples` each of `count` shards gets, as the planner selects them. */
function shares(samples: readonly Sample[], count: number): number[] {
  return Array.from(
    { length: count },
    (_, k) => selectShard(samples, { index: k + 1, count }).length
  )
}

/** Pearson's chi-square statistic of `counts` against an even split. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0)
  const expected = total / counts.length
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0)
}

// Chi-square critical values at p = 0.001 for k - 1 degrees of freedom: a uniform hash exceeds
// them once in a thousand runs; the old rule's 96 + 0 split scored 96 against 10.83.
const CRITICAL: Record<number, number> = { 2: 10.83, 4: 16.27, 8: 24.32 }

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)
const plate = 'ABCDEFGH'
  .split('')
  .flatMap(row => range(12).map(col => `${row}${String(col).padStart(2, '0')}`))

const families: [string, string[]][] = [
  ['SampleN_SN_R1_001 (96)', range(96).map(i => `Sample${i}_S${i}_R1_001.fastq.gz`)],
  ['SN_SN_R1_001 (96)', range(96).map(i => `S${i}_S${i}_R1_001.fastq.gz`)],
  ['SN_SN_R1_001 (384)', range(384).map(i => `S${i}_S${i}_R1_001.fastq.gz`)],
  ['SN_R1_001 (384)', range(384).map(i => `S${i}_R1_001.fastq.gz`)],
  ['plate wells A01_SN_R1_001 (96)', plate.map((well, i) => `${well}_S${i + 1}_R1_001.fastq.gz`)]
]

describe('shard balance over real run names', () => {
  it.each([2, 4, 8])(
    'splits 96 pairs named SampleN_SN_R1_001.fastq.gz over %i shards within ±30 %% of n/k',
    count => {
      const samples = range(96).map(i => pair(`Sample${i}_S${i}_R1_001.fastq.gz`))
      const counts = shares(samples, count)
      expect(counts.reduce((a, b) => a + b, 0)).toBe(96)
      const even = 96 / count
      for (const n of counts) {
        expect(n).toBeGreaterThanOrEqual(Math.ceil(even * 0.7))
        expect(n).toBeLessThanOrEqual(Math.floor(even * 1.3))
      }
    }
  )

  describe.each(families)('%s', (_label, names) => {
    it.each([2, 4, 8])('over %i shards: none empty, no worse than a uniform draw', count => {
      const counts = shares(names.map(pair), count)
      expect(counts.reduce((a, b) => a + b, 0)).toBe(names.length)
      for (const n of counts) expect(n).toBeGreaterThan(0)
      expect(chiSquare(counts)).toBeLessThan(CRITICAL[count])
    })
  })

  it('depends on the high bits of each byte too: names differing in one bit split evenly', () => {
    // "Sample_a" vs "Sample_q" differ only in bit 4 of one byte. Plain FNV-1a's low bits never
    // see that bit, so such names all landed in the same shard of 2, 4 or 8.
    const letters = 'abcdefghijklmnop'.split('')
    let moved = 0
    let compared = 0
    for (const a of letters) {
      const b = String.fromCharCode(a.charCodeAt(0) ^ 0x10)
      for (const i of range(32)) {
        const one = shardHash(`run${i}_${a}_R1_001.fastq.gz`)
        const other = shardHash(`run${i}_${b}_R1_001.fastq.gz`)
        compared++
        if (one % 8 !== other % 8) moved++
      }
    }
    // A uniform hash moves 7 in 8 (448 of 512) to another shard of 8.
    expect(moved / compared).toBeGreaterThan(0.75)
  })
})

describe('the documented rule', () => {
  it('is FNV-1a 32 of the UTF-8 bytes, then murmur3 fmix32 (values from the README snippet)', () => {
    // Reference values computed with the Python function the README gives.
    expect(shardHash('')).toBe(0xab3e7c0b)
    expect(shardHash('a')).toBe(0x1a80b1b3)
    expect(shardHash('é')).toBe(0x8e4756c7)
    expect(shardHash('Sample1_S1_R1_001.fastq.gz')).toBe(0x51718b1f)
    expect(shardOf(pair('Sample1_S1_R1_001.fastq.gz'), 4)).toBe((0x51718b1f % 4) + 1)
    // The FNV-1a step itself keeps its published test vectors.
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
  })
})
