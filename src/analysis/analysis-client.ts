/**
 * The wait's client over One Codex's API: the sample and classification listings
 * (`where` `$uri` `$in`, cursor pages of up to 1000) and a classification's results. It is an
 * ApiConnection like the upload's client (src/onecodex/): the same Basic auth sent to api-url
 * only (every URL is api-url plus a fixed path; no redirect is followed), the same wording of
 * 401/402/403 and of an api-url that cannot be reached. Each request goes through the run's
 * RetryPolicy like any other.
 */
import type { RetryPolicy } from '../net/retry-helper.js'
import { ApiConnection } from '../onecodex/connection.js'
import { UploadError } from '../shared/upload-error.js'
import type {
  AnalysisClient,
  ClassificationResults,
  ClassificationView,
  ResultsRow,
  SampleView
} from './types.js'

export interface AnalysisHttpOptions {
  apiUrl: string
  apiKey: string
  retry: Pick<RetryPolicy, 'execute'>
  /** Idle-socket timeout of each request. Default 120 s. */
  socketTimeoutMs?: number
  /**
   * Longest path and query of one listing request (before a `cursor` of a later page); a
   * longer id list is split over several. Default 3000 characters (servers and proxies
   * commonly allow 8 KB).
   */
  maxRequestChars?: number
  /** Page size asked for (One Codex allows up to 1000). Default 1000. */
  perPage?: number
}

export const MAX_REQUEST_CHARS = 3000
const PER_PAGE = 1000
const MAX_PAGES = 1000
const LIST_BODY_LIMIT = 16 * 1024 * 1024
const RESULTS_BODY_LIMIT = 64 * 1024 * 1024

const SAMPLE_URI = /^\/api\/v1\/samples\/([^/]+)$/
const CLASSIFICATION_URI = /^\/api\/v1\/classifications\/([^/]+)$/

/** Length of `text` once form-encoded in a query (each character encodes on its own). */
const encodedLength = (text: string): number =>
  new URLSearchParams({ q: text }).toString().length - 2

/**
 * Splits `uris` into lists whose `where={"$uri":{"$in":[...]}}` query stays within `room`
 * characters once encoded (at least one URI per list).
 */
