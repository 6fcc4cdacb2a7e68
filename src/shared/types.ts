import type { IfNoFilesFound, UploadMethod } from './constants.js'

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
  /** auto: standard unless a file is over 5 GB; standard or multipart: every sample. */
  readonly uploadMethod: UploadMethod
  /** Directory the patterns are relative to (GITHUB_WORKSPACE or cwd). */
  readonly workspace: string
}

export type SequenceFormat = 'FASTA' | 'FASTQ'
export type Compression = 'none' | 'gzip'

/** One file on disk, read whole as part of a source. */
export interface Segment {
  /** Absolute path. */
  readonly path: string
  readonly size: number
}

/**
 * What One Codex receives as one file: ordered segments (a single file, or lane files back to
 * back) sent under one name. Every reader streams the segments in order, so lanes, parts and
 * retries need no special cases.
 */
export interface Source {
  /** Absolute path of the first segment: how the source is named in messages and outputs. */
  readonly path: string
  /** Sent as `filename` / `paired_end_filename` (the merged name for lanes). */
  readonly filename: string
  /** Sum of the segments' sizes. */
  readonly size: number
  readonly segments: readonly Segment[]
  readonly format: SequenceFormat
  readonly compression: Compression
}

/** How a sample's files travel: one form POST per file, or an S3 multipart upload. */
export type Route = 'standard' | 'multipart'

/** One sample to upload: a single source, or an R1 source with its R2 mate. */
export interface Sample {
  readonly file: Source
  readonly mate?: Source
  /** Chosen at planning; the upload stage does not re-decide. Default 'standard'. */
  readonly route?: Route
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
  /** The sample One Codex created before the failure (it was cancelled). */
  sample_id?: string
}
