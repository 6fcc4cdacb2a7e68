import { describe, expect, it } from '@jest/globals'
import { parseShard } from '../../src/inputs/shard-input.js'
import { describeShare, fnv1a32, selectShard, shardHash, shardOf } from '../../src/plan/shard.js'
import type { Sample, Source } from '../../src/shared/types.js'

function source(filename: string, segments = 1): Source {
  const parts = Array.from({ length: segments }, (_, i) => ({
    path: `/ws/reads/${filename.replace('_R', `_L00${i + 1}_R`)}`,
    size: 100 + i
  }))
  return {
    path: parts[0].path,
    filename,
    size: parts.reduce((sum, p) => sum + p.size, 0),
    segments: parts,
    format: 'FASTQ',
    compression: 'gzip'
  }
}

const single = (name: string): Sample => ({ file: source(name) })
const pair = (stem: string, lanes = 1): Sample => ({
  file: source(`${stem}_R1_001.fastq.gz`, lanes),
  mate: source(`${stem}_R2_001.fastq.gz`, lanes)
})

describe('parseShard', () => {
  it('reads k/n, with spaces around the numbers', () => {
    expect(parseShard('2/8')).toEqual({ shard: { index: 2, count: 8 } })
    expect(parseShard(' 1 / 1 ')).toEqual({ shard: { index: 1, count: 1 } })
    expect(parseShard('256/256')).toEqual({ shard: { index: 256, count: 256 } })
  })

  it('empty means every sample', () => {
    expect(parseShard('')).toEqual({})
    expect(parseShard('  ')).toEqual({})
  })

  it.each([
    ['0/4', 'shard 0 does not exist among 4'],
    ['5/4', 'shard 5 does not exist among 4'],
    ['1/0', '0 jobs is out of range'],
    ['1/257', '257 jobs is out of range'],
    ['2', 'it must be k/n'],
    ['1/2/3', 'it must be k/n'],
    ['a/b', 'it must be k/n'],
    ['-1/4', 'it must be k/n'],
    ['1.5/4', 'it must be k/n'],
    ['${{ matrix.shard }}/4', 'it must be k/n']
  ])('refuses %s naming the input, the value and the rule', (raw, reason) => {
    const { shard, problem } = parseShard(raw)
    expect(shard).toBeUndefined()
    expect(problem).toContain(`Input shard is "${raw}"`)
    expect(problem).toContain(reason)
    expect(problem).toContain('n from 1 to 256 and k from 1 to n')
  })
})

describe('shard assignment', () => {
  it('hashes with FNV-1a 32 (the published test vectors), then fmix32, as the README documents', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
    // UTF-8 bytes, not UTF-16 code units.
    expect(fnv1a32('é')).toBe(0x1e9de8c1)
    expect(shardOf(single('a'), 7)).toBe((shardHash('a') % 7) + 1)
  })

  it('gives each sample exactly one shard, the union being the whole plan, in plan order', () => {
    const samples = Array.from({ length: 97 }, (_, i) => single(`sample_${i}.fastq.gz`))
    const shares = [1, 2, 3, 4, 5, 6, 7, 8].map(index => selectShard(samples, { index, count: 8 }))
    const all = shares.flat()
    expect(all).toHaveLength(97)
    expect(new Set(all).size).toBe(97)
    for (const share of shares) {
      expect(share.map(s => samples.indexOf(s))).toEqual(
        [...share.map(s => samples.indexOf(s))].sort((a, b) => a - b)
      )
    }
    // Spread: similar names are not piled into a few shards.
    for (const share of shares) expect(share.length).toBeGreaterThan(4)
  })

  it('is stable when files are added: no existing sample changes shard', () => {
    const before = Array.from({ length: 40 }, (_, i) => single(`run1_s${i}.fq.gz`))
    const after = [
      single('aaa_new_first.fq.gz'),
      ...before.slice(0, 20),
      ...Array.from({ length: 30 }, (_, i) => single(`run2_s${i}.fq.gz`)),
      ...before.slice(20)
    ]
    for (const count of [2, 3, 8, 256]) {
      for (const sample of before) {
        const index = shardOf(sample, count)
        expect(selectShard(after, { index, count })).toContain(sample)
      }
    }
  })

  it('keeps pairs and lane groups whole: a sample goes by its upload filename only', () => {
    const lanes = pair('S1_S1', 4)
    const plain = pair('S2_S2')
    const samples = [lanes, plain, single('contigs.fa')]
    for (const count of [2, 3, 5]) {
      const shares = Array.from({ length: count }, (_, k) =>
        selectShard(samples, { index: k + 1, count })
      )
      const owner = shares.findIndex(share => share.includes(lanes))
      expect(owner).toBeGreaterThanOrEqual(0)
      expect(shares[owner].find(s => s === lanes)).toEqual(lanes)
      expect(shares.flat().filter(s => s === lanes)).toHaveLength(1)
      expect(shardOf(lanes, count)).toBe((shardHash('S1_S1_R1_001.fastq.gz') % count) + 1)
      // R2's name plays no part.
      const renamedMate: Sample = { ...plain, mate: source('other_R2.fastq.gz') }
      expect(shardOf(renamedMate, count)).toBe(shardOf(plain, count))
    }
  })

  it('without a shard keeps every sample', () => {
    const samples = [single('a.fq'), single('b.fq')]
    expect(selectShard(samples, undefined)).toEqual(samples)
    expect(selectShard(samples, { index: 1, count: 1 })).toEqual(samples)
  })

  it('describes a share as the log and summary say it', () => {
    expect(describeShare({ index: 2, count: 8 }, 13, 97)).toBe('shard 2/8: 13 of 97 samples')
    // A share that got none says the others were planned.
    expect(describeShare({ index: 2, count: 4 }, 0, 96)).toBe('shard 2/4: 0 of 96 planned samples')
    expect(describeShare({ index: 1, count: 2 }, 0, 1)).toBe('shard 1/2: 0 of 1 planned sample')
  })
})