export function splitByLength(uris: readonly string[], room: number): string[][] {
  const base = encodedLength(JSON.stringify({ $uri: { $in: [] } }))
  const chunks: string[][] = []
  let chunk: string[] = []
  let used = base
  for (const uri of uris) {
    const piece = encodedLength(JSON.stringify(uri)) + (chunk.length > 0 ? encodedLength(',') : 0)
    if (chunk.length > 0 && used + piece > room) {
      chunks.push(chunk)
      chunk = []
      used = base
      used += encodedLength(JSON.stringify(uri))
    } else used += piece
    chunk.push(uri)
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The id of `{"$ref": "<uri>"}` when the URI matches `pattern`, else null. */
function refId(value: unknown, pattern: RegExp): string | null {
  if (!isObject(value) || typeof value.$ref !== 'string') return null
  return pattern.exec(value.$ref)?.[1] ?? null
}

const numberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null

export class OneCodexAnalysisClient extends ApiConnection implements AnalysisClient {
  private readonly retry: Pick<RetryPolicy, 'execute'>
  private readonly maxRequestChars: number
  private readonly perPage: number

  constructor(options: AnalysisHttpOptions) {
    super(options.apiUrl, options.apiKey, {
      socketTimeoutMs: options.socketTimeoutMs,
      purpose: 'analyses'
    })
    this.retry = options.retry
    this.maxRequestChars = options.maxRequestChars ?? MAX_REQUEST_CHARS
    this.perPage = options.perPage ?? PER_PAGE
  }

  async listSamples(sampleIds: readonly string[], signal?: AbortSignal): Promise<SampleView[]> {
    const items = await this.listAll(
      '/api/v1/samples',
      sampleIds.map(id => `/api/v1/samples/${id}`),
      'sample',
      signal
    )
    return items.map(({ item, label }) => {
      const id = typeof item.$uri === 'string' ? SAMPLE_URI.exec(item.$uri)?.[1] : undefined
      if (!id) throw bad(`${label} answered with a sample without a valid $uri.`)
      return {
        sampleId: id,
        classificationId: refId(item.primary_classification, CLASSIFICATION_URI),
        ...(typeof item.visibility === 'string' ? { visibility: item.visibility } : {})
      }
    })
  }

  async listClassifications(
    classificationIds: readonly string[],
    signal?: AbortSignal
  ): Promise<ClassificationView[]> {
    const items = await this.listAll(
      '/api/v1/classifications',
      classificationIds.map(id => `/api/v1/classifications/${id}`),
      'classification',
      signal
    )
    return items.map(({ item, label }) => {
      const id = typeof item.$uri === 'string' ? CLASSIFICATION_URI.exec(item.$uri)?.[1] : undefined
      if (!id) throw bad(`${label} answered with a classification without a valid $uri.`)
      if (typeof item.complete !== 'boolean')
        throw bad(`${label} answered with classification ${id} without "complete".`)
      const sampleId = refId(item.sample, SAMPLE_URI)
      return {
        classificationId: id,
        ...(sampleId ? { sampleId } : {}),
        complete: item.complete,
        success: item.success === true,
        error: typeof item.error_msg === 'string' ? item.error_msg : null
      }
    })
  }

  async getResults(classificationId: string, signal?: AbortSignal): Promise<ClassificationResults> {
    const label = `reading the results of classification ${classificationId}`
    const path = `/api/v1/classifications/${encodeURIComponent(classificationId)}/results`
    const { json } = await this.retry.execute(
      label,
      () => this.getPage(path, label, RESULTS_BODY_LIMIT, signal),
      { signal }
    )
    if (!isObject(json) || !Array.isArray(json.table))
      throw bad(`${label}: One Codex answered without a results table.`)
    const table: ResultsRow[] = []
    for (const row of json.table) {
      if (!isObject(row)) continue
      const taxId =
        typeof row.tax_id === 'string' || typeof row.tax_id === 'number' ? String(row.tax_id) : ''
      if (taxId === '' || typeof row.name !== 'string' || typeof row.rank !== 'string') continue
      table.push({
        tax_id: taxId,
        name: row.name,
        rank: row.rank,
        readcount: numberOrNull(row.readcount),
        readcount_w_children: numberOrNull(row.readcount_w_children),
        abundance: numberOrNull(row.abundance),
        abundance_w_children: numberOrNull(row.abundance_w_children)
      })
    }
    return {
      n_reads: numberOrNull(json.n_reads),
      host_tax_ids: Array.isArray(json.host_tax_ids) ? json.host_tax_ids.map(String) : [],
      table
    }
  }

  /**
   * Every item of `path` whose `$uri` is one of `uris`: one request per split of the list (to
   * keep each request line within maxRequestChars), following each split's cursor pages.
   */
  private async listAll(
    path: string,
    uris: readonly string[],
    noun: string,
    signal?: AbortSignal
  ): Promise<{ item: Record<string, unknown>; label: string }[]> {
    const fixed = `${path}?where=&per_page=${this.perPage}`.length
    const room = Math.max(1, this.maxRequestChars - fixed)
    const out: { item: Record<string, unknown>; label: string }[] = []
    for (const chunk of splitByLength([...new Set(uris)], room)) {
      const label = `listing ${chunk.length} ${noun}${chunk.length === 1 ? '' : 's'}`
      const seen = new Set<string>()
      let cursor: string | undefined
      for (let page = 1; ; page++) {
        const query = new URLSearchParams({ where: JSON.stringify({ $uri: { $in: chunk } }) })
        query.set('per_page', String(this.perPage))
        if (cursor !== undefined) query.set('cursor', cursor)
        const pageLabel = page > 1 ? `${label} (page ${page})` : label
        const { json, next } = await this.retry.execute(
          pageLabel,
          () => this.getPage(`${path}?${query}`, pageLabel, LIST_BODY_LIMIT, signal),
          { signal }
        )
        if (!Array.isArray(json)) throw bad(`${pageLabel} answered with something not a list.`)
        for (const item of json) {
          if (!isObject(item)) throw bad(`${pageLabel} answered with an item not an object.`)
          out.push({ item, label: pageLabel })
        }
        if (!next) break
        if (seen.has(next) || page >= MAX_PAGES)
          throw bad(`${label}: One Codex kept handing out more pages (${page}); giving up.`)
        seen.add(next)
        cursor = next
      }
    }
    return out
  }

  /** One GET of `path` on api-url: its JSON body and X-Next-Cursor. */
  private async getPage(
    path: string,
    label: string,
    bodyLimit: number,
    signal?: AbortSignal
  ): Promise<{ json: unknown; next?: string }> {
    const { json, headers } = await this.getJson(
      path,
      label,
      { 'x-pagination-style': 'cursor' },
      { signal, bodyLimit }
    )
    const raw = headers['x-next-cursor']
    const next = (Array.isArray(raw) ? raw[0] : raw)?.trim()
    return { json, ...(next ? { next } : {}) }
  }
}

const bad = (message: string): UploadError => new UploadError(message, { retryable: false })
