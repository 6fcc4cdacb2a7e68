/**
 * Clean-up of S3 multipart uploads, which S3 keeps (and bills) until someone aborts them: the
 * upload a file used, when the file failed or the job was cancelled; and the extra uploads of
 * a CreateMultipartUpload whose answer may have been lost (a 5xx or a reset after S3 did the
 * work, which the retry then duplicated). Once the file's upload has ended, the open uploads of
 * its key are listed and every one other than the one the file used is aborted. Every call is
 * retried under the policy; a failure here never fails the sample, it warns.
 */
import type { RetryPolicy } from '../net/retry-helper.js'
import type { S3Calls, UploadsPageMarker } from './s3-calls.js'
import { formatDuration } from '../shared/format.js'
import { UploadError } from '../shared/upload-error.js'

export interface SweepOptions {
  readonly calls: S3Calls
  /** The object key of the file. */
  readonly key: string
  /** The upload the file used (completed, or aborted by the caller): never touched here. */
  readonly keep?: string
  readonly retry: RetryPolicy
  readonly say: (line: string) => void
  readonly warn: (line: string) => void
  /**
   * Aborted when the job is cancelled: the clean-up still goes on, retried like any request,
   * each call with a shorter timeout (the uploader bounds it by the clean-up budget).
   */
  readonly signal?: AbortSignal
  /** How long one call may take before it is given up and retried. Default 10 s. */
  readonly callTimeoutMs?: number
}

/** One request of the clean-up may take this long before it is given up (and retried). */
const CALL_TIMEOUT_MS = 10_000
/** ... once the job is being cancelled: the runner gives a cancelled step only seconds. */
const CANCELLING_CALL_TIMEOUT_MS = 2_000
/** A guard against a listing that never ends (1,000 uploads a page). */
const MAX_PAGES = 50

/** What stays behind, and what a user can do about it: the upload is in One Codex's bucket. */
const LEFT_OPEN =
  'its parts kept (billed storage) until a lifecycle rule removes them. Nothing in the workflow needs to change; if this repeats, tell One Codex support the key and upload ID so they can abort it.'

/**
 * True unless `error` is S3 refusing the request (a 4xx answer): a 5xx, a reset or a timeout
 * may come after S3 created the upload.
 */
export function mayHaveCreated(error: unknown): boolean {
  return !(error instanceof UploadError && error.status !== undefined && error.status < 500)
}

/**
 * AbortMultipartUpload of the upload the file used, once its upload failed or the job was
 * cancelled: S3 keeps (and bills) the parts of an upload that is neither completed nor aborted.
 * Retried under the policy like any request, also on cancellation; what cannot be aborted is a
 * warning naming the upload and its key. Never throws.
 */
export async function abortUpload(
  name: string,
  uploadId: string,
  options: Omit<SweepOptions, 'keep'>
): Promise<void> {
  const { key, say, warn } = options
  try {
    await abortOne(`${name}: AbortMultipartUpload`, uploadId, options)
    say(`${name}: aborted the multipart upload (S3 keeps no part of it).`)
  } catch (error) {
    warn(
      `${name}: could not abort its multipart upload ${uploadId} of key ${key} (${reasonOf(error)}); it is left open in One Codex's bucket, ${LEFT_OPEN}`
    )
  }
}

