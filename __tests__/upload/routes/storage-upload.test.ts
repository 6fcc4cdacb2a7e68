import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { truncateSync } from 'node:fs'
import {
  ExpiredPolicyError,
  isExpiredPolicyAnswer,
  StorageClient,
  expectedStatuses
} from '../../../src/upload/routes/storage-upload.js'
import { isRetryable, UploadError } from '../../../src/shared/upload-error.js'
import { tempWorkspace, wholeFile } from '../../helpers/fixtures.js'
import { parseMultipart, startRawServer, type RawServer } from '../../helpers/raw-server.js'

const FIELDS = {
  key: 'user_ab/file_cd/${filename}',
  acl: 'private',
  AWSAccessKeyId: 'AKIDEXAMPLE',
  policy: 'cG9saWN5',
  signature: 'c2lnbmF0dXJl',
  success_action_status: '201',
  'x-amz-server-side-encryption': 'AES256'
}

let ws: ReturnType<typeof tempWorkspace>
let server: RawServer | undefined
let storage: StorageClient

beforeEach(() => {
  ws = tempWorkspace('ocu-storage-')
  storage = new StorageClient({ socketTimeoutMs: 2000 })
})
afterEach(async () => {
  storage.dispose()
  await server?.close()
  server = undefined
  ws.remove()
})

