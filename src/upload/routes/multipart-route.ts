import * as core from '@actions/core'
import { buildMultipartInitBody } from '../../contract/init-body.js'
import { S3_ENDPOINT_ENV, s3EndpointChoice } from '../../plan/route-choice.js'
import { formatBytes, formatDuration, formatRate } from '../../shared/format.js'
import { redactText } from '../../shared/redact.js'
import { sampleLabel } from '../../shared/sample.js'
import type { Sample, Source } from '../../shared/types.js'
import { apiPathOf, type InitMultipartUploadResponse } from '../../onecodex/init-answers.js'
import type { RouteContext, RouteResult, UploadRoute } from './route.js'
import { preloadS3Sdk, S3Connections } from '../../s3/s3-client.js'
import { describeParts, sendMultipartFile } from '../../s3/s3-multipart.js'
import {
  minPartBytesFromEnv,
  PARTS_IN_FLIGHT,
  partBytesFor,
  planParts
} from '../../s3/s3-part-size.js'
import { UploadError } from '../../shared/upload-error.js'

export interface MultipartRouteOptions {
  /** A request with no bytes moving for this long fails (and is retried). Default 120 s. */
  socketTimeoutMs?: number
  /** Parts of one file in flight. Default PARTS_IN_FLIGHT. */
  partsInFlight?: number
  /** Smallest part size. Default 32 MiB, or the test-only ONECODEX_UPLOAD_PART_BYTES. */
  minPartBytes?: number
  /** Where AWS_ENDPOINT_URL_S3 and the part-size override are read. Default process.env. */
  env?: NodeJS.ProcessEnv
}

/** S3 bucket names (legacy us-east-1 ones too), never an ARN or anything with a `/` or `:`. */
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/
const MAX_KEY_BYTES = 1024

/**
 * The route One Codex's own client takes for big files: init_multipart_upload → an S3 multipart
 * upload of each source with the temporary keys it hands out (for a pair R2 first, to
 * `paired_end_file_id`, then R1 to `file_id`) → one POST to its `callback_url` on the API host,
 * which answers with the sample_id. The API key goes to the API only, the S3 keys to S3 only.
 */
export class MultipartRoute implements UploadRoute {
  private connections?: S3Connections
  private warned = false
  /** Aborted by dispose(): the run is over (or torn down on cancellation). */
  private readonly stop = new AbortController()

  constructor(private readonly options: MultipartRouteOptions = {}) {}

  async send(sample: Sample, context: RouteContext): Promise<RouteResult> {
    const { api, retry, secrets, settings } = context
    const name = sampleLabel(sample)
    const endpoint = this.endpoint(name)
    // The SDK's chunk loads while init_multipart_upload is under way (if not yet loaded).
    preloadS3Sdk()

    const init = await retry.execute(
      `${name}: init_multipart_upload`,
      () => api.initMultipartUpload(buildMultipartInitBody(sample, settings), name),
      { signal: context.signal }
    )
    // The temporary keys: masked and scrubbed before anything else can print them.
    for (const secret of [init.accessKeyId, init.secretAccessKey]) {
      core.setSecret(secret)
      secrets.push(secret)
    }
    context.onCreated(init.sampleId)

    // Refuse a bad answer before sending a single byte of either mate.
    const refuse = (reason: string): UploadError =>
      new UploadError(`init_multipart_upload for ${name} ${reason}`, { retryable: false })
    if (!BUCKET_NAME.test(init.bucket))
      throw refuse(`answered with s3_bucket "${init.bucket.slice(0, 80)}", not a bucket name.`)
    const targets: [Source, string][] = []
    if (sample.mate) targets.push([sample.mate, init.pairedEndFileId ?? ''])
    targets.push([sample.file, init.fileId])
    for (const [, key] of targets) {
      if (Buffer.byteLength(key) > MAX_KEY_BYTES)
        throw refuse(`answered with an object key longer than S3's ${MAX_KEY_BYTES} bytes.`)
    }
    if (apiPathOf(init.callbackUrl, settings.apiUrl) === undefined)
      throw refuse(
        `answered with callback_url "${init.callbackUrl.slice(0, 200)}", which is not a path on the API host: the API key goes nowhere else.`
      )

    const linked = linkSignals(context.signal, this.stop.signal)
    try {
      return await this.transfer(sample, context, init, targets, endpoint, linked.signal)
    } finally {
      linked.release()
    }
  }