/** Aborts the open multipart uploads of `key` other than `keep`; never throws. */
export async function abortExtraUploads(name: string, options: SweepOptions): Promise<void> {
  const { key, keep, warn, say } = options
  let open: string[]
  try {
    open = await openUploads(name, options)
  } catch (error) {
    warn(
      `${name}: CreateMultipartUpload lost an answer and may have opened a multipart upload that nothing completes; listing the open uploads to abort it failed (${reasonOf(error)}). An open multipart upload of ${name} (key ${key}) may be left in One Codex's bucket, ${LEFT_OPEN}`
    )
    return
  }
  const extra = open.filter(id => id !== keep)
  if (extra.length === 0) {
    say(`${name}: CreateMultipartUpload lost an answer; no extra multipart upload was left open.`)
    return
  }
  const failed: string[] = []
  for (const uploadId of extra) {
    try {
      await abortOne(`${name}: AbortMultipartUpload of an extra upload`, uploadId, options)
    } catch (error) {
      failed.push(`upload ${uploadId} of key ${key} (${reasonOf(error)})`)
    }
  }
  const count = `${extra.length} extra multipart upload${extra.length === 1 ? '' : 's'}`
  say(
    `${name}: CreateMultipartUpload lost an answer and left ${count} open; aborted ${extra.length - failed.length} of them.`
  )
  if (failed.length > 0)
    warn(
      `${name}: could not abort ${failed.length} of the ${count} a retried CreateMultipartUpload left open: ${failed.join('; ')}. They stay open in One Codex's bucket, ${LEFT_OPEN}`
    )
}

/** One AbortMultipartUpload under the policy; an upload already gone counts as aborted. */
function abortOne(
  what: string,
  uploadId: string,
  options: Omit<SweepOptions, 'keep'>
): Promise<void> {
  const { calls, key } = options
  return attempt(
    what,
    signal =>
      calls.abortMultipartUpload({ key, uploadId }, what, signal).catch(error => {
        // Already gone (aborted or completed by someone else): nothing left to do.
        if (error instanceof UploadError && error.code === 'NoSuchUpload') return
        throw error
      }),
    options
  )
}

/** The IDs of the open uploads of exactly `key`, every page followed. */
async function openUploads(name: string, options: SweepOptions): Promise<string[]> {
  const { calls, key } = options
  const what = `${name}: ListMultipartUploads`
  const ids: string[] = []
  let marker: UploadsPageMarker | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const from = marker
    const listed = await attempt(
      what,
      signal => calls.listMultipartUploads(key, from, what, signal),
      options
    )
    // The prefix also matches longer keys ("x.fq" and "x.fq.1"): only the exact key counts.
    for (const upload of listed.uploads) if (upload.key === key) ids.push(upload.uploadId)
    const next = listed.next
    // Keys are listed in order and `key` sorts before every longer key with it as prefix: once
    // the next page starts past `key`, no upload of `key` is left to list.
    if (!next || next.keyMarker !== key) return ids
    if (from && next.uploadIdMarker === from.uploadIdMarker) return ids
    marker = next
  }
  return ids
}

/**
 * `once` under the retry policy, each call given up after its own timeout (a stalled request
 * is retried like a reset, not the end of the clean-up). The job's cancellation does not cut
 * the retries short (cleaning up is what is left to do) but shortens each call's timeout.
 */
function attempt<T>(
  what: string,
  once: (signal: AbortSignal) => Promise<T>,
  { retry, signal, callTimeoutMs }: Omit<SweepOptions, 'keep'>
): Promise<T> {
  return retry.execute(what, async () => {
    const limit = callTimeoutMs ?? CALL_TIMEOUT_MS
    const ms = signal?.aborted ? Math.min(limit, CANCELLING_CALL_TIMEOUT_MS) : limit
    const timeout = AbortSignal.timeout(ms)
    try {
      return await once(timeout)
    } catch (error) {
      if (!timeout.aborted) throw error
      throw new UploadError(`${what} got no answer within ${formatDuration(ms)}.`, {
        code: 'ETIMEDOUT'
      })
    }
  })
}

/** Why a call failed, in a few words (an AccessDenied is most likely the keys' scope). */
function reasonOf(error: unknown): string {
  if (error instanceof UploadError && (error.code === 'AccessDenied' || error.status === 403))
    return `S3 answered ${error.code ?? 'HTTP 403'}: the temporary upload keys may not allow it`
  return error instanceof Error ? error.message.replace(/\.$/, '') : String(error)
}
