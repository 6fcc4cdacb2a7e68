/**
 * What the upload stage hands to the report: one outcome per planned sample. Its own module so
 * that the uploader and the modules it calls (skip-existing, cancel) share it without importing
 * each other.
 */
import type {
  FailedSample,
  FailureStatus,
  FileCounts,
  Sample,
  UploadedSample
} from '../shared/types.js'
import type { AccountIssue } from '../shared/upload-error.js'

export type SampleOutcome =
  | { ok: true; sample: UploadedSample; durationMs: number }
  | {
      ok: false
      failure: FailedSample
      durationMs: number
      /** The failure was the account-level one that stopped the run (`UploadResults.stopped`). */
      accountLevel?: boolean
    }

export interface UploadResults {
  /** One entry per planned sample, in plan order: the confirmed sample or its failure. */
  readonly outcomes: readonly SampleOutcome[]
  /** True when the job was cancelled (SIGINT/SIGTERM) during the upload. */
  readonly cancelled?: boolean
  /** Set when an account-level failure stopped the run: its cause, to say once. */
  readonly stopped?: AccountIssue
  /** What this job covers when it is one shard of a matrix: "shard 2/8: 13 of 97 samples". */
  readonly scope?: string
}

/**
 * For a sample whose file (or mate) is merged lanes: `paths` / `paired_end_paths`, every lane
 * file in the order sent. Confirmed and failed entries alike, so every lane is accounted for.
 */
export function lanePaths(sample: Sample): Pick<UploadedSample, 'paths' | 'paired_end_paths'> {
  const all = (source: Sample['file'] | undefined): string[] | undefined =>
    source && source.segments.length > 1 ? source.segments.map(s => s.path) : undefined
  const paths = all(sample.file)
  const mates = all(sample.mate)
  return { ...(paths ? { paths } : {}), ...(mates ? { paired_end_paths: mates } : {}) }
}

/**
 * The `samples` entry of `sample` as One Codex sample `sampleId`: its files (R1, then the
 * mate's), with the sha256 of each when they were sent (`sha256`: R1 first), and what the
 * content check counted in each (validate full).
 */
export function sampleEntry(
  sample: Sample,
  sampleId: string,
  sha256?: readonly string[],
  counts?: readonly FileCounts[]
): UploadedSample {
  const entry: UploadedSample = {
    sample_id: sampleId,
    path: sample.file.path,
    filename: sample.file.filename,
    size: sample.file.size
  }
  if (sha256) entry.sha256 = sha256[0]
  if (counts?.[0]) {
    entry.reads = counts[0].reads
    entry.bases = counts[0].bases
  }
  if (sample.mate) {
    entry.paired_end_path = sample.mate.path
    entry.paired_end_filename = sample.mate.filename
    entry.paired_end_size = sample.mate.size
    if (sha256) entry.paired_end_sha256 = sha256[1]
    if (counts?.[1]) {
      entry.paired_end_reads = counts[1].reads
      entry.paired_end_bases = counts[1].bases
    }
  }
  return { ...entry, ...lanePaths(sample) }
}

/**
 * The `failed` entry of a sample: its path(s) (every lane of merged lanes), the error, and how
 * it ended when not plainly failed.
 */
export function failureOf(sample: Sample, error: string, status?: FailureStatus): FailedSample {
  const { paths, paired_end_paths } = lanePaths(sample)
  return {
    path: sample.file.path,
    ...(paths ? { paths } : {}),
    error,
    ...(sample.mate ? { paired_end_path: sample.mate.path } : {}),
    ...(paired_end_paths ? { paired_end_paths } : {}),
    ...(status ? { status } : {})
  }
}
