import * as core from '@actions/core'
import { buildInitBody } from '../contract/init-body.js'
import { formatBytes, formatDuration, formatRate } from '../shared/format.js'
import { sampleLabel } from '../shared/sample.js'
import { redactFields, redactUrl, sensitiveValues } from '../shared/redact.js'
import type { Sample, Source } from '../shared/types.js'
import { insecureUrlReason } from '../shared/url-policy.js'
import { ProgressReporter } from './progress.js'
import type { RouteContext, RouteResult, UploadRoute } from './route.js'
import { StorageClient, type StorageTarget } from './storage-upload.js'
import { UploadError } from './upload-error.js'

/**
 * One Codex's documented route: init_upload → one multipart/form-data POST of each source to
 * the storage URL it hands out (R1, then R2) → confirm_upload.
 */
export class StandardRoute implements UploadRoute {
  private readonly storage: StorageClient

  constructor(options: { socketTimeoutMs?: number } = {}) {
    this.storage = new StorageClient({ socketTimeoutMs: options.socketTimeoutMs })
  }

  async send(sample: Sample, context: RouteContext): Promise<RouteResult> {
    const { api, retry, say, secrets, settings } = context
    const name = sampleLabel(sample)
    const body = buildInitBody(sample, settings)
    const init = await retry.execute(`${name}: init_upload`, () => api.initUpload(body, name))
    secrets.push(...sensitiveValues(init.fields), ...sensitiveValues(init.pairedEndFields ?? {}))
    context.onCreated(init.sampleId)

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

    const hashes: string[] = []
    for (const [file, target] of targets) {
      core.debug(
        `${file.filename}: POST ${redactUrl(target.url)} with fields ${JSON.stringify(redactFields(target.fields))}`
      )
      const progress = new ProgressReporter(file.filename, file.size, say)
      const fileStarted = Date.now()
      const stored = await retry.execute(`${file.filename}: storage upload`, attempt => {
        if (attempt > 1) progress.restart()
        return this.storage.upload(target, file, sent => progress.update(sent))
      })
      const ms = Date.now() - fileStarted
      say(
        `${file.filename}: sent ${formatBytes(stored.bytes)} in ${formatDuration(ms)} (${formatRate(stored.bytes, ms)}), sha256 ${stored.sha256}.`
      )
      hashes.push(stored.sha256)
    }

    await retry.execute(`${name}: confirm_upload`, () => api.confirmUpload(init.sampleId, name))
    return { sampleId: init.sampleId, sha256: hashes }
  }

  dispose(): void {
    this.storage.dispose()
  }
}
