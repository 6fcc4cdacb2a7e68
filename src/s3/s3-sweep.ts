/**
 * Clean-up after a CreateMultipartUpload whose answer may have been lost: S3 may have opened an
 * upload (a 5xx or a reset after the work was done) that the retry then duplicated. Such an
 * upload is never completed, and S3 keeps (and bills) it until someone aborts it. Once the
 * file's upload has ended, the open uploads of its key are listed and every one other than the
 * one the file used is aborted. Best effort: a failure here never fails the sample, it warns.
 */
import type { RetryPolicy } from '../net/retry-helper.js'
import type { S3Calls, UploadsPageMarker } from './s3-calls.js'
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
  /** Aborted when the job is cancelled: then every call gets one quick try. */
  readonly signal?: AbortSignal
}

/** One request of the sweep may take this long (as AbortMultipartUpload on failure). */
const CALL_TIMEOUT_MS = 10_000
/** A guard against a listing that never ends (1,000 uploads a page). */
const MAX_PAGES = 50

/**
 * True unless `error` is S3 refusing the request (a 4xx answer): a 5xx, a reset or a timeout
 * may come after S3 created the upload.
 */
export function mayHaveCreated(error: unknown): boolean {
  return !(error instanceof UploadError && error.status !== undefined && error.status < 500)
}

/** Aborts the open multipart uploads of `key` other than `keep`; never throws. */
export async function abortExtraUploads(name: string, options: SweepOptions): Promise<void> {
  const { calls, key, keep, warn, say } = options
  let open: string[]
  try {
    open = await openUploads(name, options)
  } catch (error) {
    warn(
      `${name}: CreateMultipartUpload lost an answer and may have opened a multipart upload that nothing completes; listing the open uploads to abort it failed (${reasonOf(error)}). An open multipart upload of ${name} may be left in One Codex's bucket, its parts kept until a lifecycle rule removes them.`
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
    const what = `${name}: AbortMultipartUpload of an extra upload`
    try {
      await attempt(
        what,
        signal =>
          calls.abortMultipartUpload({ key, uploadId }, what, signal).catch(error => {
            // Already gone (aborted or completed by someone else): nothing left to do.
            if (error instanceof UploadError && error.code === 'NoSuchUpload') return
            throw error
          }),
        options
      )
    } catch (error) {
      failed.push(reasonOf(error))
    }
  }
  const count = `${extra.length} extra multipart upload${extra.length === 1 ? '' : 's'}`
  say(
    `${name}: CreateMultipartUpload lost an answer and left ${count} open; aborted ${extra.length - failed.length} of them.`
  )
  if (failed.length > 0)
    warn(
      `${name}: could not abort ${failed.length} of the ${count} a retried CreateMultipartUpload left open (${failed.join('; ')}). An open multipart upload of ${name} may be left in One Codex's bucket, its parts kept until a lifecycle rule removes them.`
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

/** `once` under the retry policy, or one quick try when the job is being cancelled. */
async function attempt<T>(
  what: string,
  once: (signal: AbortSignal) => Promise<T>,
  { retry, signal }: SweepOptions
): Promise<T> {
  const quick = (): Promise<T> => once(AbortSignal.timeout(CALL_TIMEOUT_MS))
  if (signal?.aborted) return quick()
  try {
    return await retry.execute(what, quick, { signal })
  } catch (error) {
    // Cancelled during a backoff delay: one last quick try instead of the remaining attempts.
    if (signal?.aborted && error instanceof UploadError && error.code === 'ABORTED') return quick()
    throw error
  }
}

/** Why a call failed, in a few words (an AccessDenied is most likely the keys' scope). */
function reasonOf(error: unknown): string {
  if (error instanceof UploadError && (error.code === 'AccessDenied' || error.status === 403))
    return `S3 answered ${error.code ?? 'HTTP 403'}: the temporary upload keys may not allow it`
  return error instanceof Error ? error.message.replace(/\.$/, '') : String(error)
}
