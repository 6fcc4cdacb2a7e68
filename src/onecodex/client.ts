import { basicAuthorization } from './auth.js'
import { createHttpClient, readBodyText, type HttpClient } from '../net/http.js'
import { proxyFor } from '../net/proxy.js'
import type { InitMultipartUploadBody, InitUploadBody } from '../contract/init-body.js'
import { httpError, networkError, UploadError, type AccountIssue } from '../shared/upload-error.js'
import { assertSecureUrl } from '../shared/url-policy.js'
import type { RetryPolicy } from '../net/retry-helper.js'

/** What init_upload hands back, checked and with every field value as a string, order kept. */
export interface InitUploadResponse {
  sampleId: string
  uploadUrl: string
  fields: Record<string, string>
  pairedEndUploadUrl?: string
  pairedEndFields?: Record<string, string>
}

/**
 * What init_multipart_upload hands back, checked. `accessKeyId` and `secretAccessKey` are
 * temporary S3 keys: secrets, for S3 only (never logged, never sent to the API).
 */
export interface InitMultipartUploadResponse {
  sampleId: string
  bucket: string
  /** Object key of the file (R1 for a pair). */
  fileId: string
  /** Object key of R2 (pairs). */
  pairedEndFileId?: string
  accessKeyId: string
  secretAccessKey: string
  /** Path on the API host to POST once every file is in S3. */
  callbackUrl: string
}

export interface OneCodexClientOptions {
  /** Idle-socket timeout of API requests. Default 120 s. */
  socketTimeoutMs?: number
}

/**
 * 401 and 402 concern the account, not one sample: the error carries the cause for the whole
 * run (see AccountIssue), said once, naming the api-key input.
 */
function accountIssue(status: number): ((said: string) => AccountIssue) | undefined {
  if (status === 401)
    return said => ({
      input: 'api-key',
      message: `One Codex did not accept the API key (HTTP 401${said ? `: ${said}` : ''}): check the api-key input; a wrong, revoked or mistyped key is the likely cause.`
    })
  if (status === 402)
    return said => ({
      input: 'api-key',
      message: `One Codex refused uploads for the account of the API key (HTTP 402 Payment Required${said ? `: ${said}` : ''}): check the account's plan or credits, or the api-key input if the key belongs to another account.`
    })
  return undefined
}

/** A 403 refuses this request only: the key was accepted but may not do this. */
function forbiddenHint(project: string | undefined): string {
  return project
    ? `The API key's account may not upload into project ${project}: check the project input (or the sample sheet's project column) and the key's access to that project.`
    : 'The API key was accepted but may not do this: check the api-key input (a key with too few rights is the likely cause).'
}

/** The hint and account-level cause of an API error status. */
function apiErrorOptions(
  status: number,
  project?: string
): { hint?: string; account?: (said: string) => AccountIssue } {
  if (status === 403) return { hint: forbiddenHint(project) }
  return { account: accountIssue(status) }
}

/** "no proxy" or "through the proxy http://proxy:3128" (origin only: no credentials). */
function proxyRoute(url: string): { via: string; proxied: boolean } {
  let proxy = ''
  try {
    proxy = proxyFor(new URL(url))?.href ?? ''
  } catch {
    proxy = ''
  }
  if (!proxy) return { via: 'no proxy', proxied: false }
  try {
    return { via: `through the proxy ${new URL(proxy).origin}`, proxied: true }
  } catch {
    return { via: 'through a proxy', proxied: true }
  }
}

/**
 * The two One Codex API calls of a standard upload. One request per call: retries belong to
 * the caller's RetryPolicy. Authenticates with HTTP Basic (key as username, empty password);
 * the key goes to api-url only.
 */
export class OneCodexClient {
  private readonly http: HttpClient
  private readonly authorization: string
  private answered = false
  private firstUnreachable?: AccountIssue

  constructor(
    private readonly apiUrl: string,
    apiKey: string,
    options: OneCodexClientOptions = {}
  ) {
    assertSecureUrl(apiUrl, 'api-url')
    this.apiUrl = apiUrl.replace(/\/+$/, '')
    this.authorization = basicAuthorization(apiKey)
    this.http = createHttpClient(options.socketTimeoutMs)
  }

