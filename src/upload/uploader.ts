import * as core from '@actions/core'
import { formatBytes, formatDuration, formatRate } from '../shared/format.js'
import { redactText } from '../shared/redact.js'
import { sampleBytes, sampleLabel } from '../shared/sample.js'
import type { Route, Sample, Settings, UploadedSample, FailedSample } from '../shared/types.js'
import { keyForms } from './auth.js'
import { MultipartRoute } from './multipart-route.js'
import { OneCodexClient } from './onecodex-client.js'
import { baseDelayFromEnv, RetryPolicy } from './retry-helper.js'
import type { UploadRoute } from './route.js'
import { StandardRoute } from './standard-route.js'

export type SampleOutcome =
  | { ok: true; sample: UploadedSample; durationMs: number }
  | { ok: false; failure: FailedSample; durationMs: number }

export interface UploadResults {
  /** One entry per planned sample, in plan order: the confirmed sample or its failure. */
  readonly outcomes: readonly SampleOutcome[]
}

export interface UploadOptions {
  /** Backoff base of the retry policy (tests use a few ms). Default 1 s, or the env override. */
  retryBaseDelayMs?: number
  /** Abort a transfer when no bytes move for this long. Default 120 s. */
  socketTimeoutMs?: number
  /** Where log lines go. Default core.info. */
  log?: (line: string) => void
}

/**
 * Uploads every sample (init_upload → storage POST of each file → confirm_upload) with up to
 * `settings.concurrency` samples in flight. A failing sample never stops the others: each ends
 * as an outcome, in plan order.
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
  const api = new OneCodexClient(settings.apiUrl, settings.apiKey, {
    socketTimeoutMs: options.socketTimeoutMs
  })
  const routes: Record<Route, UploadRoute> = {
    standard: new StandardRoute({ socketTimeoutMs: options.socketTimeoutMs }),
    multipart: new MultipartRoute({ socketTimeoutMs: options.socketTimeoutMs })
  }
  // Groups keep one sample's lines together; they only stay readable one sample at a time.
  const grouped = settings.concurrency === 1 || samples.length === 1
  const outcomes: SampleOutcome[] = new Array(samples.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < samples.length) {
      const index = next++
      const sample = samples[index]
      if (grouped) core.startGroup(`Upload ${sampleLabel(sample)}`)
      try {
        outcomes[index] = await uploadOne(sample, settings, { api, routes, policy, log })
      } finally {
        if (grouped) core.endGroup()
      }
    }
  }
  try {
    const workers = Math.max(1, Math.min(settings.concurrency, samples.length))
    await Promise.all(Array.from({ length: workers }, worker))
  } finally {
    api.dispose()
    for (const route of Object.values(routes)) route.dispose()
  }
  return { outcomes }
}

interface Engine {
  api: OneCodexClient
  routes: Record<Route, UploadRoute>
  policy: RetryPolicy
  log: (line: string) => void
}

async function uploadOne(
  sample: Sample,
  settings: Settings,
  { api, routes, policy, log }: Engine
): Promise<SampleOutcome> {
  const started = Date.now()
  const name = sampleLabel(sample)
  const total = sampleBytes(sample)
  // Server messages may echo the key or a policy back: every line of this sample, retry lines
  // included, and its error are scrubbed of them before they are shown.
  const secrets = keyForms(settings.apiKey)
  const say = (line: string): void => log(redactText(line, secrets))
  const retry = policy.withLog(say)
  const route = sample.route ?? 'standard'
  let createdId: string | undefined
  say(
    `${name}: starting upload of ${formatBytes(total)}${route === 'standard' ? '' : ` (${route} route)`}.`
  )
  try {
    const result = await routes[route].send(sample, {
      settings,
      api,
      retry,
      say,
      secrets,
      onCreated: id => {
        createdId = id
      }
    })
    const durationMs = Date.now() - started
    say(
      `${name}: confirmed as sample ${result.sampleId} — ${formatBytes(total)} in ${formatDuration(durationMs)} (${formatRate(total, durationMs)}).`
    )
    const uploaded: UploadedSample = {
      sample_id: result.sampleId,
      path: sample.file.path,
      filename: sample.file.filename,
      size: sample.file.size,
      sha256: result.sha256[0]
    }
    if (sample.mate) {
      uploaded.paired_end_path = sample.mate.path
      uploaded.paired_end_filename = sample.mate.filename
      uploaded.paired_end_size = sample.mate.size
      uploaded.paired_end_sha256 = result.sha256[1]
    }
    return { ok: true, sample: uploaded, durationMs }
  } catch (error) {
    const message = redactText(error instanceof Error ? error.message : String(error), secrets)
    say(`${name}: failed: ${message}`)
    return {
      ok: false,
      failure: {
        path: sample.file.path,
        error: message,
        ...(createdId ? { sample_id: createdId } : {})
      },
      durationMs: Date.now() - started
    }
  }
}
