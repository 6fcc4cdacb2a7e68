/**
 * A FASTQ.gz with real content for the content-check figures: it inflates and parses like a
 * sequencer's file (the sparse files of the other sections are a gzip member and a hole).
 *
 * Deterministic, generated once and cached in bench/work/cache/ (gitignored, kept between runs),
 * under a name that carries CONTENT_FIXTURE_VERSION and the size: change the generator, bump the
 * version, and the next run writes a new file.
 *
 * Content, Illumina-like:
 * - headers `@A00953:512:HWHGVDSX3:<lane>:<tile>:<x>:<y> 1:N:0:<i7>+<i5>`, tiles in order, y
 *   rising within a tile, one index pair with a 1-in-64 one-mismatch variant;
 * - 151 bases, uniform ACGT with about one N in 256 (and a 1-in-8 N at cycle 6, as after a
 *   bubble), quality `#` at an N;
 * - qualities from a binned alphabet (`E/A6<`, mostly `E`) in runs: each cycle keeps the
 *   previous score with probability 160/256, the first five cycles are `A`.
 * That compresses 3.7-3.8x with gzip -6 (measured: 268,435,578 bytes to 71,196,572 with GNU
 * gzip 1.12 -6), like real HiSeq/NextSeq output (NovaSeq's 4-bin qualities compress further).
 *
 * Size and time: UNIQUE_MEMBERS distinct gzip members of MEMBER_TEXT_BYTES of text each
 * (~17 MiB of gzip), compressed at level 6 on the thread pool (two at once) while the next text
 * is made, then written in turn until the file holds at least `gzipBytes`: 512 MiB of gzip is
 * 4 distinct members written 8 times (31 members, like concatenated lanes). Inflating and
 * checking cost the same for a repeated member as for a new one (no state crosses a member), and
 * generation stays at 4 x 64 MiB of deflate -6, once: measured 87 s for 8 members on this
 * 2-core machine at 98 % busy with other work, so about 45 s for 4 under such load and less
 * than half of that on a quiet machine, instead of several minutes for 2 GiB of distinct text.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync
} from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { ROOT } from './action-runner.js'
import { log, MiB } from './config.js'

/** Bump when the content or the layout changes: the cached file is regenerated. */
export const CONTENT_FIXTURE_VERSION = 1
const UNIQUE_MEMBERS = 4
const MEMBER_TEXT_BYTES = 64 * MiB
export const CACHE_DIR = join(ROOT, 'bench', 'work', 'cache')

export interface ContentFixture {
  readonly path: string
  /** Bytes of the file (gzip). */
  readonly bytes: number
  /** Bytes of FASTQ text it inflates to. */
  readonly textBytes: number
  readonly reads: number
  readonly bases: number
  /** Seconds it took to generate now; 0 when the cached file was used. */
  readonly generatedS: number
}

/** One member's text: about `bytes` of whole records, deterministic for `seed`. */
export function fastqText(
  bytes: number,
  seed: number
): { text: Buffer; reads: number; bases: number } {
  let state = (seed * 0x9e3779b1) >>> 0 || 1
  const next = (): number => {
    // xorshift32
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
  const text = Buffer.allocUnsafe(bytes + 1024)
  const BASES = [65, 67, 71, 84]
  const SCORES = Buffer.from('E/A6<EEAEEE')
  const LENGTH = 151
  const lane = 1 + (seed % 4)
  let tile = 1101 + (seed % 8) * 100
  let y = 1000
  let at = 0
  let reads = 0
  const put = (s: string): void => {
    at += text.write(s, at, 'latin1')
  }
  while (at + 512 < bytes) {
    y += 1 + (next() % 40)
    if (y > 37000) {
      y = 1000
      tile++
    }
    const x = 1000 + (next() % 31000)
    const index = (next() & 63) === 0 ? 'GATCAGTT+ACGTTCGA' : 'GATCAGAT+ACGTTCGA'
    put(`@A00953:512:HWHGVDSX3:${lane}:${tile}:${x}:${y} 1:N:0:${index}\n`)
    const sequence = at
    for (let i = 0; i < LENGTH; i++) {
      const r = next()
      text[at++] = (i === 5 && (r & 7) === 0) || r >>> 24 === 0 ? 78 : BASES[r & 3]
    }
    text[at++] = 10
    text[at++] = 43
    text[at++] = 10
    let score = 65
    for (let i = 0; i < LENGTH; i++) {
      if (text[sequence + i] === 78) {
        text[at++] = 35
        continue
      }
      if (i < 5) {
        text[at++] = 65
        continue
      }
      const r = next()
      if ((r & 255) >= 160) score = SCORES[(r >>> 8) % SCORES.length]
      text[at++] = score
    }
    text[at++] = 10
    reads++
  }
  return { text: text.subarray(0, at), reads, bases: reads * LENGTH }
}

const gzipAsync = promisify(gzip)

/**
 * The cached fixture of at least `gzipBytes`, generated first when missing. Its counts are
 * kept in a `.json` beside it, so a cached file needs no pass to know them.
 */
export async function contentFixture(gzipBytes: number): Promise<ContentFixture> {
  mkdirSync(CACHE_DIR, { recursive: true })
  const name = `content-v${CONTENT_FIXTURE_VERSION}-${Math.round(gzipBytes / MiB)}MiB.fastq.gz`
  const path = join(CACHE_DIR, name)
  const sidecar = `${path}.json`
  if (existsSync(path) && existsSync(sidecar)) {
    const counts = JSON.parse(readFileSync(sidecar, 'utf8')) as Omit<
      ContentFixture,
      'path' | 'generatedS'
    >
    if (statSync(path).size === counts.bytes) return { path, ...counts, generatedS: 0 }
  }
  const started = Date.now()
  log(`content fixture: generating ${name} (once; cached in bench/work/cache/)...`)
  // Two members compress at once (the thread pool, both cores) while the next text is made.
  const members: { gz: Buffer; textBytes: number; reads: number; bases: number }[] = []
  const inFlight: Promise<void>[] = []
  // Members are about 17 MiB of gzip each: a small file needs fewer distinct ones.
  const unique = Math.min(UNIQUE_MEMBERS, Math.ceil(gzipBytes / (16 * MiB)))
  for (let i = 0; i < unique; i++) {
    const { text, reads, bases } = fastqText(MEMBER_TEXT_BYTES, i + 1)
    inFlight.push(
      gzipAsync(text, { level: 6 }).then(gz => {
        members[i] = { gz, textBytes: text.length, reads, bases }
      })
    )
    if (inFlight.length >= 2) await inFlight.shift()
  }
  await Promise.all(inFlight)
  const partial = `${path}.partial`
  const fd = openSync(partial, 'w')
  let bytes = 0
  let textBytes = 0
  let reads = 0
  let bases = 0
  try {
    for (let i = 0; bytes < gzipBytes; i = (i + 1) % members.length) {
      const member = members[i]
      writeSync(fd, member.gz)
      bytes += member.gz.length
      textBytes += member.textBytes
      reads += member.reads
      bases += member.bases
    }
  } finally {
    closeSync(fd)
  }
  renameSync(partial, path)
  const counts = { bytes, textBytes, reads, bases }
  writeFileSync(sidecar, `${JSON.stringify(counts)}\n`)
  const generatedS = (Date.now() - started) / 1000
  log(
    `content fixture: ${(bytes / MiB).toFixed(0)} MiB of gzip, ${(textBytes / bytes).toFixed(2)}x, ` +
      `${reads} reads, in ${generatedS.toFixed(1)} s`
  )
  return { path, ...counts, generatedS }
}