  /** POST /api/v1/samples/init_upload. `what` names the sample in errors. */
  async initUpload(body: InitUploadBody, what: string): Promise<InitUploadResponse> {
    const label = `init_upload for ${what}`
    const json = await this.postJson('/api/v1/samples/init_upload', body, label)
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
    let status: number
    let text: string
    let headers: Record<string, string | string[] | undefined>
    try {
      const response = await this.http.get(`${this.apiUrl}/api/v1/samples?${query}`, {
        authorization: this.authorization,
        accept: 'application/json',
        'x-pagination-style': 'cursor'
      })
      status = response.message.statusCode ?? 0
      this.answered = true
      headers = response.message.headers
      text = await readBodyText(response.message, 16 * 1024 * 1024)
    } catch (error) {
      throw this.unreachableError(label, error)
    }
    if (status < 200 || status >= 300)
      throw httpError(label, status, text, headers, apiErrorOptions(status))
    let json: unknown
    try {
      json = JSON.parse(text) as unknown
    } catch {
      throw new UploadError(`${label} answered HTTP ${status} with a body that is not JSON.`, {
        retryable: false
      })
    }
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
      samples.push(...result.samples)
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

  /** True once api-url answered any request (whatever the status). */
  get reached(): boolean {
    return this.answered
  }

  /**
   * While api-url has never answered: the first network failure, worded as the run's cause
   * (naming api-url and whether a proxy was in the way). Undefined once it answered.
   */
  get unreachable(): AccountIssue | undefined {
    return this.answered ? undefined : this.firstUnreachable
  }

  /** POST /api/v1/samples/init_multipart_upload. `what` names the sample in errors. */
  async initMultipartUpload(
    body: InitMultipartUploadBody,
    what: string
  ): Promise<InitMultipartUploadResponse> {
    const label = `init_multipart_upload for ${what}`
    const json = await this.postJson('/api/v1/samples/init_multipart_upload', body, label)
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

  dispose(): void {
    this.http.dispose()
  }

  /**
   * A request to api-url that got no answer: the message names api-url and whether a proxy was
   * in the way; before any answer, the first such failure is also kept as the run's cause.
   */
  private unreachableError(label: string, error: unknown): UploadError {
    const failure = networkError(label, error)
    const origin = new URL(this.apiUrl).origin
    const { via, proxied } = proxyRoute(this.apiUrl)
    if (!this.answered && !this.firstUnreachable) {
      const reason = failure.message.replace(`${label} failed: `, '')
      this.firstUnreachable = {
        input: 'api-url',
        message: `One Codex could not be reached at api-url ${origin} (${via}): ${reason}. Check the api-url input${proxied ? ' and the proxy settings (HTTPS_PROXY, NO_PROXY)' : ''}.`
      }
    }
    return new UploadError(`${failure.message} (api-url ${origin}, ${via})`, {
      code: failure.code,
      status: failure.status,
      retryable: failure.retryable
    })
  }

  private async postJson(path: string, body: unknown, label: string): Promise<unknown> {
    let status: number
    let text: string
    let headers: Record<string, string | string[] | undefined>
    try {
      const response = await this.http.post(`${this.apiUrl}${path}`, JSON.stringify(body), {
        authorization: this.authorization,
        'content-type': 'application/json',
        accept: 'application/json'
      })
      status = response.message.statusCode ?? 0
      this.answered = true
      headers = response.message.headers
      text = await readBodyText(response.message)
    } catch (error) {
      throw this.unreachableError(label, error)
    }
    if (status < 200 || status >= 300) {
      const project = (body as { project?: unknown } | null)?.project
      throw httpError(
        label,
        status,
        text,
        headers,
        apiErrorOptions(status, typeof project === 'string' ? project : undefined)
      )
    }
    if (text.trim() === '') return {}
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new UploadError(`${label} answered HTTP ${status} with a body that is not JSON.`, {
        retryable: false
      })
    }
  }
}

/** A sample as GET /api/v1/samples lists it (the fields the action uses). */
export interface ListedSample {
  /** From `$uri` (`/api/v1/samples/<id>`). */
  sampleId: string
  filename?: string
  size?: number
  /** `private`, `public`, `shared`, `importing`, or `awaiting data` (upload never completed). */
  visibility?: string
  /** ISO 8601, as One Codex sends it. */
  createdAt?: string
  /** The project's id (from `{"$ref": "/api/v1/projects/<id>"}`), null when none. */
  project?: string | null
}

/** Visibility of a sample whose upload never completed. */
export const AWAITING_DATA = 'awaiting data'

const ALREADY_SUCCESSFUL = /upload already successful/i
/** Page size of sample listings (One Codex allows up to 1000). */
export const LIST_PAGE_SIZE = 500
/** A listing never legitimately needs more pages than this. */
const MAX_LIST_PAGES = 1000

/** Reads one listed sample; anything but an object with a `$uri` is a bad answer. */
export function parseListedSample(item: unknown, label: string): ListedSample {
  const data = (item ?? {}) as Record<string, unknown>
  const uri = typeof data.$uri === 'string' ? data.$uri : ''
  const id = /^\/api\/v1\/samples\/([^/]+)$/.exec(uri)?.[1]
  if (!id)
    throw new UploadError(`${label} answered with a sample without a valid $uri.`, {
      retryable: false
    })
  const ref = (data.project as { $ref?: unknown } | null | undefined)?.$ref
  const project =
    data.project === null || data.project === undefined
      ? null
      : typeof ref === 'string'
        ? (/^\/api\/v1\/projects\/([^/]+)$/.exec(ref)?.[1] ?? ref)
        : null
  return {
    sampleId: id,
    ...(typeof data.filename === 'string' ? { filename: data.filename } : {}),
    ...(typeof data.size === 'number' ? { size: data.size } : {}),
    ...(typeof data.visibility === 'string' ? { visibility: data.visibility } : {}),
    ...(typeof data.created_at === 'string' ? { createdAt: data.created_at } : {}),
    project
  }
}

/**
 * An init answer as an object, and the error for a field it lacks ("init_upload for x answered
 * without a sample_id."); throws that error when the answer is not a JSON object at all.
 */
function initAnswer(
  json: unknown,
  label: string
): { data: Record<string, unknown>; bad: (what: string) => UploadError } {
  const bad = (what: string): UploadError =>
    new UploadError(`${label} answered without ${what}.`, { retryable: false })
  if (!json || typeof json !== 'object') throw bad('a JSON object')
  return { data: json as Record<string, unknown>, bad }
}

/** Checks init_upload's answer and normalizes its field values to strings. */
export function parseInitResponse(
  json: unknown,
  label: string,
  paired: boolean
): InitUploadResponse {
  const { data, bad } = initAnswer(json, label)
  if (typeof data.sample_id !== 'string' || data.sample_id === '') throw bad('a sample_id')
  if (typeof data.upload_url !== 'string' || data.upload_url === '') throw bad('an upload_url')
  const response: InitUploadResponse = {
    sampleId: data.sample_id,
    uploadUrl: data.upload_url,
    fields: stringFields(data.additional_fields, label, 'additional_fields')
  }
  if (paired) {
    if (typeof data.paired_end_upload_url !== 'string' || data.paired_end_upload_url === '')
      throw bad('a paired_end_upload_url for the R2 mate')
    response.pairedEndUploadUrl = data.paired_end_upload_url
    response.pairedEndFields = stringFields(
      data.paired_end_additional_fields,
      label,
      'paired_end_additional_fields'
    )
  }
  return response
}

function stringFields(value: unknown, label: string, name: string): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UploadError(`${label} answered with ${name} that is not an object.`, {
      retryable: false
    })
  }
  const fields: Record<string, string> = {}
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) continue
    fields[key] = typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
  return fields
}

