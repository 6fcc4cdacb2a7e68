/**
 * The sink's S3 side, for the multipart route: what One Codex's `init_multipart_upload` hands
 * out (fake temporary keys, a bucket, one object key per file, a callback path) and the S3 calls
 * the route then makes, path-style (`AWS_ENDPOINT_URL_S3=http://127.0.0.1:<port>`):
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
 * HeadObject. Bodies are counted and thrown away.
 *
 * No signature is checked, but every request must carry the issued access key id in a SigV4
 * Authorization header and nothing of the API key or the secret key; CreateMultipartUpload must
 * ask for AES256 server-side encryption (One Codex's buckets do); a body must have a
 * Content-Length (no chunked or aws-chunked bodies: radosgw answers 411 to those); parts other
 * than the last must be at least 5 MiB and Complete must list existing parts in order with their
 * ETags. The harness checks each completed object's size against the file.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { throttle } from './sink-throttle.js'
import { fail, resetDue, state, storageRequest, type StoredObject } from './sink-state.js'

export const S3_BUCKET = 'bench-multipart-uploads'
export const CALLBACK_PATH = '/api/import_file_from_s3'
const MIN_PART = 5 * 1024 * 1024
const MAX_PART = 5 * 1024 * 1024 * 1024
const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/'

interface IssuedMultipart {
  readonly sampleId: string
  readonly fileId: string
  readonly pairedFileId?: string
  readonly filename: string
  readonly accessKeyId: string
  readonly secret: string
  completed: boolean
}

interface Upload {
  readonly id: string
  readonly key: string
  readonly parts: Map<number, { size: number; etag: string }>
  /** Part 1's size: every part but the last has it, so part n starts at (n - 1) × partSize. */
  partSize?: number
}

interface Completed extends StoredObject {
  /** Completion order, to check R2 completed before R1. */
  readonly seq: number
}

const issuedById = new Map<string, IssuedMultipart>()
const issuedByKey = new Map<string, IssuedMultipart>()
const uploads = new Map<string, Upload>()
const objects = new Map<string, Completed>()
/** Every secret key handed out: none may come back to the API or appear in an S3 request. */
export const issuedSecrets = new Set<string>()
let completions = 0

export function resetS3(): void {
  issuedById.clear()
  issuedByKey.clear()
  uploads.clear()
  objects.clear()
  issuedSecrets.clear()
  completions = 0
}

export function openUploads(): number {
  return uploads.size
}

/** `init_multipart_upload`'s answer for `filename` (and `pairedFilename` for a pair). */
export function issueMultipart(filename: string, pairedFilename?: string): Record<string, string> {
  const sampleId = randomBytes(8).toString('hex')
  const fileId = `${randomBytes(12).toString('hex')}/${filename}`
  const pairedFileId = pairedFilename
    ? `${randomBytes(12).toString('hex')}/${pairedFilename}`
    : undefined
  const issued: IssuedMultipart = {
    sampleId,
    fileId,
    pairedFileId,
    filename,
    accessKeyId: `ASIABENCH${randomBytes(6).toString('hex').toUpperCase()}`,
    secret: randomBytes(30).toString('base64'),
    completed: false
  }
  issuedById.set(sampleId, issued)
  issuedByKey.set(fileId, issued)
  if (pairedFileId) issuedByKey.set(pairedFileId, issued)
  issuedSecrets.add(issued.secret)
  return {
    sample_id: sampleId,
    s3_bucket: S3_BUCKET,
    file_id: fileId,
    ...(pairedFileId ? { paired_end_file_id: pairedFileId } : {}),
    upload_aws_access_key_id: issued.accessKeyId,
    upload_aws_secret_access_key: issued.secret,
    callback_url: CALLBACK_PATH
  }
}

/** The callback: completes the sample only if every object it names was completed in S3. */
export function callback(body: Record<string, unknown>): { status: number; json: unknown } {
  const path = String(body.s3_path ?? '')
  const match = new RegExp(`^s3://${S3_BUCKET}/(.+)$`).exec(path)
  const issued = match ? issuedByKey.get(match[1]) : undefined
  if (!issued || issued.fileId !== match?.[1]) {
    fail(`callback: s3_path ${path} is not a file_id issued by init_multipart_upload`)
    return { status: 400, json: { message: 'Unknown s3_path' } }
  }
  if (body.filename !== issued.filename) {
    fail(`callback: filename ${String(body.filename)}, issued for ${issued.filename}`)
    return { status: 400, json: { message: 'filename does not match' } }
  }
  const r1 = objects.get(issued.fileId)
  const r2 = issued.pairedFileId ? objects.get(issued.pairedFileId) : undefined
  if (!r1 || (issued.pairedFileId && !r2)) {
    fail(`callback for ${issued.filename} before its object(s) were completed in S3`)
    return { status: 400, json: { message: 'File not found in S3' } }
  }
  if (r2 && r2.seq > r1.seq) fail(`callback for ${issued.filename}: R1 was completed before R2`)
  issued.completed = true
  state.stats.callbacks++
  return { status: 200, json: { sample_id: issued.sampleId } }
}

