// The answers of init_upload and init_multipart_upload, checked field by field, and the path
// init_multipart_upload's callback may be posted to (on api-url's host only).
import { UploadError } from '../shared/upload-error.js'

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
