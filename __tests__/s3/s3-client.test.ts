/**
 * The S3 calls through the real AWS SDK against a scripted loopback server: what goes on the
 * wire (path-style, the temporary key's signature, SSE, exact Content-Length, no checksum or
 * 100-continue, kept-alive connections, nothing from the AWS_* environment) and how every kind
 * of failure becomes an UploadError the RetryPolicy understands, scrubbed of the keys.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Calls } from '../../src/s3/s3-calls.js'
import { S3Connections } from '../../src/s3/s3-client.js'
import { PartBody } from '../../src/s3/s3-part-body.js'
import { isRetryable, UploadError } from '../../src/shared/upload-error.js'

const KEY_ID = 'AKIATEMPORARYKEY0001'
const SECRET = 'tEmP/SeCrEt+KeY/0123456789abcdefghijABCD'
const BUCKET = 'onecodex-test-bucket'

interface Seen {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  bytes: number
  connection: number
}

type Plan =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { reset: true }
  | { stall: true }

interface Stub {
  url: string
  seen: Seen[]
  plan: Plan[]
  close(): Promise<void>
}

async function startStub(): Promise<Stub> {
  const seen: Seen[] = []
  const plan: Plan[] = []
  const connections = new WeakMap<Socket, number>()
  let count = 0
  const server = http.createServer((req, res) => {
    if (!connections.has(req.socket)) connections.set(req.socket, ++count)
    const entry: Seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bytes: 0,
      connection: connections.get(req.socket) ?? 0
    }
    seen.push(entry)
    const next = plan.shift() ?? defaultAnswer(req.method ?? '', req.url ?? '')
    if ('stall' in next) {
      req.pause()
      return
    }
    req.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length
      if ('reset' in next && entry.bytes > 1000) req.socket.destroy()
    })
    req.on('end', () => {
      if ('reset' in next) return
      const body = next.body ?? ''
      res.writeHead(next.status, {
        'content-length': String(Buffer.byteLength(body)),
        ...(body.startsWith('<') ? { 'content-type': 'application/xml' } : {}),
        ...next.headers
      })
      res.end(body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    plan,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

function defaultAnswer(method: string, url: string): Plan {
  if (method === 'POST' && url.includes('?uploads'))
    return {
      status: 200,
      body: `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>`
    }
  if (method === 'PUT') return { status: 200, headers: { etag: '"etag-of-part"' } }
  if (method === 'POST')
    return {
      status: 200,
      body: `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>k</Key><ETag>"x-2"</ETag></CompleteMultipartUploadResult>`
    }
  return { status: 204 }
}

const xmlError = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`

let stub: Stub
let decoy: Stub
let dir: string
let file: string
const saved = { ...process.env }
const connections: S3Connections[] = []

beforeAll(async () => {
  stub = await startStub()
  decoy = await startStub()
  dir = await mkdtemp(join(tmpdir(), 's3-client-'))
  file = join(dir, 'reads.fastq')
  await writeFile(file, randomBytes(3 * 1024 * 1024))
  // Settings of the runner's environment that must not reach these calls.
  process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMTHEENVIRONMENT'
  process.env.AWS_SECRET_ACCESS_KEY = 'secret-from-the-environment'
  process.env.AWS_SESSION_TOKEN = 'token-from-the-environment'
  process.env.AWS_ENDPOINT_URL = decoy.url
  process.env.AWS_REGION = 'eu-west-3'
  process.env.AWS_MAX_ATTEMPTS = '7'
})

afterEach(() => {
  stub.seen.length = 0
  stub.plan.length = 0
  for (const c of connections.splice(0)) c.dispose()
})

afterAll(async () => {
  process.env = saved
  await Promise.all([stub.close(), decoy.close()])
  await rm(dir, { recursive: true, force: true })
})

async function calls(
  options: { socketTimeoutMs?: number; endpoint?: string } = {}
): Promise<S3Calls> {
  const connection = new S3Connections({ endpoint: stub.url, ...options })
  connections.push(connection)
  return connection.calls({ accessKeyId: KEY_ID, secretAccessKey: SECRET }, BUCKET, [
    KEY_ID,
    SECRET
  ])
}

const source = (): { segments: { path: string; size: number }[] } => ({
  segments: [{ path: file, size: 3 * 1024 * 1024 }]
})

async function failure(run: () => Promise<unknown>): Promise<UploadError> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(UploadError)
    return error as UploadError
  }
  throw new Error('expected a failure')
}

describe('S3Connections against a loopback S3', () => {
  it('sends path-style requests signed with the temporary key only, with SSE on create', async () => {
    const s3 = await calls()
    const uploadId = await s3.createMultipartUpload('user_1/file_2/reads.fastq', 'create')
    expect(uploadId).toBe('upload-1')
    const [create] = stub.seen
    expect(create.method).toBe('POST')
    expect(create.url).toMatch(new RegExp(`^/${BUCKET}/user_1/file_2/reads\\.fastq\\?uploads(=|$)`))
    expect(create.headers['x-amz-server-side-encryption']).toBe('AES256')
    expect(create.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/us-east-1/s3/aws4_request`)
    )
    expect(create.headers['x-amz-security-token']).toBeUndefined()
    expect(JSON.stringify(create.headers)).not.toContain('FROMTHEENVIRONMENT')
    expect(decoy.seen).toEqual([])
  })

  it('streams a part with its exact length and no checksum, continue or chunked encoding', async () => {
    const s3 = await calls()
    const size = 3 * 1024 * 1024
    const etag = await s3.uploadPart(
      { key: 'k', uploadId: 'upload-1', partNumber: 2 },
      new PartBody(source(), 0, size),
      size,
      'part 2'
    )
    expect(etag).toBe('"etag-of-part"')
    const [put] = stub.seen
    expect(put.url).toMatch(new RegExp(`^/${BUCKET}/k\\?partNumber=2&uploadId=upload-1(&|$)`))
    expect(put.headers['content-length']).toBe(String(size))
    expect(put.bytes).toBe(size)
    expect(put.headers.expect).toBeUndefined()
    expect(put.headers['transfer-encoding']).toBeUndefined()
    expect(put.headers['content-encoding']).toBeUndefined()
    expect(Object.keys(put.headers).filter(h => h.startsWith('x-amz-checksum'))).toEqual([])
    expect(put.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
  })

  it('keeps connections alive: parts one after another reuse one connection', async () => {
    const s3 = await calls()
    for (let part = 1; part <= 4; part++) {
      await s3.uploadPart(
        { key: 'k', uploadId: 'u', partNumber: part },
        new PartBody(source(), 0, 3 * 1024 * 1024),
        3 * 1024 * 1024,
        `part ${part}`
      )
    }
    expect(new Set(stub.seen.map(s => s.connection)).size).toBe(1)
  })

  it('follows S3’s redirect to the bucket’s region once, then signs every later call for it', async () => {
    const s3 = await calls()
    stub.plan.push({
      status: 301,
      body: xmlError('PermanentRedirect', 'The bucket is in another region.'),
      headers: { 'x-amz-bucket-region': 'eu-west-1' }
    })
    expect(await s3.createMultipartUpload('k', 'create')).toBe('upload-1')
    await s3.uploadPart(
      { key: 'k', uploadId: 'upload-1', partNumber: 1 },
      new PartBody(source(), 0, 1024),
      1024,
      'part 1'
    )
    const regions = stub.seen.map(
      seen => /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(seen.headers.authorization))?.[1]
    )
    // The part (a stream, which cannot be sent twice) goes to the right region at once.
    expect(regions).toEqual(['us-east-1', 'eu-west-1', 'eu-west-1'])
  })

  it('completes with the ETags in part order', async () => {
    const s3 = await calls()
    await s3.completeMultipartUpload(
      { key: 'k', uploadId: 'u' },
      [
        { number: 1, etag: '"a"' },
        { number: 2, etag: '"b"' }
      ],
      'complete'
    )
    expect(stub.seen[0].url).toMatch(new RegExp(`^/${BUCKET}/k\\?uploadId=u(&|$)`))
  })

  it.each([
    [503, 'SlowDown', true],
    [500, 'InternalError', true],
    [400, 'RequestTimeout', true],
    [404, 'NoSuchUpload', false],
    [403, 'AccessDenied', false],
    [400, 'EntityTooSmall', false]
  ])('classifies HTTP %i %s (retryable: %s)', async (status, code, retryable) => {
    const s3 = await calls()
    stub.plan.push({ status, body: xmlError(code, `S3 says ${code}.`) })
    const error = await failure(() =>
      s3.completeMultipartUpload(
        { key: 'k', uploadId: 'u' },
        [],
        'reads.fastq: CompleteMultipartUpload'
      )
    )
    expect(error.status).toBe(status)
    expect(error.code).toBe(code)
    expect(isRetryable(error)).toBe(retryable)
    expect(error.message).toMatch(
      new RegExp(
        `^reads\\.fastq: CompleteMultipartUpload failed with HTTP ${status} \\(${code}: S3 says ${code}\\.\\)\\.`
      )
    )
  })

  it('retries a 5xx without an S3 body, and keeps a Retry-After', async () => {
    const s3 = await calls()
    stub.plan.push({
      status: 502,
      body: '<html>bad gateway</html>',
      headers: { 'retry-after': '3' }
    })
    const error = await failure(() => s3.abortMultipartUpload({ key: 'k', uploadId: 'u' }, 'abort'))
    expect(error.status).toBe(502)
    expect(error.retryable).toBe(true)
    expect(error.retryAfterMs).toBe(3000)
  })

  it('classifies a 200 carrying an error body (CompleteMultipartUpload) by its code', async () => {
    const s3 = await calls()
    stub.plan.push({
      status: 200,
      body: xmlError('InternalError', 'We encountered an internal error.')
    })
    const error = await failure(() =>
      s3.completeMultipartUpload(
        { key: 'k', uploadId: 'u' },
        [{ number: 1, etag: '"a"' }],
        'complete'
      )
    )
    expect(error.code).toBe('InternalError')
    expect(error.retryable).toBe(true)
  })

  it('names a refused key, and scrubs the keys S3 echoes back', async () => {
    const s3 = await calls()
    stub.plan.push({
      status: 403,
      body: xmlError(
        'InvalidAccessKeyId',
        `The AWS Access Key Id ${KEY_ID} you provided (${SECRET}) does not exist.`
      )
    })
    const error = await failure(() =>
      s3.createMultipartUpload('k', 'reads.fastq: CreateMultipartUpload')
    )
    expect(error.retryable).toBe(false)
    expect(error.message).toBe(
      'reads.fastq: CreateMultipartUpload failed with HTTP 403 (InvalidAccessKeyId: The AWS Access Key Id *** you provided (***) does not exist.). S3 refused the temporary upload keys One Codex handed out (expired, or not valid for this bucket and key).'
    )
  })

  it('makes a reset mid-part a retryable network error', async () => {
    const s3 = await calls()
    stub.plan.push({ reset: true })
    const error = await failure(() =>
      s3.uploadPart(
        { key: 'k', uploadId: 'u', partNumber: 1 },
        new PartBody(source(), 0, 3 * 1024 * 1024),
        3 * 1024 * 1024,
        'reads.fastq: part 1 of 1'
      )
    )
    expect(error.status).toBeUndefined()
    expect(['ECONNRESET', 'EPIPE']).toContain(error.code)
    expect(error.retryable).toBe(true)
    expect(error.message).toMatch(/^reads\.fastq: part 1 of 1 failed: /)
  })

  it('gives up on a part when no byte moves within the socket timeout (retryable)', async () => {
    const s3 = await calls({ socketTimeoutMs: 300 })
    stub.plan.push({ stall: true })
    const started = Date.now()
    const error = await failure(() =>
      s3.uploadPart(
        { key: 'k', uploadId: 'u', partNumber: 1 },
        new PartBody(source(), 0, 3 * 1024 * 1024),
        3 * 1024 * 1024,
        'part 1'
      )
    )
    expect(Date.now() - started).toBeLessThan(5000)
    expect(error.retryable).toBe(true)
    expect(error.message).toMatch(/no data moved within the socket timeout|ECONNRESET|EPIPE/)
  })

  it('stops a call when its signal aborts, as a failure that is not retried', async () => {
    const s3 = await calls()
    stub.plan.push({ stall: true })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const error = await failure(() =>
      s3.uploadPart(
        { key: 'k', uploadId: 'u', partNumber: 1 },
        new PartBody(source(), 0, 3 * 1024 * 1024),
        3 * 1024 * 1024,
        'part 1',
        controller.signal
      )
    )
    expect(error.code).toBe('ABORTED')
    expect(error.retryable).toBe(false)
  })

  it('fails a part whose file is shorter than planned, without retrying it', async () => {
    const s3 = await calls()
    const error = await failure(() =>
      s3.uploadPart(
        { key: 'k', uploadId: 'u', partNumber: 1 },
        new PartBody(
          { segments: [{ path: file, size: 4 * 1024 * 1024 }] },
          2 * 1024 * 1024,
          4 * 1024 * 1024
        ),
        2 * 1024 * 1024,
        'part 1'
      )
    )
    expect(error.message).toContain('were planned (was the file changed while uploading?)')
    expect(error.retryable).toBe(false)
  })
})