function xml(res: ServerResponse, status: number, body: string, headers = {}): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  fail(`S3 ${code}: ${message}`)
  if (res.headersSent) return
  xml(
    res,
    status,
    `<Error><Code>${code}</Code><Message>${escape(message)}</Message><RequestId>bench</RequestId></Error>`
  )
}

function escape(text: string): string {
  return text.replace(/[<>&"']/g, c => `&#${c.charCodeAt(0)};`)
}

function readSmall(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= 1024 * 1024) chunks.push(chunk)
    })
    req.on('end', () =>
      size > 1024 * 1024
        ? reject(new Error('body over 1 MiB'))
        : resolve(Buffer.concat(chunks).toString('utf8'))
    )
    req.on('error', reject)
  })
}

const etagOf = (): string => `"${randomBytes(16).toString('hex')}"`

/** Handles one S3 request (any path but the form POST's `/`). */
export function handleS3(
  req: IncomingMessage,
  res: ServerResponse,
  context: { apiKey: string; capBytesPerS: number }
): void {
  const url = new URL(req.url ?? '/', 'http://s3')
  const [, bucket = '', ...rest] = url.pathname.split('/')
  const key = decodeURIComponent(rest.join('/'))
  const query = url.searchParams
  const method = req.method ?? ''
  const refuse = (status: number, code: string, message: string): void => {
    req.resume()
    s3Error(res, status, code, `${method} ${bucket}/${key}: ${message}`)
  }

  const issued = issuedByKey.get(key)
  if (bucket !== S3_BUCKET || !issued)
    return refuse(403, 'AccessDenied', 'bucket/key not handed out by init_multipart_upload')
  const credential = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1]
  if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ') || credential === undefined)
    return refuse(403, 'AccessDenied', 'no SigV4 Authorization header')
  if (credential !== issued.accessKeyId)
    return refuse(403, 'InvalidAccessKeyId', `access key ${credential} was not issued for it`)
  const headerText = `${req.url ?? ''} ${JSON.stringify(req.headers)}`
  if (headerText.includes(context.apiKey))
    return refuse(400, 'InvalidRequest', 'the One Codex API key reached S3')
  for (const secret of issuedSecrets)
    if (headerText.includes(secret))
      return refuse(400, 'InvalidRequest', 'a secret access key was sent in the clear')

  const uploadId = query.get('uploadId')
  if (method === 'POST' && query.has('uploads')) return create(req, res, bucket, key, refuse)
  if (method === 'HEAD' && uploadId === null) return head(res, key)
  if (uploadId === null) return refuse(501, 'NotImplemented', 'only multipart calls and HEAD')
  const upload = uploads.get(uploadId)
  if (!upload || upload.key !== key) return refuse(404, 'NoSuchUpload', `no upload ${uploadId}`)
  if (method === 'PUT' && query.has('partNumber'))
    return uploadPart(req, res, upload, Number(query.get('partNumber')), context, refuse)
  if (method === 'POST') return void complete(req, res, upload, bucket, refuse)
  if (method === 'DELETE') {
    req.resume()
    uploads.delete(upload.id)
    state.stats.s3Aborts++
    res.writeHead(204).end()
    return
  }
  if (method === 'GET') return listParts(req, res, upload, bucket)
  refuse(501, 'NotImplemented', 'unexpected call')
}

