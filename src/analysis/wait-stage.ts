/**
 * The analysis stage of a run (`wait-for-analysis: true`): after the uploads, the wait for One
 * Codex's analysis of every sample in `sample-ids` — uploaded now, or found by skip-existing
 * (those are looked at once: theirs finished long ago) — through the HTTP client on the run's
 * retry policy, every line scrubbed of the API key. A cancelled job ends the wait at once;
 * 401/402 stop it with the cause said once; nothing else it meets escapes: the report always
 * gets one entry per sample.
 */
import * as core from '@actions/core'
import { ANALYSIS_TIMEOUT, describeDuration } from '../inputs/duration.js'
import { baseDelayFromEnv, RetryPolicy } from '../net/retry-helper.js'
import { keyForms } from '../onecodex/auth.js'
import { Inputs } from '../shared/constants.js'
import { displayPath } from '../shared/paths.js'
import { redactText } from '../shared/redact.js'
import type { Settings } from '../shared/types.js'
import type { UploadResults } from '../upload/outcome.js'
import { OneCodexAnalysisClient } from './analysis-client.js'
import { AnalysisStop, awaitAnalyses, type AwaitOptions } from './await-analyses.js'
import type { AccountCause, AnalysisResult, AnalysisSample, AnalysisStatus } from './types.js'

/**
 * Undocumented, test-only: the first look of the wait in ms (each later wait grows ×1.5 to at
 * most 4× it), so that end-to-end tests of the bundle need not wait 5 s for their first look.
 */
export const ANALYSIS_POLL_ENV = 'ONECODEX_UPLOAD_ANALYSIS_POLL_MS'

/** What the wait hands to the report. */
export interface AnalysisStage {
  /** One entry per sample of `sample-ids`, in that order. */
  readonly analyses: readonly AnalysisResult[]
  /** How long the wait took. */
  readonly waitedMs: number
  readonly timeoutMs: number
  /** 401/402 stopped the wait: the cause, said once (the entries it cut short say so too). */
  readonly stopped?: AccountCause
  /** The job was cancelled before or during the wait. */
  readonly cancelled?: boolean
}

export interface WaitStageOptions {
  /** The job's cancellation: the wait returns at once with what it knows. */
  signal?: AbortSignal
  /** Default core.info. */
  log?: (line: string) => void
  /** Backoff base of the retry policy. Default 1 s, or the env override. */
  retryBaseDelayMs?: number
  socketTimeoutMs?: number
  /** The wait's own schedule (tests). Default: 5 s, then ×1.5 to 2 min, or ANALYSIS_POLL_ENV. */
  firstLookMs?: number
  maxDelayMs?: number
}

/** The samples of `sample-ids`: each confirmed outcome (uploaded now, or existing), in order. */
export function samplesToAwait(results: UploadResults, workspace: string): AnalysisSample[] {
  return results.outcomes.flatMap(outcome =>
    outcome.ok
      ? [
          {
            sampleId: outcome.sample.sample_id,
            path: displayPath(outcome.sample.path, workspace),
            filename: outcome.sample.filename,
            ...(outcome.sample.existing ? { existing: true } : {})
          }
        ]
      : []
  )
}

/** "… would wait up to 60 min for One Codex's analyses of 3 samples; …": what a dry run says. */
export function wouldAwait(
  samples: number,
  timeoutMs: number = ANALYSIS_TIMEOUT.defaultMs
): string {
  return `With ${Inputs.WaitForAnalysis}, the run would wait up to ${describeDuration(timeoutMs)} for One Codex's analyses of ${samples === 1 ? '1 sample' : `${samples} samples`}; nothing was awaited.`
}

function pollFromEnv(): { firstLookMs?: number; maxDelayMs?: number } {
  const raw = process.env[ANALYSIS_POLL_ENV]?.trim()
  if (!raw || !/^\d+$/.test(raw) || Number(raw) === 0) return {}
  return { firstLookMs: Number(raw), maxDelayMs: 4 * Number(raw) }
}

const entry = (sample: AnalysisSample, status: AnalysisStatus, error: string): AnalysisResult => ({
  sample_id: sample.sampleId,
  path: sample.path,
  filename: sample.filename,
  classification_id: null,
  status,
  error,
  n_reads: null,
  top: []
})

/**
 * The analysis stage: undefined without wait-for-analysis; else one entry per sample of the
 * run's `sample-ids`, however the wait ended.
 */
export async function awaitRunAnalyses(
  results: UploadResults,
  settings: Settings,
  options: WaitStageOptions = {}
): Promise<AnalysisStage | undefined> {
  if (!settings.waitForAnalysis) return undefined
  const timeoutMs = settings.analysisTimeoutMs ?? ANALYSIS_TIMEOUT.defaultMs
  const secrets = keyForms(settings.apiKey)
  const scrub = (text: string): string => redactText(text, secrets)
  const log = (line: string): void => (options.log ?? core.info)(scrub(line))
  const { signal } = options
  const samples = samplesToAwait(results, settings.workspace)
  const done = (
    analyses: AnalysisResult[],
    waitedMs: number,
    extra: { stopped?: AccountCause } = {}
  ): AnalysisStage => ({
    analyses: analyses.map(a => (a.error === null ? a : { ...a, error: scrub(a.error) })),
    waitedMs,
    timeoutMs,
    ...extra,
    ...(signal?.aborted ? { cancelled: true } : {})
  })

  if (samples.length === 0) return done([], 0)
  if (results.stopped) {
    const why = `Not waited for: the run stopped at an account-level failure; check the ${results.stopped.input} input.`
    return done(
      samples.map(s => entry(s, 'failed', why)),
      0
    )
  }
  if (signal?.aborted) {
    const why = 'The job was cancelled before the wait for the analysis began.'
    return done(
      samples.map(s => entry(s, 'cancelled', why)),
      0
    )
  }

  const existing = samples.filter(s => s.existing).length
  log(
    `${Inputs.WaitForAnalysis}: waiting up to ${describeDuration(timeoutMs)} (${Inputs.AnalysisTimeout}) for One Codex's analyses of ${samples.length === 1 ? 'the sample' : `${samples.length} samples`}${existing > 0 ? ` (${existing} found by ${Inputs.SkipExisting}: looked at once)` : ''}.`
  )
  const policy = new RetryPolicy({
    maxAttempts: settings.maxAttempts,
    baseDelayMs: options.retryBaseDelayMs ?? baseDelayFromEnv(),
    log
  })
  const client = new OneCodexAnalysisClient({
    apiUrl: settings.apiUrl,
    apiKey: settings.apiKey,
    retry: policy,
    socketTimeoutMs: options.socketTimeoutMs
  })
  const schedule: Partial<AwaitOptions> = {
    ...pollFromEnv(),
    ...(options.firstLookMs !== undefined ? { firstLookMs: options.firstLookMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {})
  }
  const started = Date.now()
  try {
    const analyses = await awaitAnalyses(samples, {
      client,
      timeoutMs,
      signal,
      log,
      ...schedule
    })
    return done(analyses, Date.now() - started)
  } catch (error) {
    if (error instanceof AnalysisStop) {
      const stopped = { input: error.issue.input, message: scrub(error.issue.message) }
      return done(error.analyses, Date.now() - started, { stopped })
    }
    // Not expected: every sample still gets its entry, and the report its outputs.
    const why = `The wait for the analysis failed: ${error instanceof Error ? error.message : String(error)}`
    return done(
      samples.map(s => entry(s, 'failed', why)),
      Date.now() - started
    )
  } finally {
    client.dispose()
  }
}
