/**
 * The bench's stand-in for One Codex, run as its own process (`node --import tsx
 * bench/sink-server.ts`) so that its CPU never counts against the action or curl.
 *
 * Two loopback listeners, like the real thing has two hosts:
 * - API: POST /api/v1/samples/init_upload, /confirm_upload, /init_multipart_upload,
 *   /cancel_upload and the multipart callback (/api/import_file_from_s3), all with HTTP Basic
 *   auth (`key:`). init_upload answers with S3-style `additional_fields` and an `upload_url` on
 *   the sink; init_multipart_upload with fake temporary keys, a bucket and one object key per
 *   file (see sink-s3.ts); the callback answers `{sample_id}` only once the objects are complete.
 * - Sink: POST / takes a multipart/form-data body at full speed and throws it away. It keeps
 *   only the head (to check the fields came before the file, unchanged) and the tail (the
 *   closing boundary), refuses bodies without Content-Length like S3 does, checks that the bytes
 *   received equal Content-Length and that the file part holds the size announced to
 *   init_upload, and answers 201 as S3 does for `success_action_status=201`. Every other path is
 *   S3's REST API, path-style, for the multipart route (sink-s3.ts).
 *
 * BENCH_CAP_BYTES_PER_S (the WAN profile) caps how fast each TCP connection's bodies are read
 * (sink-throttle.ts). POST /__bench/reset may arm one connection reset for the next run
 * (`{"resetAtByte": N}`) and a latency for every request of the next run (`{"latencyMs": N}`), see
 * sink-state.ts.
 *
 * With BENCH_S3 set (JSON: endpoint, bucket, accessKey, secretKey) init_upload instead hands out
 * SigV2 POST fields for that real S3 bucket (radosgw) and an upload_url on it; the sink is then
 * unused and confirm_upload trusts the client (the S3 answer was checked by the uploader).
 *
 * Control (API listener, no auth): GET /__bench/stats, POST /__bench/reset.
 * On start it prints one JSON line: {"api": "http://127.0.0.1:A", "sink": "http://127.0.0.1:B"}.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildPostFields, type Credentials } from '../sandbox/policy.js'
import {
  callback,
  CALLBACK_PATH,
  handleS3,
  issuedSecrets,
  issueMultipart,
  openUploads,
  resetS3
} from './sink-s3.js'
import {
  apiCall,
  fail,
  resetDue,
  resetState,
  state,
  storageRequest,
  type Fault
} from './sink-state.js'
import { throttle } from './sink-throttle.js'

const API_KEY = process.env.BENCH_API_KEY ?? 'bench-api-key'
const EXPECTED_AUTH = `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`
/** Largest multipart head (fields + file part headers) the sink will buffer. */
const HEAD_LIMIT = 1024 * 1024
const TAIL_KEEP = 512
const s3 = process.env.BENCH_S3
  ? (JSON.parse(process.env.BENCH_S3) as Credentials & { endpoint: string; bucket: string })
  : undefined
const CAP_BYTES_PER_S = Number(process.env.BENCH_CAP_BYTES_PER_S || 0)

interface Issued {
  readonly sampleId: string
  readonly filename: string
  readonly size: number
  readonly fields: Readonly<Record<string, string | number>>
  uploadedBytes?: number
  confirmed: boolean
}

const issuedByKey = new Map<string, Issued>()
const issuedById = new Map<string, Issued>()

function readText(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > 1024 * 1024) reject(new Error('JSON body over 1 MiB'))
      else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
}

