import type { IfNoFilesFound, LanesMode, UploadMethod, Validate } from './constants.js'

/** A problem found while reading inputs or planning. `file` (a path) makes it a file annotation. */
export interface Problem {
  /** Full sentence naming the file (if any) and the rule that was broken. */
  readonly message: string
  readonly file?: string
  /**
   * Every file the problem concerns when that is more than `file` (display paths, `file`
   * included), e.g. all files of a name clash: each is reported as refused.
   */
  readonly files?: readonly string[]
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
  /**
   * `full` (default): every byte of every file checked while it streams, the sample confirmed
   * only once its files passed (a dry run checks them all); `head`: planning's checks only.
   */
  readonly validate?: Validate
  /** Directory the patterns are relative to (GITHUB_WORKSPACE or cwd). */
  readonly workspace: string
  /** Skip planned samples One Codex already holds (same filename, size, project; not awaiting data). */
  readonly skipExisting?: boolean
  /** This job's share of the planned samples (`shard: k/n`); unset: every sample. */
  readonly shard?: Shard
  /** `merge` (default): lane files of one sample become one source; `separate`: one sample each. */
  readonly lanes?: LanesMode
  /** The `sample-sheet` input as given (a CSV/TSV path relative to the workspace). */
  readonly sampleSheet?: string
  /** Upload each file as `<parent dir>_<file name>`. Default false. */
  readonly prefixWithDir?: boolean
  /** After the uploads, wait for One Codex's analysis of every sample of the run. Default false. */
  readonly waitForAnalysis?: boolean
  /** How long that wait may take at most (`analysis-timeout`), in ms. Default 60 min. */
  readonly analysisTimeoutMs?: number
}

/** `shard: k/n`: this job is shard `index` of `count` (1 ≤ index ≤ count ≤ 256). */
export interface Shard {
  readonly index: number
  readonly count: number
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

/** What the content check of `validate: full` counted in a file (or merged lanes). */
export interface FileCounts {
  /** Records (FASTQ) or `>` records (FASTA). */
  readonly reads: number
  /** Sequence letters. */
  readonly bases: number
}

/**
 * How an upload lets a reader that follows it (the scan that hashes and checks the file) keep
 * pace: `allow` as the upload reads up to byte `limit`, and wait on `lagBehind` before reading
 * from `offset` (it rejects once the file is known to be bad: stop sending).
 */
export interface ReadPace {
  allow(limit: number): void
  lagBehind(offset: number): Promise<void>
}

/** How a sample's files travel: one form POST per file, or an S3 multipart upload. */
export type Route = 'standard' | 'multipart'

/**
 * A sample's own init fields (from its sample-sheet row). `metadata` fields override the
 * run-wide `metadata` input (`custom` key by key), `tags` are added to the `tags` input's,
 * `project` overrides the `project` input.
 */
export interface SampleInit {
  readonly metadata?: { readonly [key: string]: Json }
  readonly tags?: readonly string[]
  readonly project?: string
}

/** One sample to upload: a single source, or an R1 source with its R2 mate. */
export interface Sample {
  readonly file: Source
  readonly mate?: Source
  /** Chosen at planning; the upload stage does not re-decide. Default 'standard'. */
  readonly route?: Route
  /** Per-sample init fields (sample sheet); absent: the run-wide inputs only. */
  readonly init?: SampleInit
}

/** The outcome of planning: samples to upload when `problems` is empty. */
export interface Plan {
  readonly samples: readonly Sample[]
  readonly problems: readonly Problem[]
  /** Non-fatal notes (ambiguous lone `_1` file, no files with if-no-files-found=warn...). */
  readonly warnings: readonly Problem[]
  /** Informational lines (`::notice`), e.g. the non-sequence files a wildcard matched and skipped. */
  readonly notices?: readonly Problem[]
  /**
   * Only when `problems` is not empty: the samples that broke no rule themselves but are not
   * sent because others did (reported in `failed` as "not attempted").
   */
  readonly heldBack?: readonly Sample[]
  /**
   * Only when `problems` is not empty: files (display paths) that broke no rule themselves but
   * belong to a sample that could not be planned because another of its files did (a pair's
   * mate, the other lanes of a group); reported in `failed` as "not attempted".
   */
  readonly heldBackFiles?: readonly string[]
}

/** One confirmed sample, as reported in the `samples` output. */
export interface UploadedSample {
  sample_id: string
  path: string
  filename: string
  size: number
  /** Of the bytes sent; absent for a sample skipped as already in One Codex (`existing`). */
  sha256?: string
  paired_end_path?: string
  paired_end_filename?: string
  paired_end_size?: number
  paired_end_sha256?: string
  /** validate full: records and sequence letters of the file (the lanes summed). */
  reads?: number
  bases?: number
  paired_end_reads?: number
  paired_end_bases?: number
  /** Every lane file of a lane-merged `filename`, in the order sent (only for merged lanes). */
  paths?: string[]
  /** Every lane file of a lane-merged `paired_end_filename`. */
  paired_end_paths?: string[]
  /** How the files travelled: `standard` (form POST) or `multipart` (S3 multipart upload). */
  route?: Route
  /** True when skip-existing found the sample already in One Codex: nothing was sent. */
  existing?: true
  /**
   * How it ended when not plainly: "the job was cancelled after this sample completed" (One
   * Codex had completed it before the cancellation reached it; no `sha256` then).
   */
  note?: string
}

/** One sample that did not end confirmed, as reported in the `failed` output. */
export interface FailedSample {
  path: string
  error: string
  /** The sample One Codex created before the failure (it was cancelled). */
  sample_id?: string
  /** The R2 mate of a pair. */
  paired_end_path?: string
  /** Every lane file of merged lanes (the first is `path`), as in `samples`. */
  paths?: string[]
  /** Every lane file of the merged R2 mate (the first is `paired_end_path`). */
  paired_end_paths?: string[]
  /**
   * `failed` (default when absent): tried and failed; `cancelled`: the job was cancelled while
   * it was in flight; `not attempted`: never started (job cancelled, or the run stopped early);
   * `refused`: the file broke a rule at planning (see `rule`), so nothing was sent.
   */
  status?: FailureStatus
  /** Whether cancel_upload cleaned up `sample_id` on One Codex (absent when none was created). */
  sample_cancelled?: boolean
  /**
   * The rule the file broke, as the message words it without the file's name: planning's rules
   * (`refused`), and the content check's (`failed`: the file was sent, its sample cancelled).
   */
  rule?: string
}

export type FailureStatus = 'failed' | 'cancelled' | 'not attempted' | 'refused'
