// The top of the upload room: this job's share uploaded (after the skip-existing lookup), every
// sample on its route, up to `concurrency` at a time, stopping at an account-level failure or
// when the job is cancelled.
import * as core from '@actions/core'
import type { Share } from '../plan/share.js'
import { sampleLabel } from '../shared/sample.js'
import type { Route, Sample, Settings } from '../shared/types.js'
import { AccountStop } from '../onecodex/account-stop.js'
import { OneCodexClient } from '../onecodex/client.js'
import { baseDelayFromEnv, RetryPolicy } from '../net/retry-helper.js'
import { withExisting, type ExistingStage } from './existing.js'
import { failureOf, type SampleOutcome, type UploadResults } from './outcome.js'
import { MultipartRoute } from './routes/multipart-route.js'
import type { UploadRoute } from './routes/route.js'
import { StandardRoute } from './routes/standard-route.js'
import { uploadOne, type Cancellation, type Engine } from './sample-upload.js'
import { CLEANUP_BUDGET_MS } from './signals.js'

export type { SampleOutcome, UploadResults } from './outcome.js'

/**
 * The upload stage: the samples of `share` that One Codex does not already hold uploaded, and
 * the outcome of every sample of the share (the existing ones included), with the share's
 * scope. When the skip-existing lookup failed, nothing is uploaded: every sample is not
 * attempted, for that reason.
 */
export async function uploadShare(
  share: Share,
  existing: ExistingStage,
  settings: Settings,
  options: UploadOptions = {}
): Promise<UploadResults> {
  const scope = share.scope ? { scope: share.scope } : {}
  if (existing.failed !== undefined)
    return {
      ...notAttempted(share.samples, existing.failed),
      ...(existing.cancelled ? { cancelled: true } : {}),
      ...scope
    }
  const found = existing.found
  const toUpload = found
    ? share.samples.filter((_, index) => !found.existing.has(index))
    : share.samples
  const results = await uploadSamples(toUpload, settings, options)
  return { ...withExisting(share.samples, found?.existing, results), ...scope }
}

/** Results where no sample was started, each failed entry saying `reason` ("not attempted"). */
export function notAttempted(samples: readonly Sample[], reason: string): UploadResults {
  return {
    outcomes: samples.map(sample => ({
      ok: false,
      failure: failureOf(sample, `not attempted: ${reason}`, 'not attempted'),
      durationMs: 0
    }))
  }
}

export interface UploadOptions {
  /** Backoff base of the retry policy (tests use a few ms). Default 1 s, or the env override. */
  retryBaseDelayMs?: number
  /** Abort a transfer when no bytes move for this long. Default 120 s. */
  socketTimeoutMs?: number
  /** Where log lines go. Default core.info. */
  log?: (line: string) => void
  /** Where warnings go (possible orphans left behind). Default core.warning. */
  warn?: (line: string) => void
  /**
   * Aborted when the job is cancelled: no new sample starts, transfers in flight are aborted,
   * samples created but not confirmed are cancelled on One Codex, within `cleanupBudgetMs`.
   */
  signal?: AbortSignal
  /** How long cancel_upload calls may take once `signal` aborted. Default 5 s. */
  cleanupBudgetMs?: number
}

/**
 * Uploads every sample (init_upload → storage POST of each file → confirm_upload) with up to
 * `settings.concurrency` samples in flight. A failing sample never stops the others: each ends
 * as an outcome, in plan order. Nothing is left behind on One Codex: a sample created by a
 * sample that then failed is cancelled, and so are the extra samples a retried init created.
 */
export async function uploadSamples(
  samples: readonly Sample[],
  settings: Settings,
  options: UploadOptions = {}
): Promise<UploadResults> {
  const log = options.log ?? core.info
  const policy = new RetryPolicy({
    maxAttempts: settings.maxAttempts,
    baseDelayMs: options.retryBaseDelayMs ?? baseDelayFromEnv(),
    log
  })
  // The routes' client carries the uploads' API calls and is torn down on cancellation (that
  // aborts requests in flight); clean-up calls (cancel_upload, listings) have their own.
  const api = new OneCodexClient(settings.apiUrl, settings.apiKey, {
    socketTimeoutMs: options.socketTimeoutMs
  })
  const admin = new OneCodexClient(settings.apiUrl, settings.apiKey, {
    socketTimeoutMs: options.socketTimeoutMs
  })
  const routes: Record<Route, UploadRoute> = {
    standard: new StandardRoute({ socketTimeoutMs: options.socketTimeoutMs }),
    multipart: new MultipartRoute({ socketTimeoutMs: options.socketTimeoutMs })
  }
  let disposed = false
  const disposeTransfers = (): void => {
    if (disposed) return
    disposed = true
    api.dispose()
    for (const route of Object.values(routes)) route.dispose()
  }
  const signal = options.signal
  const cancellation: Cancellation = { at: undefined }
  const onAbort = (): void => {
    cancellation.at = Date.now()
    // Destroys the sockets of every transfer and API call in flight: the routes stop at once.
    disposeTransfers()
  }
  if (signal?.aborted) cancellation.at = Date.now()
  else signal?.addEventListener('abort', onAbort, { once: true })

  const engine: Engine = {
    api,
    admin,
    routes,
    policy,
    log,
    warn: options.warn ?? core.warning,
    signal,
    cancellation,
    cleanupBudgetMs: options.cleanupBudgetMs ?? CLEANUP_BUDGET_MS,
    stop: new AccountStop()
  }
  // Groups keep one sample's lines together; they only stay readable one sample at a time.
  const grouped = settings.concurrency === 1 || samples.length === 1
  const outcomes: SampleOutcome[] = new Array(samples.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < samples.length && !signal?.aborted && !engine.stop.stopped) {
      const index = next++
      const sample = samples[index]
      if (grouped) core.startGroup(`Upload ${sampleLabel(sample)}`)
      try {
        outcomes[index] = await uploadOne(sample, settings, engine)
      } finally {
        if (grouped) core.endGroup()
      }
    }
  }
  try {
    const workers = Math.max(1, Math.min(settings.concurrency, samples.length))
    await Promise.all(Array.from({ length: workers }, worker))
  } finally {
    signal?.removeEventListener('abort', onAbort)
    disposeTransfers()
    admin.dispose()
  }
  const stopped = engine.stop.cause
  const notStarted = stopped
    ? `not attempted: the run stopped at an account-level failure; check the ${stopped.input} input.`
    : 'not attempted: the job was cancelled before this sample started.'
  for (let index = 0; index < samples.length; index++) {
    outcomes[index] ??= {
      ok: false,
      failure: failureOf(samples[index], notStarted, 'not attempted'),
      durationMs: 0
    }
  }
  return {
    outcomes,
    ...(cancellation.at !== undefined ? { cancelled: true } : {}),
    ...(stopped ? { stopped } : {})
  }
}
