import type { HttpClient } from '@actions/http-client'
import type { ClientRequest } from 'node:http'
import { createHttpClient, readBodyText } from './http.js'
import { MultipartFileBody, type MultipartFile } from './multipart-body.js'
import { changedSegment } from './source-reader.js'
import { httpError, networkError, UploadError } from './upload-error.js'
import { insecureUrlReason } from '../shared/url-policy.js'

/** Where one file goes: init_upload's upload_url and additional_fields (order kept). */
export interface StorageTarget {
  url: string
  fields: Readonly<Record<string, string>>
}

/** A completed storage POST. `sha256` is of the bytes sent, computed while streaming. */
export interface StoredFile {
  sha256: string
  bytes: number
  status: number
}

export interface StorageClientOptions {
  /** A transfer with no bytes moving for this long is aborted (and may be retried). 120 s. */
  socketTimeoutMs?: number
}

/**
 * Streams files to object storage as multipart/form-data POSTs (S3 browser-upload style).
 * Sends no Authorization or API-key header, follows no redirect (a consumed stream cannot be
 * replayed), and sets the exact Content-Length (S3 refuses chunked bodies).
 */
export class StorageClient {
  private readonly clients = new Map<string, HttpClient>()
  private readonly socketTimeoutMs?: number

  constructor(options: StorageClientOptions = {}) {
    this.socketTimeoutMs = options.socketTimeoutMs
  }

  /**
   * Sends `file` to `target` once, from byte 0 (call again to retry: the file is re-opened).
   * `onProgress` receives the bytes read into the request so far.
   */
  async upload(
    target: StorageTarget,
    file: MultipartFile,
    onProgress?: (sentBytes: number) => void
  ): Promise<StoredFile> {
    const what = `Storage upload of ${file.filename}`
    const reason = insecureUrlReason(target.url, 'upload_url')
    if (reason) throw new UploadError(`${what} refused: ${reason}`, { retryable: false })
    const expected = expectedStatuses(target.fields)

    const form = new MultipartFileBody(target.fields, file, onProgress)
    let request: ClientRequest | undefined
    let failure: Error | undefined
    const abort = (error: Error): void => {
      failure ??= error
      request?.destroy(error)
    }
    form.on('error', abort)
    // http-client pipes the body into its ClientRequest; keep hold of it to abort it.
    const pipe = form.pipe.bind(form)
    form.pipe = (<T extends NodeJS.WritableStream>(destination: T) => {
      request = destination as unknown as ClientRequest
      return pipe(destination)
    }) as typeof form.pipe
    const headers = form.getHeaders()
    let status: number
    let body: string
    let responseHeaders: Record<string, string | string[] | undefined>
    try {
      const response = await this.clientFor(target.url).sendStream(
        'POST',
        target.url,
        form,
        headers
      )
      status = response.message.statusCode ?? 0
      responseHeaders = response.message.headers
      body = await readBodyText(response.message)
    } catch (error) {
      const cause = failure ?? error
      request?.destroy()
      form.destroy()
      if (cause instanceof UploadError) throw cause
      if ((cause as NodeJS.ErrnoException).syscall === 'open' || cause === failure)
        throw new UploadError(`${what} failed: ${(cause as Error).message}`, {
          code: (cause as NodeJS.ErrnoException).code,
          retryable: false
        })
      throw networkError(what, cause)
    }

    if (!expected.includes(status)) {
      // An early answer (e.g. 403) may come while the body is still being sent: stop sending.
      request?.destroy()
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
      throw httpError(what, status, body, responseHeaders, {
        hint:
          status === 403
            ? 'The storage refused the signed upload form (expired or mismatched policy).'
            : undefined
      })
    }
    if (failure) throw failure
    const sent = form.sent
    if (sent !== file.size)
      throw new UploadError(
        `${what}: storage answered HTTP ${status} after ${sent} of ${file.size} bytes.`,
        { status, retryable: false }
      )
    const changed = await changedSegment(file)
    if (changed) throw new UploadError(`${what}: ${changed}`, { retryable: false })
    return { sha256: form.sha256(), bytes: sent, status }
  }

  dispose(): void {
    for (const client of this.clients.values()) client.dispose()
    this.clients.clear()
  }

  // http-client keeps one agent per client, so keep one client per protocol.
  private clientFor(url: string): HttpClient {
    const protocol = new URL(url).protocol
    let client = this.clients.get(protocol)
    if (!client) {
      client = createHttpClient(this.socketTimeoutMs)
      this.clients.set(protocol, client)
    }
    return client
  }
}

/** The success status(es): success_action_status when given (S3 honours 200/201/204), else 200/204. */
export function expectedStatuses(fields: Readonly<Record<string, string>>): number[] {
  const raw = fields['success_action_status']
  if (raw !== undefined && /^(200|201|204)$/.test(raw.trim())) return [Number(raw.trim())]
  return [200, 204]
}
