import * as core from '@actions/core'
import { buildInitBody } from '../../contract/init-body.js'
import { formatBytes, formatDuration, formatRate } from '../../shared/format.js'
import { sampleLabel } from '../../shared/sample.js'
import { redactFields, redactUrl, sensitiveValues } from '../../shared/redact.js'
import type { Sample, Source } from '../../shared/types.js'
import { insecureUrlReason } from '../../shared/url-policy.js'
import { cancelSample } from '../../onecodex/cancel.js'
import type { InitUploadResponse } from '../../onecodex/init-answers.js'
import { ProgressReporter } from '../../net/progress.js'
import type { RouteContext, RouteResult, UploadRoute } from './route.js'
import { ExpiredPolicyError, StorageClient, type StorageTarget } from './storage-upload.js'
import { UploadError } from '../../shared/upload-error.js'

/**
 * One Codex's documented route: init_upload → one multipart/form-data POST of each source to
 * the storage URL it hands out (R1, then R2) → confirm_upload. When storage refuses a form
 * because its policy expired, the sample is cancelled and init_upload asked once more.
 */
export class StandardRoute implements UploadRoute {
  private readonly storage: StorageClient

  private readonly idleLineEveryMs?: number

  /**
   * `socketTimeoutMs`: a transfer on which no byte moved for this long is aborted and retried
   * (default 120 s). `idleLineEveryMs`: how often a stalled transfer says so (default 30 s).
   */
  constructor(options: { socketTimeoutMs?: number; idleLineEveryMs?: number } = {}) {
    this.storage = new StorageClient({ socketTimeoutMs: options.socketTimeoutMs })
    this.idleLineEveryMs = options.idleLineEveryMs
  }

  async send(sample: Sample, context: RouteContext): Promise<RouteResult> {
    const { api, retry, say, secrets, settings } = context
    const name = sampleLabel(sample)
    const body = buildInitBody(sample, settings)
    // A form whose policy expired cannot succeed however often it is sent: one fresh
    // init_upload per sample replaces it (the abandoned sample is cancelled), never more.
    for (let round = 1; ; round++) {
      const init = await retry.execute(`${name}: init_upload`, () => api.initUpload(body, name), {
        signal: context.signal
      })
      secrets.push(...sensitiveValues(init.fields), ...sensitiveValues(init.pairedEndFields ?? {}))
      context.onCreated(init.sampleId)
      try {
        await this.sendSources(sample, init, context)
      } catch (error) {
        if (round > 1 || !(error instanceof ExpiredPolicyError)) throw error
        // A pre-uploaded sample (sample-id, external-sample-id) is the user's: init_upload
        // matches it again with a fresh form, and it must not be cancelled.
        const preuploaded = body.sample_id !== undefined || body.external_sample_id !== undefined
        if (preuploaded) {
          say(
            `${name}: storage refused the upload form of sample ${init.sampleId} because its policy expired; asking init_upload for a fresh form (once).`
          )
          continue
        }
        say(
          `${name}: storage refused the upload form of sample ${init.sampleId} because its policy expired; cancelling that sample and asking init_upload for a fresh form (once).`
        )
        const cancelled = await cancelSample(api, retry, init.sampleId, name)
        if (cancelled.outcome === 'failed')
          say(
            `${name}: cancel_upload of the abandoned sample ${init.sampleId} failed (${cancelled.error}); it may be left awaiting data in One Codex.`
          )
        continue
      }
      // Confirmed only once every file passed the check (and the pair rule).
      const verdict = await context.gate.verdict(sample)
      await retry.execute(`${name}: confirm_upload`, () => api.confirmUpload(init.sampleId, name), {
        signal: context.signal
      })
      return { sampleId: init.sampleId, ...verdict }
    }
  }

  /**
   * The storage POST of each source (R1, then R2) with init's forms, each followed by its scan
   * (the sha256, the check); stopped as soon as a file failed the check.
   */
  private async sendSources(
    sample: Sample,
    init: InitUploadResponse,
    context: RouteContext
  ): Promise<void> {
    const { retry, say, gate } = context
    const signal = context.signal ? AbortSignal.any([context.signal, gate.signal]) : gate.signal
    // Refuse an insecure destination before sending a single byte of either mate.
    const targets: [Source, StorageTarget][] = [
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

    for (const [file, target] of targets) {
      gate.throwIfFailed()
      const pace = gate.pace(file)
      core.debug(
        `${file.filename}: POST ${redactUrl(target.url)} with fields ${JSON.stringify(redactFields(target.fields))}`
      )
      const progress = new ProgressReporter(file.filename, file.size, say, {
        idleEveryMs: this.idleLineEveryMs
      })
      const fileStarted = Date.now()
      const stored = await retry
        .execute(
          `${file.filename}: storage upload`,
          async () => {
            progress.start()
            try {
              return await this.storage.upload(target, file, sent => progress.update(sent), {
                signal,
                pace
              })
            } finally {
              progress.stop()
            }
          },
          { signal }
        )
        .catch((error: unknown) => {
          throw gate.explain(error)
        })
      const ms = Date.now() - fileStarted
      say(
        `${file.filename}: sent ${formatBytes(stored.bytes)} in ${formatDuration(ms)} (${formatRate(stored.bytes, ms)}).`
      )
    }
  }

  dispose(): void {
    this.storage.dispose()
  }
}
