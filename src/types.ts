import type { IfNoFilesFound } from './constants.js'

/** A problem found while reading inputs or planning. `file` (a path) makes it a file annotation. */
export interface Problem {
  /** Full sentence naming the file (if any) and the rule that was broken. */
  readonly message: string
  readonly file?: string
}

/** A JSON value as it appears in init_upload's `metadata`. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** One typed settings object built from the action's inputs (see input-helper.ts). */
export interface Settings {
  readonly apiKey: string
  /** Non-empty, non-comment lines of `files` (trimmed; `!` kept for excludes). */
  readonly patterns: readonly string[]
  readonly metadata?: { readonly [key: string]: Json }
  readonly project?: string
  /** Trimmed, de-duplicated tag names. */
  readonly tags: readonly string[]
  readonly paired: boolean
  readonly interleaved?: boolean
  readonly sampleId?: string
  readonly externalSampleId?: string
  /** Base URL without a trailing slash. */
  readonly apiUrl: string
  readonly concurrency: number
  readonly maxAttempts: number
  readonly ifNoFilesFound: IfNoFilesFound
  readonly dryRun: boolean
  /** Directory the patterns are relative to (GITHUB_WORKSPACE or cwd). */
  readonly workspace: string
}

export type SequenceFormat = 'FASTA' | 'FASTQ'
export type Compression = 'none' | 'gzip'

/** A validated file on disk. */
export interface SampleFile {
  /** Absolute path. */
  readonly path: string
  /** Basename, sent as `filename` / `paired_end_filename`. */
  readonly filename: string
  readonly size: number
  readonly format: SequenceFormat
  readonly compression: Compression
}

/** One sample to upload: a single file, or an R1 file with its R2 mate. */
export interface Sample {
  readonly file: SampleFile
  readonly mate?: SampleFile
}

/** The outcome of planning: samples to upload when `problems` is empty. */
export interface Plan {
  readonly samples: readonly Sample[]
  readonly problems: readonly Problem[]
  /** Non-fatal notes (ambiguous lone `_1` file, no files with if-no-files-found=warn...). */
  readonly warnings: readonly Problem[]
}

/** One confirmed sample, as reported in the `samples` output. */
export interface UploadedSample {
  sample_id: string
  path: string
  filename: string
  size: number
  sha256: string
  paired_end_path?: string
  paired_end_filename?: string
  paired_end_size?: number
  paired_end_sha256?: string
}

/** One sample that did not end confirmed, as reported in the `failed` output. */
export interface FailedSample {
  path: string
  error: string
}