/** A policy document shaped like the one S3 POST uploads carry (so field sizes are realistic). */
function makeFields(sampleId: string): Record<string, string | number> {
  if (s3) {
    const fields = buildPostFields({
      bucket: s3.bucket,
      keyPrefix: `bench/file_${sampleId}/`,
      credentials: s3,
      ttlSeconds: 3600
    })
    return { ...fields }
  }
  const key = `user_bench0000000000/file_${sampleId}/\${filename}`
  const expiration = new Date(Date.now() + 24 * 3600 * 1000).toISOString()
  const policy = Buffer.from(
    JSON.stringify({
      expiration,
      conditions: [
        { bucket: 'bench-userdata-encrypted' },
        { acl: 'private' },
        { 'x-amz-server-side-encryption': 'AES256' },
        ['starts-with', '$key', `user_bench0000000000/file_${sampleId}/`],
        { success_action_status: '201' },
        ['content-length-range', 1, 20 * 1000 ** 3]
      ]
    })
  ).toString('base64')
  const signature = createHmac('sha1', 'bench-secret').update(policy).digest('base64')
  return {
    AWSAccessKeyId: 'AKIABENCHSINK0000000',
    acl: 'private',
    key,
    policy,
    signature,
    success_action_status: 201,
    'x-amz-server-side-encryption': 'AES256'
  }
}

async function handleApi(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://api')
  if (url.pathname === '/__bench/stats') {
    const cpu = process.cpuUsage()
    sendJson(res, 200, {
      ...state.stats,
      openUploads: openUploads(),
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system
    })
    return
  }
  if (url.pathname === '/__bench/reset' && req.method === 'POST') {
    const fault = (JSON.parse((await readText(req)) || '{}') ?? {}) as Fault
    resetState(fault)
    resetS3()
    issuedByKey.clear()
    issuedById.clear()
    sendJson(res, 200, { ok: true })
    return
  }
  apiCall(url.pathname)
  if (req.method !== 'POST') {
    sendJson(res, 405, { message: 'Method not allowed' })
    return
  }
  if (req.headers.authorization !== EXPECTED_AUTH) {
    fail(`${url.pathname}: missing or wrong Basic auth`)
    sendJson(res, 401, { message: 'Authentication required' })
    return
  }
  let body: unknown
  let text: string
  try {
    text = await readText(req)
    body = JSON.parse(text || 'null')
  } catch {
    sendJson(res, 400, { message: 'Body is not JSON' })
    return
  }
  for (const secret of issuedSecrets)
    if (text.includes(secret)) fail(`${url.pathname}: a temporary S3 secret key reached the API`)
  const fields = (body ?? {}) as Record<string, unknown>

  if (url.pathname === '/api/v1/samples/init_upload') {
    const { filename, size } = fields
    if (typeof filename !== 'string' || !Number.isInteger(size) || (size as number) < 1) {
      fail(`init_upload: bad body ${JSON.stringify(body).slice(0, 200)}`)
      sendJson(res, 400, { message: 'filename (string) and size (integer >= 1) are required' })
      return
    }
    state.stats.initUploads++
    state.stats.filenames.push(filename)
    const sampleId = randomBytes(8).toString('hex')
    const issued: Issued = {
      sampleId,
      filename,
      size: size as number,
      fields: makeFields(sampleId),
      confirmed: false
    }
    issuedById.set(sampleId, issued)
    issuedByKey.set(String(issued.fields.key), issued)
    sendJson(res, 200, {
      additional_fields: issued.fields,
      sample_id: sampleId,
      upload_url: s3 ? `${s3.endpoint}/${s3.bucket}` : sinkOrigin
    })
    return
  }

  if (url.pathname === '/api/v1/samples/confirm_upload') {
    const issued = issuedById.get(String(fields.sample_id))
    if (!issued) {
      fail(`confirm_upload: unknown sample_id ${String(fields.sample_id)}`)
      sendJson(res, 404, { message: 'Sample not found' })
      return
    }
    if (issued.uploadedBytes === undefined && !s3) {
      fail(`confirm_upload: ${issued.sampleId} confirmed before its file reached storage`)
      sendJson(res, 400, { message: 'No file was uploaded for this sample' })
      return
    }
    issued.confirmed = true
    state.stats.confirms++
    sendJson(res, 200, {
      success: true,
      message: 'Upload confirmed',
      sample: { $ref: `/api/v1/samples/${issued.sampleId}` }
    })
    return
  }

  if (url.pathname === '/api/v1/samples/init_multipart_upload') {
    const { filename, paired_end_filename: paired } = fields
    if (typeof filename !== 'string' || (paired !== undefined && typeof paired !== 'string')) {
      fail(`init_multipart_upload: bad body ${JSON.stringify(body).slice(0, 200)}`)
      sendJson(res, 400, { message: 'filename (string) is required' })
      return
    }
    if ('size' in fields || 'upload_type' in fields)
      fail('init_multipart_upload: the body carries size or upload_type (One Codex sends neither)')
    state.stats.multipartInits++
    state.stats.filenames.push(filename)
    sendJson(res, 200, issueMultipart(filename, paired as string | undefined))
    return
  }

  if (url.pathname === CALLBACK_PATH) {
    const answer = callback(fields)
    sendJson(res, answer.status, answer.json)
    return
  }

  if (url.pathname === '/api/v1/samples/cancel_upload') {
    state.stats.cancels++
    sendJson(res, 200, { message: 'Upload cancelled' })
    return
  }
  sendJson(res, 404, { message: `No route ${url.pathname}` })
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  fail(`storage ${code}: ${message}`)
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': xml.length })
  res.end(xml)
}

