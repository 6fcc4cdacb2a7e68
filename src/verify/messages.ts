import { formatBytes, formatCount } from '../shared/format.js'
import { displayPath } from '../shared/paths.js'
import type { Problem, SequenceFormat } from '../shared/types.js'
import type { ContentRule, Finding } from './findings.js'

/** A content problem of one file, in words. */
export interface ContentProblem {
  readonly rule: ContentRule
  /** Only `gzip-trailing-zeros` is a warning. */
  readonly severity: 'error' | 'warning'
  /** Absolute path of the file: for a lane, the lane file itself. */
  readonly file: string
  /**
   * Where it broke and the rule, without the file's name:
   * `line 40,004 (record 10,001): 149 quality characters for 150 bases`.
   */
  readonly detail: string
  readonly line?: number
  readonly record?: number
  /** Byte offset of the offending byte in the text (decompressed, for a gzip file). */
  readonly offset?: number
  /** Pairs: the mate's absolute path and both counts. */
  readonly mate?: string
  readonly reads?: number
  readonly mateReads?: number
}

/** A finding of the checkers on `file`, in words. */
export function contentProblem(
  finding: Finding,
  file: string,
  format: SequenceFormat
): ContentProblem {
  return {
    rule: finding.rule,
    severity: finding.rule === 'gzip-trailing-zeros' ? 'warning' : 'error',
    file,
    detail: describeFinding(finding, format),
    ...(finding.line !== undefined ? { line: finding.line } : {}),
    ...(finding.record !== undefined ? { record: finding.record } : {}),
    ...(finding.offset !== undefined ? { offset: finding.offset } : {})
  }
}

/**
 * The whole sentence, the file named relative to the workspace:
 * `reads/S1_R1_001.fastq.gz: line 40,004 (record 10,001): 149 quality characters for 150 bases`,
 * `reads/S3_R1_001.fastq.gz has 1,000,000 reads but its mate reads/S3_R2_001.fastq.gz has 999,998`.
 */
export function problemMessage(problem: ContentProblem, workspace: string): string {
  const file = displayPath(problem.file, workspace)
  if (problem.mate !== undefined)
    return `${file} has ${formatCount(problem.reads ?? 0)} reads but its mate ${displayPath(problem.mate, workspace)} has ${formatCount(problem.mateReads ?? 0)}`
  return `${file}${/^(holds|is) /.test(problem.detail) ? ' ' : ': '}${problem.detail}`
}

/** As a planning problem (a refused file's `failed` entry, an annotation on the file). */
export function toProblem(problem: ContentProblem, workspace: string): Problem {
  const file = displayPath(problem.file, workspace)
  return {
    message: problemMessage(problem, workspace),
    file,
    ...(problem.mate !== undefined ? { files: [file, displayPath(problem.mate, workspace)] } : {})
  }
}

/** `"A"` for a printable byte, `byte 0x00` for any other. */
function shown(byte: number | undefined): string {
  if (byte === undefined) return 'nothing'
  if (byte > 32 && byte < 127) return `"${String.fromCharCode(byte)}"`
  if (byte === 32) return 'a space'
  return `byte 0x${byte.toString(16).padStart(2, '0')}`
}

function where(finding: Finding): string {
  let text = finding.line !== undefined ? `line ${formatCount(finding.line)}` : ''
  if (finding.column !== undefined) text += `, column ${formatCount(finding.column)}`
  if (finding.record !== undefined) text += ` (record ${formatCount(finding.record)})`
  return text
}

function compressed(finding: Finding): string {
  const range =
    finding.from !== undefined && finding.to !== undefined && finding.to > finding.from
      ? `compressed bytes ${formatCount(finding.from)}–${formatCount(finding.to)}`
      : ''
  const output =
    finding.output !== undefined ? `after ${formatBytes(finding.output)} of output` : ''
  return [range, output].filter(Boolean).join(', ')
}

const RECORD_LINES = {
  header: 'header',
  sequence: 'sequence',
  separator: '"+"',
  quality: 'quality'
}

/** What the finding means, without the file's name. */
export function describeFinding(finding: Finding, format: SequenceFormat): string {
  const at = where(finding)
  switch (finding.rule) {
    case 'fastq-header':
      return `${at}: expected a record's header line, starting with "@", found ${shown(finding.byte)}`
    case 'fastq-blank-line':
      return `${at}: an empty line between records (a FASTQ record is four lines, with no empty lines)`
    case 'fastq-sequence':
      return `${at}: ${shown(finding.byte)} is not a base (a sequence line holds IUPAC letters, "." and "-")`
    case 'fastq-separator':
      return `${at}: expected the "+" line after the sequence, found ${shown(finding.byte)}`
    case 'fastq-quality':
      return `${at}: ${shown(finding.byte)} is not a quality character ("!" to "~")`
    case 'fastq-quality-length':
      return `${at}: ${formatCount(finding.found ?? 0)} quality characters for ${formatCount(finding.expected ?? 0)} bases`
    case 'fastq-truncated': {
      const part = finding.part ?? 'header'
      const counts =
        part === 'quality'
          ? `, ${formatCount(finding.found ?? 0)} of ${formatCount(finding.expected ?? 0)} quality characters`
          : ''
      return `the text ends inside record ${formatCount(finding.record ?? 0)} (line ${formatCount(finding.line ?? 0)}, its ${RECORD_LINES[part]} line${counts}): the file is truncated`
    }
    case 'fasta-header':
      return `${at}: a FASTA file starts with a header line beginning with ">", found ${shown(finding.byte)}`
    case 'fasta-sequence':
      return `${at}: ${shown(finding.byte)} is not a sequence letter (a sequence line holds IUPAC letters, "*" and "-")`
    case 'fasta-control':
      return `${at}: control ${shown(finding.byte)} in a header line`
    case 'line-too-long':
      return `${at}: a header line longer than ${formatBytes(finding.limit ?? 0)} (${formatCount(finding.limit ?? 0)} bytes): not ${format} text`
    case 'no-records':
      return `holds no ${format} records`
    case 'gzip-not-gzip':
      return `is not gzip data (${finding.zlib ?? 'no gzip header'}), though its name says gzip`
    case 'gzip-truncated':
      return finding.to === 0
        ? 'the file is empty: no gzip data'
        : `the gzip stream ends inside a member after ${formatBytes(finding.output ?? 0)} of output: the file is truncated`
    case 'gzip-damaged':
      return `the gzip data is damaged (${finding.zlib ?? 'zlib error'}; ${compressed(finding)}): the file is corrupt`
    case 'gzip-crc':
      return `a gzip member's CRC32 does not match its data (${compressed(finding)}): the file is corrupt`
    case 'gzip-length':
      return `a gzip member's length (ISIZE) does not match its data (${compressed(finding)}): the file is corrupt`
    case 'gzip-trailing-data':
      return finding.zlib === undefined
        ? `bytes after the last gzip member (from byte ${formatCount(finding.from ?? 0)}) are not gzip data: ${shown(finding.byte)} at byte ${formatCount(finding.to ?? 0)}`
        : `data that is not gzip follows a gzip member (${finding.zlib}; ${compressed(finding)}): trailing bytes or a damaged member`
    case 'gzip-trailing-zeros':
      return `${formatCount(finding.bytes ?? 0)} zero bytes follow the last gzip member (from byte ${formatCount(finding.from ?? 0)}); they are ignored`
    case 'pair-count':
    case 'interleaved-odd':
      return finding.rule
  }
}
