/** The bench's input files: written fresh into the work directory on every run. */
import { closeSync, mkdirSync, openSync, readSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

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

/**
 * The same for a `.fastq.gz` name: a complete gzip member of a few hundred FASTQ records
 * (what planning sniffs: gzip magic, then FASTQ once decompressed), then a hole. gunzip ignores
 * the zeros after the member, and gzip lanes need no seam check, so a group of these merges.
 */
export function writeSparseFastqGz(path: string, bytes: number, seed = 7): void {
  writeFileSync(path, gzipSync(fastqRecords(400, 150, seed)))
  truncateSync(path, bytes)
}

/**
 * An Illumina lane group: `<sample>_L001_R1_001.fastq.gz` ... `_L00<lanes>_...`, each a sparse
 * gzip FASTQ of `bytesEach`. Returns the paths, lane 1 first.
 */
export function writeLaneGroup(
  dir: string,
  sample: string,
  lanes: number,
  bytesEach: number
): string[] {
  mkdirSync(dir, { recursive: true })
  const paths: string[] = []
  for (let lane = 1; lane <= lanes; lane++) {
    const path = join(dir, `${sample}_L${String(lane).padStart(3, '0')}_R1_001.fastq.gz`)
    writeSparseFastqGz(path, bytesEach, lane)
    paths.push(path)
  }
  return paths
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
