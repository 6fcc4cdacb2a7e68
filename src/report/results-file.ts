/**
 * The complete record of a run, written as JSON to a file under RUNNER_TEMP (os.tmpdir() off a
 * runner) whatever its size, and given as the `results-file` output: the outputs and the job
 * summary are bounded by GitHub's limits, this file is not. A later step reads it, or uploads it
 * as an artifact. It holds no secret: every message in it was scrubbed before it got here.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { FailedSample, Problem, UploadedSample } from '../shared/types.js'

/** Bumped when a field changes meaning or goes away (adding fields keeps it). */
export const RESULTS_FILE_VERSION = 1

export type RunOutcome =
  /** Every planned sample ended confirmed (or already in One Codex). */
  | 'uploaded'
  /** At least one sample did not end confirmed, or (wait-for-analysis) an analysis did not complete. */
  | 'failed'
  /** Inputs or files broke a rule: nothing was sent. */
  | 'refused'
  /** dry-run: planned and checked, nothing was sent. */
  | 'dry-run'
  /** No file matched (if-no-files-found warn or ignore). */
  | 'nothing to upload'

/** An account-level stop: the one cause, naming the input to check. */
export interface StopRecord {
  readonly input: string
  readonly message: string
}

export interface Totals {
  /** Planned samples (this job's share of them). */
  readonly samples: number
  readonly confirmed: number
  /** Of `confirmed`: already in One Codex, nothing sent (skip-existing). */
  readonly existing: number
  readonly failed: number
  readonly cancelled: number
  readonly not_attempted: number
  /** Files refused at planning. */
  readonly refused: number
}

/** A planned sample, as a dry run lists it. */
export interface PlannedRecord {
  readonly path: string
  readonly filename: string
  readonly size: number
  readonly paired_end_path?: string
  readonly paired_end_filename?: string
  readonly paired_end_size?: number
  /** validate full: what the dry run's check counted. */
  readonly reads?: number
  readonly bases?: number
  readonly paired_end_reads?: number
  readonly paired_end_bases?: number
  readonly route: string
}

export interface ResultsRecord {
  readonly version: number
  readonly outcome: RunOutcome
  /** Origin of api-url. */
  readonly api_url: string
  readonly totals: Totals
  /** When the job is one shard of a matrix, what it covers: "shard 2/8: 13 of 97 samples". */
  readonly scope?: string
  readonly stopped?: StopRecord
  readonly sample_ids: readonly string[]
  readonly samples: readonly UploadedSample[]
  readonly failed: readonly FailedSample[]
  /** Every problem found before upload (inputs and files), as printed. */
  readonly problems: readonly Problem[]
  readonly warnings: readonly Problem[]
  /** dry-run: what would be uploaded. */
  readonly planned?: readonly PlannedRecord[]
  /** dry-run: the `plan` output, whole (the output itself may be cut to fit GitHub's limit). */
  readonly plan?: readonly unknown[]
  /** wait-for-analysis: the `analyses` output, whole. */
  readonly analyses?: readonly unknown[]
}

/** The directory the file goes to: RUNNER_TEMP on a runner, the OS temp dir elsewhere. */
export function resultsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const runnerTemp = env.RUNNER_TEMP?.trim()
  return runnerTemp ? runnerTemp : tmpdir()
}

/**
 * Writes `record` to a new file `onecodex-upload-<random>.json` (unique: a job may run the
 * action more than once) and returns its absolute path.
 */
export async function writeResultsFile(
  record: ResultsRecord,
  directory: string = resultsDirectory()
): Promise<string> {
  await mkdir(directory, { recursive: true })
  const file = path.resolve(directory, `onecodex-upload-${randomBytes(6).toString('hex')}.json`)
  await writeFile(file, `${JSON.stringify(record, null, 1)}\n`, { flag: 'wx' })
  return file
}
