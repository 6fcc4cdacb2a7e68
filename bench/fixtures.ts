/** The bench's input files: written fresh into the work directory on every run. */
import { closeSync, mkdirSync, openSync, readSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const BASES = 'ACGT'

/** `count` FASTQ records of `readLength` bases, deterministic for a given `seed`. */
export function fastqRecords(count: number, readLength: number, seed: number): string {
  let state = (seed * 2654435761) >>> 0 || 1
  const next = (): number => {
    // xorshift32: cheap, deterministic, good enough to vary the bases.
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
  const quality = 'I'.repeat(readLength)
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    let bases = ''
    for (let j = 0; j < readLength; j++) bases += BASES[next() & 3]
    lines.push(`@bench_read_${seed}_${i} 1:N:0:ACGTACGT`, bases, '+', quality)
  }
  return `${lines.join('\n')}\n`
}

/** A FASTQ file of about `bytes` bytes, cut at a record boundary (real content throughout). */
export function writeFastq(path: string, bytes: number, seed: number): number {
  const record = fastqRecords(1, 150, seed).length
  const text = fastqRecords(Math.max(1, Math.floor(bytes / record)), 150, seed)
  writeFileSync(path, text)
  return Buffer.byteLength(text)
}

/**
 * A sparse file of exactly `bytes` bytes: a valid FASTQ head (a few hundred records), then a
 * hole. Reading the hole costs no disk, so the bench measures the upload pipeline, not the disk.
 */
export function writeSparseFastq(path: string, bytes: number): void {
  writeFileSync(path, fastqRecords(400, 150, 7))
  truncateSync(path, bytes)
}

/** Reads a file once so that every timed run finds its pages in the page cache. */
export function warmPageCache(path: string): void {
  const fd = openSync(path, 'r')
  const buffer = Buffer.allocUnsafe(8 * 1024 * 1024)
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0);
  } finally {
    closeSync(fd)
  }
}

/** `count` small FASTQ files (`sample_001.fastq`...) in `dir`; returns their paths. */
export function writeSmallFiles(dir: string, count: number, bytesEach: number): string[] {
  mkdirSync(dir, { recursive: true })
  const paths: string[] = []
  for (let i = 1; i <= count; i++) {
    const path = join(dir, `sample_${String(i).padStart(3, '0')}.fastq`)
    writeFastq(path, bytesEach, 1000 + i)
    paths.push(path)
  }
  return paths
}
