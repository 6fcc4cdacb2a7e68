import { open } from 'node:fs/promises'
import * as path from 'node:path'
import * as zlib from 'node:zlib'
import {
  FASTA_EXTENSIONS,
  FASTQ_EXTENSIONS,
  FILENAME_PATTERN,
  GZIP_SUFFIXES,
  MAX_OBJECT_BYTES
} from '../contract/spec.js'
import { describeSize } from '../shared/format.js'
import { fsErrorText } from '../shared/paths.js'
import type { Compression, Problem, Source, SequenceFormat } from '../shared/types.js'

/** How many bytes of each file (and of each gzip file's decompressed stream) are looked at. */
export const HEAD_BYTES = 64 * 1024

/** Every accepted ending, for messages: `.fa, .fasta, ... (each optionally followed by .gz or .gzip)`. */
export const ACCEPTED_ENDINGS = `${[...FASTA_EXTENSIONS, ...FASTQ_EXTENSIONS].join(', ')} (each optionally followed by ${GZIP_SUFFIXES.join(' or ')})`

/** A filename split into its stem and its accepted sequence extension. */
export interface Extension {
  /** The name without `extension`. */
  readonly stem: string
  /** The whole accepted ending, e.g. `.fastq.gz`. */
  readonly extension: string
  readonly format: SequenceFormat
  readonly compression: Compression
}

/**
 * Splits `filename` at its accepted ending, or returns undefined when it has none. Endings are
 * matched case-insensitively (`X.FASTQ.GZ`); `extension` keeps the name's own spelling.
 */
export function parseExtension(filename: string): Extension | undefined {
  const lower = filename.toLowerCase()
  const gzip = GZIP_SUFFIXES.find(suffix => lower.endsWith(suffix))
  const inner = gzip ? lower.slice(0, -gzip.length) : lower
  const kinds: [SequenceFormat, readonly string[]][] = [
    ['FASTA', FASTA_EXTENSIONS],
    ['FASTQ', FASTQ_EXTENSIONS]
  ]
  for (const [format, endings] of kinds) {
    const ending = endings.find(e => inner.endsWith(e))
    if (ending === undefined) continue
    const length = ending.length + (gzip?.length ?? 0)
    return {
      stem: filename.slice(0, -length),
      extension: filename.slice(-length),
      format,
      compression: gzip ? 'gzip' : 'none'
    }
  }
  return undefined
}

/**
 * What kind of file a name is, for the notice about skipped files: its last extension in lower
 * case (`.md5`, `.json`), or `no extension`.
 */
export function fileKind(filename: string): string {
  const dot = filename.lastIndexOf('.')
  return dot <= 0 || dot === filename.length - 1
    ? 'no extension'
    : filename.slice(dot).toLowerCase()
}

/**
 * True when a name looks like FASTA/FASTQ, even with a compression or case One Codex does not
 * take (`x.fq.bz2`): such a file is meant as a sample, so it is checked, never skipped.
 */
export function looksLikeSequence(filename: string): boolean {
  const lower = filename.toLowerCase()
  if (parseExtension(lower)) return true
  const inner = lower.replace(/\.(bz2|bzip2|xz|zst|zstd|zip|lz4|7z|rar|tar|z)$/, '')
  return inner !== lower && parseExtension(inner) !== undefined
}

// Characters the spec's filename pattern allows anywhere (ECMAScript \w is ASCII only).
const ALLOWED_CHAR = /[\w\-.[\](){} ]/

/** Why `filename` breaks the spec's filename pattern, or undefined when it matches. */
export function filenameViolation(filename: string): string | undefined {
  if (FILENAME_PATTERN.test(filename)) return undefined
  const bad = [...new Set([...filename].filter(c => !ALLOWED_CHAR.test(c)))]
  const rule =
    'One Codex accepts only ASCII letters, digits, "_", "-", ".", "[", "]", "(", ")", "{", "}" and spaces, ' +
    'starting with a letter, digit, "_" or "." and ending in an extension ' +
    `(pattern ${FILENAME_PATTERN.source})`
  if (bad.length > 0) {
    const shown = bad.map(c => (/\s|\p{C}/u.test(c) ? escapeChar(c) : `"${c}"`)).join(', ')
    return `filename "${filename}" contains characters that are not allowed: ${shown}. ${rule}.`
  }
  return `filename "${filename}" does not match the filename rule: ${rule}.`
}

function escapeChar(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}

/** Why `filename` has no accepted ending (with a hint for common mistakes). */
export function extensionViolation(filename: string): string {
  let hint = ''
  const lower = filename.toLowerCase()
  if (/\.(bz2|bzip2|xz|zst|zstd|zip|lz4|7z|rar|tar|z)$/.test(lower)) {
    const ending = lower.slice(lower.lastIndexOf('.'))
    hint = ` ${ending} compression is not accepted: decompress it and recompress with gzip.`
  }
  return `"${filename}" does not end in an accepted extension: ${ACCEPTED_ENDINGS}.${hint}`
}

/** Why `size` is outside 1 byte .. 20 GB, or undefined when it is fine. */
export function sizeViolation(size: number): string | undefined {
  if (size < 1) return 'is empty (0 bytes): One Codex needs at least 1 byte per file.'
  if (size > MAX_OBJECT_BYTES) {
    return `is ${describeSize(size)}: larger than ${describeSize(MAX_OBJECT_BYTES)}, the largest object S3 stores (even in 10,000 parts).`
  }
  return undefined
}

/** Known magic numbers, to say what a file is when it is not what its name claims. */
const MAGICS: [string, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]]
]