/**
 * The path to POST to for a `callback_url`: a path on the API host (`/api/...`), or an absolute
 * URL under api-url. Undefined for anything else (another host, a protocol-relative `//host`,
 * backslashes or control characters, which URL parsers read differently).
 */
export function apiPathOf(callbackUrl: string, apiUrl: string): string | undefined {
  const raw = callbackUrl.trim()
  // eslint-disable-next-line no-control-regex
  if (raw === '' || /[\\\x00-\x20\x7f]/.test(raw)) return undefined
  const base = apiUrl.replace(/\/+$/, '')
  let path: string
  if (raw.startsWith('/') && !raw.startsWith('//')) path = raw
  else if (raw.startsWith(`${base}/`)) path = raw.slice(base.length)
  else return undefined
  try {
    const target = new URL(`${base}${path}`)
    const origin = new URL(base)
    if (target.origin !== origin.origin || target.username || target.password) return undefined
  } catch {
    return undefined
  }
  return path
}

/** Checks init_multipart_upload's answer: every field the route needs, as non-empty strings. */
export function parseInitMultipartResponse(
  json: unknown,
  label: string,
  paired: boolean
): InitMultipartUploadResponse {
  const { data, bad } = initAnswer(json, label)
  const text = (name: string): string => {
    const value = data[name]
    if (typeof value !== 'string' || value === '') throw bad(`a ${name}`)
    return value
  }
  const response: InitMultipartUploadResponse = {
    sampleId: text('sample_id'),
    bucket: text('s3_bucket'),
    fileId: text('file_id'),
    accessKeyId: text('upload_aws_access_key_id'),
    secretAccessKey: text('upload_aws_secret_access_key'),
    callbackUrl: text('callback_url')
  }
  if (paired) response.pairedEndFileId = text('paired_end_file_id')
  return response
}
