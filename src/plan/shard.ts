import type { Sample, Shard } from '../shared/types.js'

/** FNV-1a (32 bit) of the UTF-8 bytes of `text` (the published algorithm and test vectors). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

/**
 * murmur3's 32-bit finaliser (fmix32): after it every output bit depends on every input bit.
 * FNV-1a alone does not mix downwards: its low k bits depend only on the low k bits of each
 * byte, so `mod 2^k` of names whose digits repeat (Sample7_S7_...) cancelled out and 96 pairs
 * went 96 + 0 over 2 shards.
 */
export function fmix32(value: number): number {
  let h = value >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

/**
 * The hash a sample's shard comes from: `fmix32(fnv1a32(text))`, an unsigned 32-bit number.
 * Small, stable across platforms and versions, and documented in the README (with a Python
 * function) so that a user can predict a sample's shard.
 */
export function shardHash(text: string): number {
  return fmix32(fnv1a32(text))
}

/**
 * The shard (1..count) a sample belongs to: `shardHash(upload filename) mod count + 1`. The
 * upload filename is the file's (R1's for a pair, the merged name for a lane group), so pairs
 * and lane groups stay whole, and adding a sample never moves another one.
 */
export function shardOf(sample: Sample, count: number): number {
  return (shardHash(sample.file.filename) % count) + 1
}

/** The planned samples that belong to `shard`, in plan order; every sample without a shard. */
export function selectShard(samples: readonly Sample[], shard: Shard | undefined): Sample[] {
  if (!shard) return [...samples]
  return samples.filter(sample => shardOf(sample, shard.count) === shard.index)
}

/**
 * "shard 2/8: 13 of 97 samples": what a job's log and summary say about its share; "shard 2/8:
 * 0 of 97 planned samples" for a share that got none (the plan was not empty: this one share is).
 */
export function describeShare(shard: Shard, share: number, planned: number): string {
  return `shard ${shard.index}/${shard.count}: ${share} of ${planned} ${share === 0 ? 'planned ' : ''}sample${planned === 1 ? '' : 's'}`
}
