import * as core from '@actions/core'
import { keyForms } from './auth.js'
import { buildInitBody } from './init-body.js'
import { OneCodexClient } from './onecodex-client.js'
import { formatBytes, formatDuration, formatRate } from './format.js'
import { ProgressReporter } from './progress.js'
import { redactFields, redactText, redactUrl, sensitiveValues } from './redact.js'
import { baseDelayFromEnv, RetryPolicy } from './retry-helper.js'
import { sampleBytes, sampleLabel } from './sample.js'
import { StorageClient, type StorageTarget } from './storage-upload.js'
import type { FailedSample, Sample, SampleFile, Settings, UploadedSample } from './types.js'
import { UploadError } from './upload-error.js'
import { insecureUrlReason } from './url-policy.js'

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
  const storage = new StorageClient({ socketTimeoutMs: options.socketTimeoutMs })
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
        outcomes[index] = await uploadOne(sample, settings, { api, storage, policy, log })
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
    storage.dispose()
  }
  return { outcomes }
}

interface Engine {
  api: OneCodexClient
  storage: StorageClient
  policy: RetryPolicy
  log: (line: string) => void
}

async function uploadOne(
  sample: Sample,
  settings: Settings,
  { api, storage, policy, log }: Engine
): Promise<SampleOutcome> {
  const started = Date.now()
  const name = sampleLabel(sample)
  const total = sampleBytes(sample)
  // Server messages may echo the key or a policy back: every line of this sample, retry lines
  // included, and its error are scrubbed of them before they are shown.
  const secrets = keyForms(settings.apiKey)
  const say = (line: string): void => log(redactText(line, secrets))
  const retry = policy.withLog(say)
  say(`${name}: starting upload of ${formatBytes(total)}.`)
  try {
    const body = buildInitBody(sample, settings)
    const init = await retry.execute(`${name}: init_upload`, () => api.initUpload(body, name))
    secrets.push(...sensitiveValues(init.fields), ...sensitiveValues(init.pairedEndFields ?? {}))

    // Refuse an insecure destination before sending a single byte of either mate.
    const targets: [SampleFile, StorageTarget][] = [
      [sample.file, { url: init.uploadUrl, fields: init.fields }]
    ]
    if (sample.mate)
      targets.push([
        sample.mate,
        { url: init.pairedEndUploadUrl ?? '', fields: init.pairedEndFields ?? {} }
      ])
    for (const [file, target] of targets) {
      const reason = insecureUrlReason(
        target.url,
        file === sample.mate ? 'paired_end_upload_url' : 'upload_url'
      )
      if (reason) throw new UploadError(`${file.filename}: ${reason}`, { retryable: false })
    }

    const hashes: string[] = []
    for (const [file, target] of targets) {
      core.debug(
        `${file.filename}: POST ${redactUrl(target.url)} with fields ${JSON.stringify(redactFields(target.fields))}`
      )
      const progress = new ProgressReporter(file.filename, file.size, say)
      const fileStarted = Date.now()
      const stored = await retry.execute(`${file.filename}: storage upload`, attempt => {
        if (attempt > 1) progress.restart()
        return storage.upload(target, file, sent => progress.update(sent))
      })
      const ms = Date.now() - fileStarted
      say(
        `${file.filename}: sent ${formatBytes(stored.bytes)} in ${formatDuration(ms)} (${formatRate(stored.bytes, ms)}), sha256 ${stored.sha256}.`
      )
      hashes.push(stored.sha256)
    }

    await retry.execute(`${name}: confirm_upload`, () => api.confirmUpload(init.sampleId, name))
    const durationMs = Date.now() - started
    say(
      `${name}: confirmed as sample ${init.sampleId} — ${formatBytes(total)} in ${formatDuration(durationMs)} (${formatRate(total, durationMs)}).`
    )
    const uploaded: UploadedSample = {
      sample_id: init.sampleId,
      path: sample.file.path,
      filename: sample.file.filename,
      size: sample.file.size,
      sha256: hashes[0]
    }
    if (sample.mate) {
      uploaded.paired_end_path = sample.mate.path
      uploaded.paired_end_filename = sample.mate.filename
      uploaded.paired_end_size = sample.mate.size
      uploaded.paired_end_sha256 = hashes[1]
    }
    return { ok: true, sample: uploaded, durationMs }
  } catch (error) {
    const message = redactText(error instanceof Error ? error.message : String(error), secrets)
    say(`${name}: failed: ${message}`)
    return {
      ok: false,
      failure: { path: sample.file.path, error: message },
      durationMs: Date.now() - started
    }
  }
}