interface ParsedHead {
  readonly fields: Map<string, string>
  readonly order: string[]
  /** Offset in the body where the file's bytes start. */
  readonly fileOffset: number
}

/** Parses the parts before the file part; undefined until the file part's headers are complete. */
function parseHead(head: Buffer, boundary: string): ParsedHead | undefined {
  const text = head.toString('latin1')
  const delimiter = `--${boundary}`
  const fields = new Map<string, string>()
  const order: string[] = []
  let pos = text.indexOf(delimiter)
  if (pos !== 0) return undefined
  for (;;) {
    const headersStart = pos + delimiter.length + 2
    const headersEnd = text.indexOf('\r\n\r\n', headersStart)
    if (headersEnd < 0) return undefined
    const headers = text.slice(headersStart, headersEnd)
    const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? ''
    order.push(name)
    if (/filename="/i.test(headers)) return { fields, order, fileOffset: headersEnd + 4 }
    const valueEnd = text.indexOf(`\r\n${delimiter}`, headersEnd + 4)
    if (valueEnd < 0) return undefined
    fields.set(name, Buffer.from(text.slice(headersEnd + 4, valueEnd), 'latin1').toString('utf8'))
    pos = valueEnd + 2
  }
}

function handleSink(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (!(req.url ?? '/').startsWith('/?') && req.url !== '/') {
    handleS3(req, res, { apiKey: API_KEY, capBytesPerS: CAP_BYTES_PER_S })
    return
  }
  const started = process.hrtime.bigint()
  const ended = storageRequest(req)
  if (req.headers.authorization !== undefined) fail('storage received an Authorization header')
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers['content-type'] ?? '')
  const declared = req.headers['content-length']
  if (req.method !== 'POST' || !boundary) {
    req.resume()
    s3Error(res, 400, 'InvalidArgument', 'POST requires a multipart/form-data body')
    return
  }
  if (declared === undefined || req.headers['transfer-encoding'] !== undefined) {
    req.resume()
    s3Error(res, 411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')
    return
  }
  const boundaryText = boundary[1] ?? boundary[2]
  const expected = Number(declared)
  const headChunks: Buffer[] = []
  let headBytes = 0
  let parsed: ParsedHead | undefined
  let tail: Buffer = Buffer.alloc(0)
  let received = 0
  /** File bytes of this body counted into payloadBytes so far. */
  let counted = 0
  let wasReset = false

  throttle(req, CAP_BYTES_PER_S)
  req.on('data', (chunk: Buffer) => {
    received += chunk.length
    if (parsed === undefined && headBytes < HEAD_LIMIT) {
      headChunks.push(chunk)
      headBytes += chunk.length
      parsed = parseHead(Buffer.concat(headChunks), boundaryText)
    }
    if (parsed) {
      const size = issuedByKey.get(parsed.fields.get('key') ?? '')?.size ?? Infinity
      const fileSoFar = Math.min(size, received - parsed.fileOffset)
      state.stats.payloadBytes += Math.max(0, fileSoFar - counted)
      counted = Math.max(counted, fileSoFar)
      if (resetDue(0, size, fileSoFar)) {
        wasReset = true
        req.socket.resetAndDestroy()
      }
    }
    tail =
      chunk.length >= TAIL_KEEP
        ? chunk.subarray(chunk.length - TAIL_KEEP)
        : Buffer.concat([tail, chunk]).subarray(-TAIL_KEEP)
  })
  req.on('end', () => {
    ended()
    state.stats.uploads++
    state.stats.uploadBytes += received
    state.stats.lastTransferS = Number(process.hrtime.bigint() - started) / 1e9
    if (received !== expected) {
      s3Error(res, 400, 'IncompleteBody', `Content-Length ${expected}, received ${received}`)
      return
    }
    if (!parsed) {
      s3Error(res, 400, 'MalformedPOSTRequest', 'No file part found in the multipart head')
      return
    }
    const tailText = tail.toString('latin1')
    const closing = [`\r\n--${boundaryText}--\r\n`, `\r\n--${boundaryText}--`].find(c =>
      tailText.endsWith(c)
    )
    if (!closing) {
      s3Error(res, 400, 'MalformedPOSTRequest', 'Body does not end with the closing boundary')
      return
    }
    const issued = issuedByKey.get(parsed.fields.get('key') ?? '')
    if (!issued) {
      s3Error(res, 403, 'AccessDenied', 'key field missing or not issued by init_upload')
      return
    }
    for (const [name, value] of Object.entries(issued.fields)) {
      if (parsed.fields.get(name) !== String(value)) {
        s3Error(res, 403, 'AccessDenied', `field ${name} missing or changed`)
        return
      }
    }
    if (parsed.order[parsed.order.length - 1] !== 'file') {
      s3Error(res, 400, 'InvalidArgument', `file part is named "${parsed.order.at(-1)}"`)
      return
    }
    const fileBytes = received - parsed.fileOffset - closing.length
    if (fileBytes !== issued.size) {
      s3Error(res, 400, 'InvalidArgument', `file is ${fileBytes} bytes, init said ${issued.size}`)
      return
    }
    issued.uploadedBytes = fileBytes
    state.stats.fileBytes += fileBytes
    const etag = createHash('md5').update(issued.sampleId).digest('hex')
    const key = String(issued.fields.key).replace('${filename}', issued.filename)
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${sinkOrigin}/${key}</Location><Bucket>bench-userdata-encrypted</Bucket><Key>${key}</Key><ETag>"${etag}"</ETag></PostResponse>`
    res.writeHead(201, { 'content-type': 'application/xml', 'content-length': xml.length })
    res.end(xml)
  })
  req.on('error', error => {
    if (!wasReset) fail(`storage request error: ${error.message}`)
  })
}

function listen(server: http.Server): Promise<string> {
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  return new Promise(resolve => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    })
  })
}

/** Runs `handle` now, or after the armed latency (never for the harness's control routes). */
function delayed(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const latencyMs = state.fault.latencyMs ?? 0
    if (latencyMs > 0 && !(req.url ?? '').startsWith('/__bench/'))
      setTimeout(() => handle(req, res), latencyMs)
    else handle(req, res)
  }
}

const apiServer = http.createServer(
  delayed((req, res) => {
    handleApi(req, res).catch(error => {
      fail(`api handler: ${(error as Error).message}`)
      if (!res.headersSent) sendJson(res, 500, { message: 'internal error' })
    })
  })
)
const sinkServer = http.createServer(delayed(handleSink))
const apiOrigin = await listen(apiServer)
const sinkOrigin = await listen(sinkServer)
process.stdout.write(`${JSON.stringify({ api: apiOrigin, sink: sinkOrigin })}\n`)

const stop = (): void => {
  apiServer.close()
  sinkServer.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
