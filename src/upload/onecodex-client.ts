import type { HttpClient } from '@actions/http-client'
import { basicAuthorization } from './auth.js'
import { createHttpClient, readBodyText } from './http.js'
import type { InitUploadBody } from '../contract/init-body.js'
import { httpError, networkError, UploadError } from './upload-error.js'
import { assertSecureUrl } from '../shared/url-policy.js'

/** What init_upload hands back, checked and with every field value as a string, order kept. */
export interface InitUploadResponse {
  sampleId: string
  uploadUrl: string
  fields: Record<string, string>
  pairedEndUploadUrl?: string
  pairedEndFields?: Record<string, string>
}

export interface OneCodexClientOptions {
  /** Idle-socket timeout of API requests. Default 120 s. */
  socketTimeoutMs?: number
}

const KEY_HINT =
  'One Codex did not accept the API key: check the api-key input (a wrong, revoked or under-privileged key is the likely cause).'

/**
 * The two One Codex API calls of a standard upload. One request per call: retries belong to
 * the caller's RetryPolicy. Authenticates with HTTP Basic (key as username, empty password);
 * the key goes to api-url only.
 */
export class OneCodexClient {
  private readonly http: HttpClient
  private readonly authorization: string

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

  dispose(): void {
    this.http.dispose()
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
      headers = response.message.headers
      text = await readBodyText(response.message)
    } catch (error) {
      throw networkError(label, error)
    }
    if (status < 200 || status >= 300) {
      throw httpError(label, status, text, headers, {
        hint: status === 401 || status === 403 ? KEY_HINT : undefined
      })
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

/** Checks init_upload's answer and normalizes its field values to strings. */
export function parseInitResponse(
  json: unknown,
  label: string,
  paired: boolean
): InitUploadResponse {
  const bad = (what: string): UploadError =>
    new UploadError(`${label} answered without ${what}.`, { retryable: false })
  if (!json || typeof json !== 'object') throw bad('a JSON object')
  const data = json as Record<string, unknown>
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
