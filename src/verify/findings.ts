/**
 * What the content checks find, as plain data. The checkers run on worker threads, so a finding
 * carries numbers only (where, how many, which byte); the words are added on the main thread
 * (messages.ts), where the file's workspace-relative name is known.
 *
 * Types only: the worker-side modules import this file with `import type` (see worker-source.ts).
 */

/** The rule a file broke (or, for a warning, the rule it only just kept). */
export type ContentRule =
  // gzip
  | 'gzip-not-gzip'
  | 'gzip-truncated'
  | 'gzip-damaged'
  | 'gzip-crc'
  | 'gzip-length'
  | 'gzip-trailing-data'
  | 'gzip-trailing-zeros'
  // FASTQ
  | 'fastq-header'
  | 'fastq-blank-line'
  | 'fastq-sequence'
  | 'fastq-separator'
  | 'fastq-quality'
  | 'fastq-quality-length'
  | 'fastq-truncated'
  // FASTA
  | 'fasta-header'
  | 'fasta-sequence'
  | 'fasta-control'
  // both
  | 'line-too-long'
  | 'no-records'
  // a sample's files together
  | 'pair-count'
  | 'interleaved-odd'

/** Which line of a FASTQ record. */
export type FastqLine = 'header' | 'sequence' | 'separator' | 'quality'

/** One finding of a checker. Every field but `rule` is optional: each rule uses its own. */
export interface Finding {
  readonly rule: ContentRule
  /** 1-based line of the (decompressed) text. */
  readonly line?: number
  /** 1-based record (FASTQ: the record the line belongs to; FASTA: the `>` record). */
  readonly record?: number
  /** 1-based column of the offending byte in its line. */
  readonly column?: number
  /** 0-based byte offset of the offending byte in the text (decompressed for gzip). */
  readonly offset?: number
  /** The offending byte's value. */
  readonly byte?: number
  /** FASTQ: which line of the record. */
  readonly part?: FastqLine
  /** Lengths compared: quality characters found for `expected` bases. */
  readonly expected?: number
  readonly found?: number
  /** gzip: bytes of output produced when the problem showed. */
  readonly output?: number
  /** gzip: the compressed bytes being inflated when it showed: [from, to) of the file. */
  readonly from?: number
  readonly to?: number
  /** gzip trailing bytes: how many follow the last member. */
  readonly bytes?: number
  /** zlib's own words (`invalid distance too far back`). */
  readonly zlib?: string
  /** line-too-long: the limit. */
  readonly limit?: number
}

/** What checking one segment (a file, or one lane file of a merged source) found. */
export interface SegmentFindings {
  /** Records (FASTQ) or `>` records (FASTA). */
  readonly reads: number
  /** Sequence letters. */
  readonly bases: number
  /** The first problem; absent when the segment passed. */
  readonly error?: Finding
  readonly warnings: readonly Finding[]
}
