// Test helper: talk to the local radosgw (scripts/radosgw.sh) like One Codex's storage.
// - signPostFields(): the `additional_fields` init_upload would return (SigV2 POST policy).
// - postForm(): a real multipart/form-data POST with node's http and form-data.
// - getObject(): a SigV2-signed GET, to read back what was stored.
import { createHmac } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import http from 'node:http'
import { basename } from 'node:path'
import FormData from 'form-data'

export interface S3Sandbox {
  endpoint: string
  accessKey: string
  secretKey: string
  bucket: string
}

/** The sandbox set up by __tests__/setup/global-setup.ts, or undefined when there is none. */
export function sandboxFromEnv(): S3Sandbox | undefined {
  const endpoint = process.env.RADOSGW_ENDPOINT
  if (!endpoint) return undefined
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    accessKey: process.env.RADOSGW_ACCESS_KEY ?? 'onecodex-sandbox',
    secretKey: process.env.RADOSGW_SECRET_KEY ?? '',
    bucket: process.env.RADOSGW_BUCKET ?? 'onecodex-sandbox'
  }
}

export interface PolicyOptions {
  /** the `key` form field; may contain ${filename} */
  key: string
  /** the key must start with this (policy `starts-with $key`) */
  keyPrefix: string
  /** content-length-range upper bound, in bytes */
  maxBytes: number
  expiration: Date
}

/** Form fields as init_upload returns them (`additional_fields`), signed with SigV2. */
export function signPostFields(s3: S3Sandbox, opts: PolicyOptions): Record<string, string> {
  const policy = Buffer.from(
    JSON.stringify({
      expiration: opts.expiration.toISOString(),
      conditions: [
        { bucket: s3.bucket },
        ['starts-with', '$key', opts.keyPrefix],
        { acl: 'private' },
        { success_action_status: '201' },
        { 'x-amz-server-side-encryption': 'AES256' },
        ['content-length-range', 0, opts.maxBytes]
      ]
    })
  ).toString('base64')
  return {
    AWSAccessKeyId: s3.accessKey,
    acl: 'private',
    key: opts.key,
    policy,
    signature: hmacSha1Base64(s3.secretKey, policy),
    success_action_status: '201',
    'x-amz-server-side-encryption': 'AES256'
  }
}

export interface HttpResult {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/**
 * POST `fields` then the file (form field `file`, last, as S3 requires) to `url`.
 * By default the body has an exact Content-Length; `chunked: true` sends it without one.
 */
export async function postForm(
  url: string,
  fields: Record<string, string>,
  filePath: string,
  options: { chunked?: boolean } = {}
): Promise<HttpResult> {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  const size = statSync(filePath).size
  form.append('file', createReadStream(filePath), {
    filename: basename(filePath),
    contentType: 'application/octet-stream',
    knownLength: size
  })
  const headers: http.OutgoingHttpHeaders = { ...form.getHeaders() }
  if (!options.chunked) headers['content-length'] = form.getLengthSync()
  return request(url, { method: 'POST', headers }, req => form.pipe(req))
}

/** SigV2-signed GET of an object in the sandbox bucket. */
export async function getObject(s3: S3Sandbox, key: string): Promise<HttpResult> {
  const path = `/${s3.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
  const date = new Date().toUTCString()
  const signature = hmacSha1Base64(s3.secretKey, `GET\n\n\n${date}\n${path}`)
  return request(
    `${s3.endpoint}${path}`,
    { method: 'GET', headers: { date, authorization: `AWS ${s3.accessKey}:${signature}` } },
    req => req.end()
  )
}

function hmacSha1Base64(secret: string, data: string): string {
  return createHmac('sha1', secret).update(data, 'utf8').digest('base64')
}

// One request; resolves with the response even when the server answers before it has read the
// whole body (a refusal), and only rejects when no response came at all.
function request(
  url: string,
  options: http.RequestOptions,
  send: (req: http.ClientRequest) => void
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = http.request(url, options, res => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
      )
      res.on('error', reject)
    })
    req.on('error', err => {
      if (!answered) reject(err)
    })
    send(req)
  })
}
