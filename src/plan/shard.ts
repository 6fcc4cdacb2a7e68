import type { Sample, Shard } from '../shared/types.js'

/**
 * FNV-1a (32 bit) of the UTF-8 bytes of `text`: small, stable across platforms and versions,
 * and easy to compute anywhere (documented in the README so a user can predict a shard).
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

/**
 * The shard (1..count) a sample belongs to: `fnv1a32(upload filename) mod count + 1`. The
 * upload filename is the file's (R1's for a pair, the merged name for a lane group), so pairs
 * and lane groups stay whole, and adding a sample never moves another one.
 */
export function shardOf(sample: Sample, count: number): number {
  return (fnv1a32(sample.file.filename) % count) + 1
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
