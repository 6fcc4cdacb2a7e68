// Pins down what we rely on from S3-like storage, against a real radosgw on 127.0.0.1
// (started by __tests__/setup/global-setup.ts via scripts/radosgw.sh): browser-form POST with a
// SigV2 policy, ${filename} in the key, success_action_status=201, SSE AES256 field, and the
// refusals (bad signature, too large, expired policy, no Content-Length).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { radosgwFromEnv } from '../../sandbox/radosgw-env.js'
import { postForm, type Reply } from '../../sandbox/client.js'
import { buildPostFields } from '../../sandbox/policy.js'
import { hashObject } from '../../sandbox/s3-client.js'

const s3 = radosgwFromEnv()
if (!s3 && process.env.CI === 'true') {
  throw new Error('RADOSGW_ENDPOINT is not set under CI=true: the real S3 tests must not skip')
}
const describeS3 = s3 ? describe : describe.skip

const HOUR = 3600 // seconds

describeS3('radosgw browser-form POST upload', () => {
  const sandbox = s3!
  let dir: string
  let prefix: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'radosgw-test-'))
    prefix = `tests/${randomBytes(6).toString('hex')}/`
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function fastq(name: string, reads: number): { path: string; bytes: Buffer } {
    const lines: string[] = []
    for (let i = 0; i < reads; i++) {
      const seq = Array.from(randomBytes(50), b => 'ACGT'[b & 3]).join('')
      lines.push(`@read${i}`, seq, '+', 'I'.repeat(seq.length))
    }
    const bytes = Buffer.from(lines.join('\n') + '\n')
    const path = join(dir, name)
    writeFileSync(path, bytes)
    return { path, bytes }
  }

  // init_upload's additional_fields: key `${prefix}${sub}/${filename}`, policy for that prefix
  const fields = (
    sub: string,
    overrides: { maxBytes?: number; ttlSeconds?: number } = {}
  ): Record<string, string | number> => ({
    ...buildPostFields({
      bucket: sandbox.bucket,
      keyPrefix: `${prefix}${sub}/`,
      credentials: sandbox,
      ttlSeconds: overrides.ttlSeconds ?? HOUR,
      maxBytes: overrides.maxBytes ?? 1024 * 1024
    })
  })

  const post = (
    fields: Record<string, string | number>,
    path: string,
    options: { chunked?: boolean } = {}
  ): Promise<Reply> =>
    postForm(`${sandbox.endpoint}/${sandbox.bucket}`, {
      fields,
      file: { path, filename: basename(path) },
      ...options
    })

  const stored = (key: string) => hashObject(sandbox, key)
  const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

  it('stores the exact bytes under the key with ${filename} replaced, answering 201', async () => {
    const file = fastq('sample_R1.fastq', 40)
    const res = await post(fields('ok'), file.path)

    expect(res.status).toBe(201)
    const key = `${prefix}ok/sample_R1.fastq`
    expect(res.text).toContain(`<Key>${key}</Key>`)
    expect(await stored(key)).toEqual({ size: file.bytes.length, sha256: sha256(file.bytes) })
  })

  it('refuses a wrong signature with 403 and stores nothing', async () => {
    const file = fastq('badsig.fastq', 2)
    const res = await post(
      { ...fields('badsig'), signature: Buffer.alloc(20, 7).toString('base64') },
      file.path
    )

    expect(res.status).toBe(403)
    expect(await stored(`${prefix}badsig/badsig.fastq`)).toBeUndefined()
  })

  it('refuses a body over content-length-range with 400 EntityTooLarge', async () => {
    const file = fastq('big.fastq', 20) // ~2.5 KiB against a 1 KiB limit
    const res = await post(fields('big', { maxBytes: 1024 }), file.path)

    expect(res.status).toBe(400)
    expect(res.text).toContain('<Code>EntityTooLarge</Code>')
    expect(await stored(`${prefix}big/big.fastq`)).toBeUndefined()
  })

  it('refuses an expired policy with 403', async () => {
    const file = fastq('late.fastq', 2)
    const res = await post(fields('late', { ttlSeconds: -HOUR }), file.path)

    expect(res.status).toBe(403)
    expect(await stored(`${prefix}late/late.fastq`)).toBeUndefined()
  })

  it('refuses a chunked body (no Content-Length) with 411 and stores nothing', async () => {
    const file = fastq('chunked.fastq', 2)
    const res = await post(fields('chunked'), file.path, { chunked: true })

    expect(res.status).toBe(411)
    expect(await stored(`${prefix}chunked/chunked.fastq`)).toBeUndefined()
  })
})
