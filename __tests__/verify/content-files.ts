/** Test files for the content checks, generated (deterministic), never copied from elsewhere. */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Compression, SequenceFormat } from '../../src/shared/types.js'
import type { ScanSource } from '../../src/verify/scan.js'

/** A deterministic stream of numbers (xorshift32). */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
}

/** FASTQ records `first`..`first + count - 1` of `length` bases (Illumina-like headers). */
export function fastqRecords(count: number, length = 150, seed = 1, first = 1): string {
  const next = random(seed)
  const parts: string[] = []
  const base = Buffer.alloc(length)
  const score = Buffer.alloc(length)
  const BASES = Buffer.from('ACGT')
  const SCORES = Buffer.from('FF:,F#')
  for (let i = first; i < first + count; i++) {
    for (let j = 0; j < length; j++) {
      const r = next()
      base[j] = BASES[r & 3]
      score[j] = SCORES[(r >>> 8) % 6]
    }
    const bases = base.toString('latin1')
    const quality = score.toString('latin1')
    parts.push(
      `@M00001:12:000000000-ABCDE:1:1101:${i}:${1000 + (i % 977)} 1:N:0:ACGT\n${bases}\n+\n${quality}\n`
    )
  }
  return parts.join('')
}

export function fastaRecords(count: number, length = 200, seed = 2): string {
  const next = random(seed)
  const LETTERS = Buffer.from('ACGTN')
  const parts: string[] = []
  for (let i = 1; i <= count; i++) {
    const letters = Buffer.alloc(length)
    for (let j = 0; j < length; j++) letters[j] = LETTERS[next() % 5]
    const text = letters.toString('latin1')
    let lines = ''
    for (let at = 0; at < length; at += 60) lines += `${text.slice(at, at + 60)}\n`
    parts.push(`>contig_${i} length=${length}\n${lines}`)
  }
  return parts.join('')
}

export const gzip = (content: string | Buffer, level = 6): Buffer =>
  gzipSync(typeof content === 'string' ? Buffer.from(content) : content, { level })

/** A temporary directory that tests write real files into. */
export function scratch(): {
  dir: string
  write: (name: string, content: string | Buffer) => string
  remove: () => void
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'ocu-verify-'))
  return {
    dir,
    write(name, content) {
      const file = path.join(dir, name)
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, content)
      return file
    },
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** A source of the given files (segments in order), format and compression from the first name. */
export function sourceOf(...files: string[]): ScanSource {
  const name = files[0].toLowerCase()
  const compression: Compression = name.endsWith('.gz') ? 'gzip' : 'none'
  const format: SequenceFormat = /\.(fa|fasta|fna)(\.gz)?$/.test(name) ? 'FASTA' : 'FASTQ'
  return {
    segments: files.map(file => ({ path: file, size: statSync(file).size })),
    format,
    compression
  }
}