function magicOf(head: Buffer): string | undefined {
  return MAGICS.find(([, bytes]) => bytes.every((b, i) => head[i] === b))?.[0]
}

/** The outcome of looking at a file's first bytes. */
export type Sniff = { format: SequenceFormat } | { reason: string }

/**
 * Decides from a file's first bytes whether it is FASTA or FASTQ (gzip-compressed when
 * `compression` says so). `head` may be cut anywhere: only the decompressed head is checked.
 */
export async function sniffHead(head: Buffer, compression: Compression): Promise<Sniff> {
  const magic = magicOf(head)
  let text = head
  if (compression === 'gzip') {
    if (magic !== 'gzip') {
      const what = magic
        ? `it looks ${magic}-compressed`
        : startOfRecord(head)
          ? 'it looks like uncompressed text (drop the .gz/.gzip ending, or gzip the file)'
          : `it starts with ${describeBytes(head)}`
      return { reason: `does not start with the gzip magic bytes 1f 8b: ${what}.` }
    }
    try {
      text = await gunzipHead(head, HEAD_BYTES)
    } catch (error) {
      return { reason: `is not valid gzip data: ${(error as Error).message}.` }
    }
    if (text.length === 0) return { reason: 'decompresses to nothing: it holds no record.' }
  } else if (magic) {
    const fix = magic === 'gzip' ? 'add .gz to its name' : 'decompress it, or recompress with gzip'
    return { reason: `is ${magic}-compressed but its name has no .gz/.gzip ending: ${fix}.` }
  }

  const nul = text.indexOf(0)
  if (nul >= 0) {
    return {
      reason: `holds binary data (a NUL byte at offset ${nul}${compression === 'gzip' ? ' after decompression' : ''}), not FASTA/FASTQ text.`
    }
  }
  const first = startOfRecord(text)
  if (first === '>') return { format: 'FASTA' }
  if (first === '@') return { format: 'FASTQ' }
  if (first === undefined) return { reason: 'holds only whitespace: no FASTA/FASTQ record.' }
  return {
    reason: `starts with ${describeBytes(text.subarray(recordStart(text)))} instead of ">" (FASTA) or "@" (FASTQ).`
  }
}

/** The first character after an optional UTF-8 BOM and whitespace; undefined if none. */
function startOfRecord(buf: Buffer): string | undefined {
  const i = recordStart(buf)
  return i < buf.length ? String.fromCharCode(buf[i]) : undefined
}

/** Index of the first byte after an optional UTF-8 BOM and whitespace. */
function recordStart(buf: Buffer): number {
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
  while (i < buf.length && [0x20, 0x09, 0x0d, 0x0a, 0x0b, 0x0c].includes(buf[i])) i++
  return i
}

function describeBytes(buf: Buffer): string {
  const start = buf.subarray(0, 8)
  const printable = [...start].every(b => b >= 0x20 && b < 0x7f)
  return printable
    ? `"${start.toString('latin1')}"`
    : `bytes ${[...start.subarray(0, 4)].map(b => b.toString(16).padStart(2, '0')).join(' ')}`
}

/** Decompresses the start of a (possibly cut) gzip stream, up to `limit` bytes of output. */
export function gunzipHead(compressed: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH })
    const chunks: Buffer[] = []
    let total = 0
    let settled = false
    const finish = (): void => {
      if (settled) return
      settled = true
      gunzip.destroy()
      resolve(Buffer.concat(chunks).subarray(0, limit))
    }
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      total += chunk.length
      if (total >= limit) finish()
    })
    gunzip.on('end', finish)
    gunzip.on('error', error => {
      if (settled) return
      settled = true
      reject(error)
    })
    gunzip.end(compressed)
  })
}

async function readHead(file: string, size: number): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(Math.min(size, HEAD_BYTES))
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** A checked file: a Source when every rule passed, and the problems found otherwise. */
export interface FileCheck {
  readonly file?: Source
  readonly problems: readonly Problem[]
}

/**
 * Applies every per-file rule to one discovered file: filename pattern, accepted ending, size
 * (1 byte .. 20 GB) and content (gzip magic, FASTA/FASTQ start, kind matching the ending).
 * `display` is the path used in messages and annotations. Never throws.
 */
export async function checkFile(file: string, size: number, display: string): Promise<FileCheck> {
  const filename = path.basename(file)
  const problems: Problem[] = []
  const fail = (message: string): void => {
    problems.push({ message: `${display}: ${message}`, file: display })
  }

  const badName = filenameViolation(filename)
  if (badName) fail(badName)
  const ext = parseExtension(filename)
  if (!ext) fail(extensionViolation(filename))
  const badSize = sizeViolation(size)
  if (badSize) fail(`the file ${badSize}`)

  if (ext && size > 0) {
    let sniff: Sniff
    try {
      sniff = await sniffHead(await readHead(file, size), ext.compression)
    } catch (error) {
      sniff = { reason: `cannot be read: ${fsErrorText(error, file, display)}.` }
    }
    if ('reason' in sniff) {
      fail(`the content ${sniff.reason}`)
    } else if (sniff.format !== ext.format) {
      fail(
        `the content is ${sniff.format} (starts with "${sniff.format === 'FASTA' ? '>' : '@'}") but the ending ${ext.extension} says ${ext.format}: rename it with a ${sniff.format} ending.`
      )
    }
  }

  if (problems.length > 0 || !ext) return { problems }
  return {
    file: Object.freeze({
      path: file,
      filename,
      size,
      segments: Object.freeze([Object.freeze({ path: file, size })]),
      format: ext.format,
      compression: ext.compression
    }),
    problems
  }
}