  /** The S3 part of send(): every file, then the callback. */
  private async transfer(
    sample: Sample,
    { api, retry, say, warn, secrets, gate }: RouteContext,
    init: InitMultipartUploadResponse,
    targets: readonly [Source, string][],
    endpoint: string | undefined,
    signal: AbortSignal
  ): Promise<RouteResult> {
    const name = sampleLabel(sample)
    const calls = await this.connectionsFor(endpoint).calls(
      { accessKeyId: init.accessKeyId, secretAccessKey: init.secretAccessKey },
      init.bucket,
      secrets
    )
    const partsInFlight = this.options.partsInFlight ?? PARTS_IN_FLIGHT
    const minPartBytes = this.options.minPartBytes ?? minPartBytesFromEnv(this.options.env)
    for (const [file, key] of targets) {
      gate.throwIfFailed()
      const parts = planParts(file.size, partBytesFor(file.size, minPartBytes), partsInFlight)
      say(
        `${file.filename}: S3 multipart upload of ${formatBytes(file.size)} in ${describeParts(parts, partsInFlight)}.`
      )
      const started = Date.now()
      const sent = await sendMultipartFile(file, {
        pace: gate.pace(file),
        calls,
        key,
        parts,
        partsInFlight,
        retry,
        say,
        // Scrubbed of the temporary keys whatever the caller passed (or core.warning).
        warn: line => (warn ?? core.warning)(redactText(line, secrets)),
        signal
      }).catch((error: unknown) => {
        throw gate.explain(error)
      })
      const ms = Date.now() - started
      say(
        `${file.filename}: sent ${formatBytes(sent.bytes)} in ${formatDuration(ms)} (${formatRate(sent.bytes, ms)}), ${sent.parts} part${sent.parts === 1 ? '' : 's'}.`
      )
    }

    // The callback (which completes the sample) only once every file passed the check and the
    // pair rule: a completed S3 object of a bad file is never handed to One Codex.
    const verdict = await gate.verdict(sample)
    const body = { s3_path: `s3://${init.bucket}/${init.fileId}`, filename: sample.file.filename }
    const answered = await retry.execute(
      `${name}: callback`,
      () => api.callback(init.callbackUrl, body, name),
      { signal }
    )
    if (answered !== undefined && answered !== init.sampleId)
      say(
        `${name}: the callback answered with sample ${answered} (init_multipart_upload had named ${init.sampleId}).`
      )
    return { sampleId: answered ?? init.sampleId, ...verdict }
  }

  dispose(): void {
    this.stop.abort()
    this.connections?.dispose()
    this.connections = undefined
  }

  /** AWS_ENDPOINT_URL_S3's origin (warned about once), or undefined for AWS itself. */
  private endpoint(name: string): string | undefined {
    const choice = s3EndpointChoice(this.options.env)
    if (choice.problem) throw new UploadError(`${name}: ${choice.problem}`, { retryable: false })
    if (choice.url && !this.warned) {
      this.warned = true
      core.warning(
        `${S3_ENDPOINT_ENV} is set: multipart uploads go to ${new URL(choice.url).host} instead of AWS S3, and so do the temporary upload keys One Codex hands out. Unset it unless that host is meant to receive them.`
      )
    }
    return choice.url
  }

  private connectionsFor(endpoint: string | undefined): S3Connections {
    this.connections ??= new S3Connections({
      socketTimeoutMs: this.options.socketTimeoutMs,
      endpoint
    })
    return this.connections
  }
}

/**
 * Starts loading what the multipart route needs (the S3 SDK) when any of `samples` takes it, so
 * that it overlaps the requests before the first S3 call; nothing for a standard-only run.
 */
export function prepareMultipartRoute(samples: readonly Sample[]): void {
  if (samples.some(sample => sample.route === 'multipart')) preloadS3Sdk()
}

/** A signal that aborts when any of `signals` does; `release` drops its listeners. */
function linkSignals(...signals: (AbortSignal | undefined)[]): {
  signal: AbortSignal
  release: () => void
} {
  const controller = new AbortController()
  const abort = (): void => controller.abort()
  const sources = signals.filter((s): s is AbortSignal => s !== undefined)
  for (const source of sources) {
    if (source.aborted) controller.abort()
    else source.addEventListener('abort', abort, { once: true })
  }
  return {
    signal: controller.signal,
    release: () => {
      for (const source of sources) source.removeEventListener('abort', abort)
    }
  }
}
