import type { ClientRequest } from 'node:http'
import { createHttpClient, readBodyText, type HttpClient } from '../../net/http.js'
import { MultipartFileBody, type MultipartFile } from './multipart-body.js'
import { changedSegment } from '../../net/source-reader.js'
import { stallErrorOf } from '../../net/stall-watchdog.js'
import { httpError, networkError, UploadError } from '../../shared/upload-error.js'
import type { ReadPace } from '../../shared/types.js'
import { insecureUrlReason } from '../../shared/url-policy.js'

/** Where one file goes: init_upload's upload_url and additional_fields (order kept). */
export interface StorageTarget {
  url: string
  fields: Readonly<Record<string, string>>
}

/** A completed storage POST (the sha256 of its bytes comes from the scan that followed it). */
export interface StoredFile {
  bytes: number
  status: number
}

export interface StorageClientOptions {
  /** A transfer with no bytes moving for this long is aborted (and may be retried). 120 s. */
  socketTimeoutMs?: number
}

export interface StorageUploadOptions {
  /** Stops the transfer (job cancelled): the upload fails at once, not retried. */
  signal?: AbortSignal
  /** The scan that follows the body's reads (content-gate.ts). */
  pace?: ReadPace
}

/**
 * The storage refused the form because its policy expired (S3: 403 AccessDenied "Invalid
 * according to Policy: Policy expired."). Sending the same form again cannot succeed: only a
 * fresh init_upload can.
 */
export class ExpiredPolicyError extends UploadError {}

/** True for storage's answer to a form whose policy expired. */
export function isExpiredPolicyAnswer(status: number, body: string): boolean {
  return status === 403 && /policy expired/i.test(body)
}

/**
 * Streams files to object storage as multipart/form-data POSTs (S3 browser-upload style).
 * Sends no Authorization or API-key header, follows no redirect (a consumed stream cannot be
 * replayed), and sets the exact Content-Length (S3 refuses chunked bodies). Connections are kept
 * alive and go through HTTPS_PROXY unless NO_PROXY exempts the host; a transfer on which no byte
 * moves for the socket timeout is aborted with a retryable error.
 */
export class StorageClient {
  private readonly http: HttpClient

  constructor(options: StorageClientOptions = {}) {
    this.http = createHttpClient(options.socketTimeoutMs)
  }

  /**
   * Sends `file` to `target` once, from byte 0 (call again to retry: the file is re-opened).
   * `onProgress` receives the bytes read into the request so far.
   */
  async upload(
    target: StorageTarget,
    file: MultipartFile,
    onProgress?: (sentBytes: number) => void,
    options: StorageUploadOptions = {}
  ): Promise<StoredFile> {
    const what = `Storage upload of ${file.filename}`
    const reason = insecureUrlReason(target.url, 'upload_url')
    if (reason) throw new UploadError(`${what} refused: ${reason}`, { retryable: false })
    const expected = expectedStatuses(target.fields)

    const form = new MultipartFileBody(target.fields, file, onProgress, options.pace)
    let request: ClientRequest | undefined
    // The body destroys the request itself when it fails; its error is read from it below.
    form.on('error', () => undefined)
    let status: number
    let body: string
    let responseHeaders: Record<string, string | string[] | undefined>
    try {
      const response = await this.http.request('POST', target.url, form, form.getHeaders(), {
        signal: options.signal
      })
      request = response.request
      status = response.message.statusCode ?? 0
      responseHeaders = response.message.headers
      body = await readBodyText(response.message)
    } catch (error) {
      form.destroy()
      if (form.sourceError)
        throw new UploadError(`${what} failed: ${form.sourceError.message}`, {
          code: (form.sourceError as NodeJS.ErrnoException).code,
          retryable: false
        })
      throw networkError(what, stallErrorOf(request) ?? error)
    }

    if (!expected.includes(status)) {
      // An early answer (e.g. 403) may come while the body is still being sent: stop sending.
      request.destroy()
      form.destroy()
      if (status >= 300 && status < 400)
        throw new UploadError(
          `${what} was redirected (HTTP ${status}); redirects are not followed for uploads.`,
          { status, retryable: false }
        )
      if (status >= 200 && status < 300)
        throw new UploadError(
          `${what} answered HTTP ${status}, expected ${expected.join(' or ')} (success_action_status).`,
          { status, retryable: false }
        )
      if (isExpiredPolicyAnswer(status, body)) {
        const error = httpError(what, status, body, responseHeaders, {
          hint: 'The upload form from init_upload expired before storage accepted the file.'
        })
        throw new ExpiredPolicyError(error.message, {
          status,
          code: error.code,
          retryable: false
        })
      }
      throw httpError(what, status, body, responseHeaders, {
        hint:
          status === 403
            ? 'The storage refused the signed upload form (expired or mismatched policy).'
            : undefined
      })
    }
    if (form.sourceError)
      throw new UploadError(`${what} failed: ${form.sourceError.message}`, { retryable: false })
    const sent = form.sent
    if (sent !== file.size)
      throw new UploadError(
        `${what}: storage answered HTTP ${status} after ${sent} of ${file.size} bytes.`,
        { status, retryable: false }
      )
    const changed = await changedSegment(file)
    if (changed) throw new UploadError(`${what}: ${changed}`, { retryable: false })
    return { bytes: sent, status }
  }

  dispose(): void {
    this.http.dispose()
  }
}

/** The success status(es): success_action_status when given (S3 honours 200/201/204), else 200/204. */
export function expectedStatuses(fields: Readonly<Record<string, string>>): number[] {
  const raw = fields['success_action_status']
  if (raw !== undefined && /^(200|201|204)$/.test(raw.trim())) return [Number(raw.trim())]
  return [200, 204]
}
