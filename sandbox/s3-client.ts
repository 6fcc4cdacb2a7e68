/**
 * A tiny S3 client for the sandbox: HEAD and GET of one object, signed with AWS signature
 * version 2 (what radosgw accepts with plain access/secret keys).
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
  key: string
): Promise<http.IncomingMessage> {
  const url = new URL(target.endpoint)
  const resource = objectPath(target.bucket, key)
  const date = new Date().toUTCString()
  return new Promise((resolve, reject) => {
    const req = http.request({
      hostname: url.hostname,
      port: url.port,
      method,
      path: url.pathname.replace(/\/$/, '') + resource,
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
