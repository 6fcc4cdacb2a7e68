/**
 * Tells the S3 REST requests that reach the storage endpoint apart (path-style addressing:
 * `/{bucket}/{key}?{query}`), finds the access key id they were signed with, and strips their
 * secrets for the request log.
 */
import type { IncomingMessage } from 'node:http'
import type { S3Operation } from './faults.js'
import type { LoggedRequest, S3Details } from './http-util.js'

export interface S3Request {
  /** `storage` is the browser-form POST of the standard upload (POST /{bucket}, no query). */
  op: S3Operation | 'storage'
  bucket: string
  /** Percent-decoded object key; '' for bucket operations. */
  key: string
  query: URLSearchParams
}

/** Splits a raw request target into bucket, decoded key and query. */
export function parseTarget(rawUrl: string): {
  bucket: string
  key: string
  query: URLSearchParams
} {
  const at = rawUrl.indexOf('?')
  const path = at < 0 ? rawUrl : rawUrl.slice(0, at)
  const query = new URLSearchParams(at < 0 ? '' : rawUrl.slice(at + 1))
  const [, bucket = '', ...rest] = path.split('/')
  const decode = (segment: string): string => {
    try {
      return decodeURIComponent(segment)
    } catch {
      return segment
    }
  }
  return { bucket: decode(bucket), key: rest.map(decode).join('/'), query }
}

/** The operation a request asks for, by method, key presence and sub-resource parameters. */
export function classify(method: string, rawUrl: string): S3Request {
  const { bucket, key, query } = parseTarget(rawUrl)
  const has = (name: string): boolean => query.has(name)
  let op: S3Request['op'] = 's3:Other'
  if (key === '') {
    if (method === 'POST' && !has('uploads') && !has('uploadId') && !has('delete')) op = 'storage'
    else if (method === 'GET' && has('uploads')) op = 's3:ListMultipartUploads'
    else if (method === 'GET' && bucket !== '') op = 's3:ListObjects'
  } else if (method === 'POST' && has('uploads')) op = 's3:CreateMultipartUpload'
  else if (method === 'POST' && has('uploadId')) op = 's3:CompleteMultipartUpload'
  else if (method === 'PUT' && has('uploadId') && has('partNumber')) op = 's3:UploadPart'
  else if (method === 'PUT' && !has('uploadId')) op = 's3:PutObject'
  else if (method === 'DELETE' && has('uploadId')) op = 's3:AbortMultipartUpload'
  else if (method === 'DELETE') op = 's3:DeleteObject'
  else if (method === 'GET' && has('uploadId')) op = 's3:ListParts'
  else if (method === 'GET') op = 's3:GetObject'
  else if (method === 'HEAD') op = 's3:HeadObject'
  return { op, bucket, key, query }
}

/**
 * The access key id a request names: SigV4 `Credential=AKID/...`, SigV2 `AWS AKID:sig`, or the
 * same in a presigned URL's query. Undefined when the request is anonymous.
 */
export function accessKeyOf(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const auth = req.headers.authorization ?? ''
  const v4 = /^AWS4-HMAC-SHA256\s+.*?Credential=([^/,\s]+)\//i.exec(auth)
  if (v4) return v4[1]
  const v2 = /^AWS\s+([^:\s]+):/i.exec(auth)
  if (v2) return v2[1]
  const presignedV4 = query.get('X-Amz-Credential')
  if (presignedV4) return presignedV4.split('/')[0]
  return query.get('AWSAccessKeyId') ?? undefined
}

const SECRET_HEADERS = ['authorization', 'x-amz-security-token']
const SECRET_PARAMS = ['X-Amz-Signature', 'Signature', 'X-Amz-Security-Token']

/**
 * Fills in an S3 request's log entry: the details, and headers and URL without signatures or
 * tokens (the access key id stays, in `s3.accessKeyId`).
 */
export function describeS3(
  entry: LoggedRequest,
  req: IncomingMessage,
  request: S3Request
): S3Details {
  const details: S3Details = { bucket: request.bucket, key: request.key }
  const uploadId = request.query.get('uploadId')
  if (uploadId !== null) details.uploadId = uploadId
  const partNumber = request.query.get('partNumber')
  if (partNumber !== null) details.partNumber = Number(partNumber)
  const accessKeyId = accessKeyOf(req, request.query)
  if (accessKeyId !== undefined) details.accessKeyId = accessKeyId
  for (const name of SECRET_HEADERS) {
    if (entry.headers[name] !== undefined) entry.headers[name] = '[redacted]'
  }
  if (SECRET_PARAMS.some(name => request.query.has(name))) {
    const [path] = entry.url.split('?')
    const query = new URLSearchParams(request.query)
    for (const name of SECRET_PARAMS) if (query.has(name)) query.set(name, 'redacted')
    entry.url = `${path}?${query.toString()}`
  }
  if (request.key !== '') entry.fileName = request.key.split('/').at(-1)
  entry.s3 = details
  return details
}
