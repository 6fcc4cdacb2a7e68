/**
 * What the wait for One Codex's analyses takes and gives: the samples to wait for, the small
 * client it asks One Codex through (analysis-client.ts is the HTTP one), and one entry of the
 * `analyses` output per sample.
 */

/** A sample of the run to wait for (uploaded now, or found by skip-existing). */
export interface AnalysisSample {
  readonly sampleId: string
  /** Workspace-relative path of its file (R1's for a pair), as the `samples` output has it. */
  readonly path: string
  /** The filename One Codex knows it by (R1's for a pair). */
  readonly filename: string
  /** Found in One Codex by skip-existing: its analysis most likely finished long ago. */
  readonly existing?: boolean
}

/**
 * How an analysis ended, as far as the wait knows: `complete` (succeeded; `top` holds its
 * species), `failed` (One Codex's `error_msg` in `error`; also a sample One Codex no longer
 * lists, or whose results could not be read), `timed out` (not finished within
 * analysis-timeout), `cancelled` (the job was cancelled during the wait).
 */
export type AnalysisStatus = 'complete' | 'failed' | 'timed out' | 'cancelled'

/** One species of a sample's results, as the `analyses` output lists it. */
export interface TopSpecies {
  tax_id: string
  name: string
  /**
   * Estimated relative abundance in 0..1 (of the species with its strains:
   * `abundance_w_children`, else `abundance`); null where One Codex gives no estimate.
   */
  abundance: number | null
  /** Reads assigned to the species and its strains (`readcount_w_children`, else `readcount`). */
  readcount: number
}

/** One entry of the `analyses` output: every key is always there (null when not known). */
export interface AnalysisResult {
  sample_id: string
  path: string
  filename: string
  /** The sample's primary classification; null when no analysis had started. */
  classification_id: string | null
  status: AnalysisStatus
  /** Why it is not `complete`: One Codex's error_msg, or what the wait saw. Null when complete. */
  error: string | null
  n_reads: number | null
  /** Up to 10 species, most abundant first; empty unless complete. */
  top: TopSpecies[]
}

/** A sample as the listing shows it to the wait. */
export interface SampleView {
  sampleId: string
  /** From `primary_classification`; null until the analysis started. */
  classificationId: string | null
  /** `awaiting data` is an upload that never completed: it gets no analysis. */
  visibility?: string
}

/** A classification as the listing shows it to the wait. */
export interface ClassificationView {
  classificationId: string
  sampleId?: string
  /** Finished, whether it succeeded or not. */
  complete: boolean
  success: boolean
  /** One Codex's error_msg ('' or null when none). */
  error: string | null
}

/** One row of a results table (the fields the wait reads). */
export interface ResultsRow {
  tax_id: string
  name: string
  rank: string
  readcount: number | null
  readcount_w_children: number | null
  abundance: number | null
  abundance_w_children: number | null
}

export interface ClassificationResults {
  n_reads: number | null
  host_tax_ids: string[]
  table: ResultsRow[]
}

/**
 * How the wait asks One Codex. Each call may make several requests (split to keep request
 * lines short, pages followed), each retried like any other request; a call that still fails
 * throws. An error with `account` (401, 402) stops the whole wait; one with a 4xx `status`
 * (not 408/429) is final for what it concerned; anything else is tried again next round.
 */
export interface AnalysisClient {
  /** The samples among `sampleIds` that One Codex lists (any it does not are left out). */
  listSamples(sampleIds: readonly string[], signal?: AbortSignal): Promise<SampleView[]>
  /** The classifications among `classificationIds` that One Codex lists. */
  listClassifications(
    classificationIds: readonly string[],
    signal?: AbortSignal
  ): Promise<ClassificationView[]>
  getResults(classificationId: string, signal?: AbortSignal): Promise<ClassificationResults>
}

/** An account-level cause (401, 402): said once, naming the input to check. */
export interface AccountCause {
  readonly input: string
  readonly message: string
}

/** What the wait reads of an error a client call threw. */
export interface ClientFailure {
  readonly account?: AccountCause
  readonly status?: number
}
