/**
 * A tiny S3 client for the sandbox: HEAD and GET of one object and the list of multipart uploads
 * in progress, signed with AWS signature version 2 (what radosgw accepts with plain
 * access/secret keys).
 */
import { createHash, createHmac } from 'node:crypto'
import http from 'node:http'

export interface S3Target {
  endpoint: string
  bucket: string
  accessKey: string
  secretKey: string
}

/** `/bucket/key` with every key segment percent-encoded, as sent and as signed. */
export function objectPath(bucket: string, key: string): string {
  const encode = (segment: string): string =>
    encodeURIComponent(segment).replace(
      /[!'()*]/g,
      c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
    )
  return `/${encode(bucket)}/${key.split('/').map(encode).join('/')}`
}

/**
 * The SigV2 `Authorization` header for a request without body, Content-MD5, Content-Type or
 * x-amz-* headers: `AWS key:base64(HMAC-SHA1(secret, VERB\n\n\nDATE\nRESOURCE))`.
 */
export function signV2(
  method: string,
  resource: string,
  date: string,
  credentials: { accessKey: string; secretKey: string }
): string {
  const stringToSign = `${method}\n\n\n${date}\n${resource}`
  const signature = createHmac('sha1', credentials.secretKey)
    .update(stringToSign, 'utf8')
    .digest('base64')
  return `AWS ${credentials.accessKey}:${signature}`
}

function request(
  target: S3Target,
  method: 'HEAD' | 'GET',
  key: string,
  /** A sub-resource (signed) and other parameters (not signed), e.g. `?uploads&prefix=a`. */
  query: { subresource?: string; params?: Record<string, string> } = {}
): Promise<http.IncomingMessage> {
  const url = new URL(target.endpoint)
  const path =
    key === '' ? `/${encodeURIComponent(target.bucket)}/` : objectPath(target.bucket, key)
  const resource = query.subresource ? `${path}?${query.subresource}` : path
  const params = new URLSearchParams(query.params ?? {}).toString()
  const search = [query.subresource, params].filter(Boolean).join('&')
  const date = new Date().toUTCString()
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname: url.hostname,
      port: url.port,
      method,
      path: url.pathname.replace(/\/$/, '') + path + (search ? `?${search}` : ''),
      headers: { Date: date, Authorization: signV2(method, resource, date, target) }
    })
    req.on('response', resolve)
    req.on('error', reject)
    req.end()
  })
}

async function failure(res: http.IncomingMessage, what: string): Promise<Error> {
  let body = ''
  for await (const chunk of res) body += String(chunk)
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? ''
  return new Error(`S3 ${what} answered ${res.statusCode} ${code}`.trim())
}

/** The object's size, or undefined when it does not exist. */
export async function headObject(target: S3Target, key: string): Promise<number | undefined> {
  const res = await request(target, 'HEAD', key)
  res.resume()
  if (res.statusCode === 404) return undefined
  if (res.statusCode !== 200) throw await failure(res, `HEAD ${key}`)
  return Number(res.headers['content-length'])
}

/** The object's size and sha256 (streamed, never buffered), or undefined when it does not exist. */
export async function hashObject(
  target: S3Target,
  key: string
): Promise<{ size: number; sha256: string } | undefined> {
  const res = await request(target, 'GET', key)
  if (res.statusCode === 404) {
    res.resume()
    return undefined
  }
  if (res.statusCode !== 200) throw await failure(res, `GET ${key}`)
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of res as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  return { size, sha256: hash.digest('hex') }
}

/** The multipart uploads in progress under `prefix` (the first 1000). */
export async function listMultipartUploads(
  target: S3Target,
  prefix: string
): Promise<{ key: string; uploadId: string; initiated: Date }[]> {
  const res = await request(target, 'GET', '', { subresource: 'uploads', params: { prefix } })
  if (res.statusCode !== 200) throw await failure(res, 'ListMultipartUploads')
  let body = ''
  for await (const chunk of res) body += String(chunk)
  const text = (block: string, tag: string): string =>
    (new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(block)?.[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&')
  return [...body.matchAll(/<Upload>([\s\S]*?)<\/Upload>/g)].map(([, block]) => ({
    key: text(block, 'Key'),
    uploadId: text(block, 'UploadId'),
    initiated: new Date(text(block, 'Initiated'))
  }))
}