describe('StorageClient.upload', () => {
  it('posts every field in order, then the file last, with the exact Content-Length and no auth', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 17) // several 1 MiB read chunks
    const file = ws.write('reads_R1.fastq.gz', content)
    server = await startRawServer(() => ({ kind: 'respond', status: 201, body: '<PostResponse/>' }))

    const stored = await storage.upload(
      { url: `${server.url}/bucket`, fields: FIELDS },
      wholeFile(file, 'reads_R1.fastq.gz')
    )

    expect(server.requests).toHaveLength(1)
    const request = server.requests[0]
    expect(request.method).toBe('POST')
    expect(request.url).toBe('/bucket')
    expect(request.headers['content-length']).toBe(String(request.body.length))
    expect(request.headers['transfer-encoding']).toBeUndefined()
    expect(request.headers.authorization).toBeUndefined()
    expect(request.rawHeaders.join('\n')).not.toMatch(/api[-_]?key|authorization/i)
    const parts = parseMultipart(request.body, request.headers['content-type'])
    expect(parts.map(p => p.name)).toEqual([...Object.keys(FIELDS), 'file'])
    expect(parts.slice(0, -1).map(p => p.data.toString())).toEqual(Object.values(FIELDS))
    const filePart = parts[parts.length - 1]
    expect(filePart.filename).toBe('reads_R1.fastq.gz')
    expect(filePart.contentType).toBe('application/octet-stream')
    expect(filePart.data.equals(content)).toBe(true)
    expect(stored).toEqual({ bytes: content.length, status: 201 })
  })

  it('re-opens and re-sends the file from byte 0 after a reset mid-body', async () => {
    const content = randomBytes(4 * 1024 * 1024)
    const file = ws.write('sample.fq', content)
    server = await startRawServer(index =>
      index === 0 ? { kind: 'reset', afterBytes: 1024 * 1024 } : { kind: 'respond', status: 201 }
    )
    const target = { url: server.url, fields: FIELDS }
    const local = wholeFile(file, 'sample.fq')

    const first = await storage.upload(target, local).catch((error: unknown) => error)
    expect(first).toBeInstanceOf(UploadError)
    expect(isRetryable(first)).toBe(true)
    expect((first as Error).message).toContain('sample.fq')

    const second = await storage.upload(target, local)
    expect(second.bytes).toBe(content.length)
    const parts = parseMultipart(
      server.requests[1].body,
      server.requests[1].headers['content-type']
    )
    expect(parts[parts.length - 1].data.equals(content)).toBe(true)
  })

  it('aborts a stalled transfer (no bytes moving) with a retryable error', async () => {
    const file = ws.write('big.fq', '@r\nACGT\n+\nIIII\n')
    truncateSync(file, 64 * 1024 * 1024) // sparse: larger than any socket buffer
    server = await startRawServer(() => ({ kind: 'stall', afterBytes: 64 * 1024 }))
    const quick = new StorageClient({ socketTimeoutMs: 500 })
    try {
      const started = Date.now()
      const error = await quick
        .upload({ url: server.url, fields: FIELDS }, wholeFile(file, 'big.fq'))
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(UploadError)
      expect((error as UploadError).code).toBe('ETIMEDOUT')
      expect((error as Error).message).toMatch(
        /^Storage upload of big\.fq failed: no bytes moved for 0\.\d s/
      )
      expect(isRetryable(error)).toBe(true)
      // one timeout, not the two node's socket timeout takes while a write is pending
      expect(Date.now() - started).toBeLessThan(900)
    } finally {
      quick.dispose()
    }
  })

  it('classifies S3 XML errors: SlowDown is retried, AccessDenied is not and carries its message', async () => {
    const file = ws.write('x.fa', '>s\nACGT\n')
    server = await startRawServer(index =>
      index === 0
        ? {
            kind: 'respond',
            status: 503,
            body: '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
            headers: { 'content-type': 'application/xml' }
          }
        : {
            kind: 'respond',
            status: 403,
            body: '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message><SignatureProvided>c2lnbmF0dXJl</SignatureProvided></Error>',
            headers: { 'content-type': 'application/xml' }
          }
    )
    const target = { url: server.url, fields: FIELDS }
    const local = wholeFile(file, 'x.fa')
    const slow = (await storage.upload(target, local).catch(e => e)) as UploadError
    expect(slow.code).toBe('SlowDown')
    expect(slow.retryable).toBe(true)
    const denied = (await storage.upload(target, local).catch(e => e)) as UploadError
    expect(denied.retryable).toBe(false)
    expect(denied.message).toContain(
      'HTTP 403 (AccessDenied: Invalid according to Policy: Policy expired.)'
    )
    expect(denied.message).not.toContain('c2lnbmF0dXJl')
  })

  it('tells an expired policy apart: its own error, not retried, whether storage answers early or late', async () => {
    const file = ws.write('big.fq', '@r\nACGT\n+\nIIII\n')
    truncateSync(file, 256 * 1024)
    const expired =
      '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>'
    const mismatched =
      '<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]</Message></Error>'
    server = await startRawServer(index =>
      index === 0
        ? {
            kind: 'early',
            status: 403,
            body: expired,
            headers: { 'content-type': 'application/xml' }
          }
        : index === 1
          ? {
              kind: 'respond',
              status: 403,
              body: 'Policy expired',
              headers: { 'content-type': 'text/plain' }
            }
          : {
              kind: 'respond',
              status: 403,
              body: mismatched,
              headers: { 'content-type': 'application/xml' }
            }
    )
    const target = { url: server.url, fields: FIELDS }
    const local = wholeFile(file, 'big.fq')
    const early = (await storage.upload(target, local).catch(e => e)) as UploadError
    expect(early).toBeInstanceOf(ExpiredPolicyError)
    expect(early.retryable).toBe(false)
    expect(early.message).toBe(
      'Storage upload of big.fq failed with HTTP 403 (AccessDenied: Invalid according to Policy: Policy expired.). The upload form from init_upload expired before storage accepted the file.'
    )
    expect(await storage.upload(target, local).catch(e => e)).toBeInstanceOf(ExpiredPolicyError)
    const other = await storage.upload(target, local).catch(e => e)
    expect(other).toBeInstanceOf(UploadError)
    expect(other).not.toBeInstanceOf(ExpiredPolicyError)
    expect(isExpiredPolicyAnswer(403, expired)).toBe(true)
    expect(isExpiredPolicyAnswer(400, expired)).toBe(false)
  })

  it('does not follow redirects (the stream cannot be replayed)', async () => {
    const file = ws.write('x.fa', '>s\nACGT\n')
    server = await startRawServer(index =>
      index === 0
        ? { kind: 'respond', status: 307, headers: { location: '/elsewhere' } }
        : { kind: 'respond', status: 201 }
    )
    const error = (await storage
      .upload({ url: server.url, fields: FIELDS }, wholeFile(file, 'x.fa'))
      .catch(e => e)) as UploadError
    expect(error.message).toContain('redirected (HTTP 307)')
    expect(error.retryable).toBe(false)
    expect(server.requests).toHaveLength(1)
  })

  it('refuses a plain-http upload_url on a non-loopback host before any request', async () => {
    const file = ws.write('x.fa', '>s\nACGT\n')
    const error = (await storage
      .upload({ url: 'http://storage.example.com/bucket', fields: FIELDS }, wholeFile(file, 'x.fa'))
      .catch(e => e)) as UploadError
    expect(error.message).toContain('upload_url "http://storage.example.com" uses http')
    expect(error.retryable).toBe(false)
  })

  it('expects 200/204 when success_action_status is absent and stops on an unexpected 2xx', async () => {
    const file = ws.write('x.fa', '>s\nACGT\n')
    server = await startRawServer(() => ({ kind: 'respond', status: 204 }))
    const local = wholeFile(file, 'x.fa')
    const { key, policy } = FIELDS
    await expect(
      storage.upload({ url: server.url, fields: { key, policy } }, local)
    ).resolves.toMatchObject({
      status: 204
    })
    const error = (await storage
      .upload({ url: server.url, fields: FIELDS }, local)
      .catch(e => e)) as UploadError
    expect(error.message).toContain('answered HTTP 204, expected 201')
    expect(expectedStatuses({ success_action_status: '200' })).toEqual([200])
  })

  it('fails without retry when the file is missing, naming it', async () => {
    server = await startRawServer(() => ({ kind: 'respond', status: 201 }))
    const error = (await storage
      .upload(
        { url: server.url, fields: FIELDS },
        { filename: 'gone.fq', size: 10, segments: [{ path: `${ws.dir}/gone.fq`, size: 10 }] }
      )
      .catch(e => e)) as UploadError
    expect(error).toBeInstanceOf(UploadError)
    expect(error.message).toContain('gone.fq')
    expect(error.retryable).toBe(false)
  })
})
