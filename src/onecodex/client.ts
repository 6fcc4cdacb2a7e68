import type { InitMultipartUploadBody, InitUploadBody } from '../contract/init-body.js'
import type { RetryPolicy } from '../net/retry-helper.js'
import { UploadError } from '../shared/upload-error.js'
import { append } from '../shared/arrays.js'
import { ApiConnection } from './connection.js'
import {
  apiPathOf,
  parseInitMultipartResponse,
  parseInitResponse,
  type InitMultipartUploadResponse,
  type InitUploadResponse
} from './init-answers.js'
import { LIST_PAGE_SIZE, MAX_LIST_PAGES, parseListedSample, type ListedSample } from './samples.js'

export type { OneCodexClientOptions } from './connection.js'

const ALREADY_SUCCESSFUL = /upload already successful/i

/**
 * Routes every One Codex API has: their 404 stops the run. Not confirm_upload or cancel_upload,
 * whose 404 says that one sample was not found (init_upload on the same api-url worked).
 */
const MUST_EXIST = { mustExist: true } as const

/**
 * The One Codex API calls of the action, by route family: the standard route (init_upload,
 * confirm_upload), the multipart route (init_multipart_upload, its callback), cancel_upload,
 * and the sample listing. One request per call: retries belong to the caller's RetryPolicy.
 */
export class OneCodexClient extends ApiConnection {
  // ── standard route ──

  /** POST /api/v1/samples/init_upload. `what` names the sample in errors. */
  async initUpload(body: InitUploadBody, what: string): Promise<InitUploadResponse> {
    const label = `init_upload for ${what}`
    const json = await this.postJson('/api/v1/samples/init_upload', body, label, MUST_EXIST)
    return parseInitResponse(json, label, body.paired_end_filename !== undefined)
  }

  /** POST /api/v1/samples/confirm_upload with `{sample_id}`. */
  async confirmUpload(sampleId: string, what: string): Promise<void> {
    const label = `confirm_upload of sample ${sampleId} (${what})`
    const json = await this.postJson(
      '/api/v1/samples/confirm_upload',
      { sample_id: sampleId },
      label
    )
    if (json && typeof json === 'object' && (json as { success?: unknown }).success === false) {
      const message = (json as { message?: unknown }).message
      throw new UploadError(
        `${label} was refused${typeof message === 'string' ? `: ${message}` : ''}.`,
        { retryable: false }
      )
    }
  }

  // ── multipart route ──

  /** POST /api/v1/samples/init_multipart_upload. `what` names the sample in errors. */
  async initMultipartUpload(
    body: InitMultipartUploadBody,
    what: string
  ): Promise<InitMultipartUploadResponse> {
    const label = `init_multipart_upload for ${what}`
    const json = await this.postJson(
      '/api/v1/samples/init_multipart_upload',
      body,
      label,
      MUST_EXIST
    )
    return parseInitMultipartResponse(json, label, body.paired_end_filename !== undefined)
  }

  /**
   * POSTs `{s3_path, filename}` to init_multipart_upload's `callback_url` once every file is in
   * S3, and returns the sample_id of the answer (undefined when it names none). The callback
   * must be a path on api-url's host: the API key goes nowhere else.
   */
  async callback(
    callbackUrl: string,
    body: { s3_path: string; filename: string },
    what: string
  ): Promise<string | undefined> {
    const label = `callback for ${what}`
    const path = apiPathOf(callbackUrl, this.apiUrl)
    if (path === undefined)
      throw new UploadError(
        `${label} refused: callback_url "${callbackUrl.slice(0, 200)}" is not a path on ${new URL(this.apiUrl).origin}, and the API key goes nowhere else.`,
        { retryable: false }
      )
    const json = await this.postJson(path, body, label)
    const sampleId = (json as { sample_id?: unknown } | null)?.sample_id
    return typeof sampleId === 'string' && sampleId !== '' ? sampleId : undefined
  }

  // ── cancel ──

  /**
   * POST /api/v1/samples/cancel_upload with `{sample_id}`, so that a sample whose upload did
   * not complete is not left awaiting data. One request. An answer saying the upload already
   * succeeded (200 with success false, or an error status) is not an error: 'already complete'.
   */
  async cancelUpload(sampleId: string, what: string): Promise<'cancelled' | 'already complete'> {
    const label = `cancel_upload of sample ${sampleId} (${what})`
    let json: unknown
    try {
      json = await this.postJson('/api/v1/samples/cancel_upload', { sample_id: sampleId }, label)
    } catch (error) {
      if (error instanceof UploadError && ALREADY_SUCCESSFUL.test(error.message))
        return 'already complete'
      throw error
    }
    const answer = (json ?? {}) as { success?: unknown; message?: unknown }
    const message = typeof answer.message === 'string' ? answer.message : ''
    if (ALREADY_SUCCESSFUL.test(message)) return 'already complete'
    if (answer.success === false)
      throw new UploadError(`${label} was refused${message ? `: ${message}` : ''}.`, {
        retryable: false
      })
    return 'cancelled'
  }

  // ── sample listing ──

  /**
   * One page of GET /api/v1/samples?where=…, cursor-paginated (`X-Pagination-Style: cursor`;
   * the `X-Next-Cursor` answer header, sent back as `cursor`, leads to the next page).
   */
  async listSamplesPage(
    where: Record<string, unknown>,
    options: { cursor?: string; perPage?: number; label?: string } = {}
  ): Promise<{ samples: ListedSample[]; nextCursor?: string }> {
    const label = options.label ?? 'listing samples'
    const query = new URLSearchParams({ where: JSON.stringify(where) })
    query.set('per_page', String(options.perPage ?? LIST_PAGE_SIZE))
    if (options.cursor !== undefined) query.set('cursor', options.cursor)
    const { json, headers } = await this.getJson(
      `/api/v1/samples?${query}`,
      label,
      { 'x-pagination-style': 'cursor' },
      MUST_EXIST
    )
    if (!Array.isArray(json))
      throw new UploadError(`${label} answered with ${typeof json}, not a list of samples.`, {
        retryable: false
      })
    const raw = headers['x-next-cursor']
    const next = (Array.isArray(raw) ? raw[0] : raw)?.trim()
    return {
      samples: json.map(item => parseListedSample(item, label)),
      ...(next ? { nextCursor: next } : {})
    }
  }

  /**
   * Every sample matching `where`, following every page; each page request goes through
   * `retry` (so a failed page is retried alone, and a final failure throws).
   */
  async listSamples(
    where: Record<string, unknown>,
    retry: Pick<RetryPolicy, 'execute'>,
    options: { perPage?: number; label?: string } = {}
  ): Promise<ListedSample[]> {
    const label = options.label ?? 'listing samples'
    const samples: ListedSample[] = []
    const seen = new Set<string>()
    let cursor: string | undefined
    for (let page = 1; ; page++) {
      const result = await retry.execute(`${label} (page ${page})`, () =>
        this.listSamplesPage(where, { cursor, perPage: options.perPage, label })
      )
      append(samples, result.samples)
      if (!result.nextCursor) return samples
      if (seen.has(result.nextCursor) || page >= MAX_LIST_PAGES)
        throw new UploadError(
          `${label}: One Codex kept handing out more pages (${page} so far, cursor repeated or limit reached); giving up.`,
          { retryable: false }
        )
      seen.add(result.nextCursor)
      cursor = result.nextCursor
    }
  }
}