function create(
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  key: string,
  refuse: (status: number, code: string, message: string) => void
): void {
  if (req.headers['x-amz-server-side-encryption'] !== 'AES256')
    return refuse(403, 'AccessDenied', 'CreateMultipartUpload without SSE AES256')
  req.resume()
  const id = randomBytes(16).toString('base64url')
  uploads.set(id, { id, key, parts: new Map() })
  state.stats.s3Creates++
  xml(
    res,
    200,
    `<InitiateMultipartUploadResult xmlns="${XMLNS}"><Bucket>${bucket}</Bucket><Key>${escape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
    { 'x-amz-server-side-encryption': 'AES256' }
  )
}

function head(res: ServerResponse, key: string): void {
  const object = objects.get(key)
  if (!object) {
    res.writeHead(404, { 'content-length': 0 }).end()
    return
  }
  res
    .writeHead(200, {
      'content-length': object.size,
      etag: `"${'0'.repeat(32)}-${object.parts}"`,
      'x-amz-server-side-encryption': 'AES256'
    })
    .end()
}

function uploadPart(
  req: IncomingMessage,
  res: ServerResponse,
  upload: Upload,
  partNumber: number,
  context: { capBytesPerS: number },
  refuse: (status: number, code: string, message: string) => void
): void {
  const declared = req.headers['content-length']
  if (declared === undefined || req.headers['transfer-encoding'] !== undefined)
    return refuse(411, 'MissingContentLength', `part ${partNumber} has no Content-Length`)
  if (/aws-chunked/i.test(String(req.headers['content-encoding'] ?? '')))
    return refuse(400, 'InvalidRequest', `part ${partNumber} is aws-chunked, not a plain body`)
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000)
    return refuse(400, 'InvalidArgument', `part number ${partNumber}`)
  const length = Number(declared)
  if (length > MAX_PART) return refuse(400, 'EntityTooLarge', `part of ${length} bytes`)
  if (partNumber === 1) upload.partSize = length
  const offset = (partNumber - 1) * (upload.partSize ?? length)

  const ended = storageRequest(req)
  throttle(req, context.capBytesPerS)
  let received = 0
  req.on('data', (chunk: Buffer) => {
    received += chunk.length
    state.stats.payloadBytes += chunk.length
    if (resetDue(offset, length, received)) req.socket.resetAndDestroy()
  })
  req.on('end', () => {
    ended()
    if (received !== length)
      return s3Error(res, 400, 'IncompleteBody', `part ${partNumber}: ${received} of ${length}`)
    const etag = etagOf()
    upload.parts.set(partNumber, { size: length, etag })
    state.stats.s3Parts++
    res.writeHead(200, { etag, 'content-length': 0, 'x-amz-server-side-encryption': 'AES256' })
    res.end()
  })
}

async function complete(
  req: IncomingMessage,
  res: ServerResponse,
  upload: Upload,
  bucket: string,
  refuse: (status: number, code: string, message: string) => void
): Promise<void> {
  let body: string
  try {
    body = await readSmall(req)
  } catch (error) {
    return refuse(400, 'MalformedXML', (error as Error).message)
  }
  const listed = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(m => ({
    number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1])?.[1]),
    etag: /<ETag>([^<]*)<\/ETag>/.exec(m[1])?.[1]?.replace(/&quot;|&#34;/g, '"')
  }))
  if (listed.length === 0) return refuse(400, 'MalformedXML', 'Complete lists no part')
  let size = 0
  for (const [i, part] of listed.entries()) {
    if (i > 0 && part.number <= listed[i - 1].number)
      return refuse(400, 'InvalidPartOrder', `part ${part.number} after ${listed[i - 1].number}`)
    const stored = upload.parts.get(part.number)
    if (!stored) return refuse(400, 'InvalidPart', `part ${part.number} was never uploaded`)
    if (part.etag?.replace(/"/g, '') !== stored.etag.replace(/"/g, ''))
      return refuse(400, 'InvalidPart', `part ${part.number}: ETag ${part.etag}`)
    if (i < listed.length - 1 && stored.size < MIN_PART)
      return refuse(400, 'EntityTooSmall', `part ${part.number} is ${stored.size} bytes`)
    size += stored.size
  }
  if (listed.length !== upload.parts.size)
    return refuse(
      400,
      'InvalidPart',
      `${upload.parts.size} parts uploaded, ${listed.length} listed`
    )
  uploads.delete(upload.id)
  const object = { key: upload.key, size, parts: listed.length, partSize: upload.partSize ?? size }
  objects.set(upload.key, { ...object, seq: ++completions })
  state.stats.objects.push(object)
  state.stats.s3Completes++
  xml(
    res,
    200,
    `<CompleteMultipartUploadResult xmlns="${XMLNS}"><Location>/${bucket}/${escape(upload.key)}</Location><Bucket>${bucket}</Bucket><Key>${escape(upload.key)}</Key><ETag>"${'0'.repeat(32)}-${listed.length}"</ETag></CompleteMultipartUploadResult>`
  )
}

function listParts(req: IncomingMessage, res: ServerResponse, upload: Upload, bucket: string) {
  req.resume()
  const parts = [...upload.parts.entries()]
    .sort(([a], [b]) => a - b)
    .map(
      ([n, p]) =>
        `<Part><PartNumber>${n}</PartNumber><ETag>${p.etag}</ETag><Size>${p.size}</Size></Part>`
    )
    .join('')
  xml(
    res,
    200,
    `<ListPartsResult xmlns="${XMLNS}"><Bucket>${bucket}</Bucket><Key>${escape(upload.key)}</Key><UploadId>${upload.id}</UploadId><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`
  )
}
