// Pins down what we rely on from S3-like storage, against a real radosgw on 127.0.0.1
// (started by __tests__/setup/global-setup.ts via scripts/radosgw.sh): browser-form POST with a
// SigV2 policy, ${filename} in the key, success_action_status=201, SSE AES256 field, and the
// refusals (bad signature, too large, expired policy, no Content-Length).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getObject, postForm, sandboxFromEnv, signPostFields } from './helpers/s3-post.js'

const s3 = sandboxFromEnv()
if (!s3 && process.env.CI === 'true') {
  throw new Error('RADOSGW_ENDPOINT is not set under CI=true: the real S3 tests must not skip')
}
const describeS3 = s3 ? describe : describe.skip

const HOUR = 3600 * 1000

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

  function fields(sub: string, overrides: Partial<{ maxBytes: number; expiration: Date }> = {}) {
    return signPostFields(sandbox, {
      key: `${prefix}${sub}/\${filename}`,
      keyPrefix: `${prefix}${sub}/`,
      maxBytes: overrides.maxBytes ?? 1024 * 1024,
      expiration: overrides.expiration ?? new Date(Date.now() + HOUR)
    })
  }

  const bucketUrl = () => `${sandbox.endpoint}/${sandbox.bucket}`

  it('stores the exact bytes under the key with ${filename} replaced, answering 201', async () => {
    const file = fastq('sample_R1.fastq', 40)
    const res = await postForm(bucketUrl(), fields('ok'), file.path)

    expect(res.status).toBe(201)
    const key = `${prefix}ok/sample_R1.fastq`
    expect(res.body.toString()).toContain(`<Key>${key}</Key>`)
    const got = await getObject(sandbox, key)
    expect(got.status).toBe(200)
    expect(got.body.equals(file.bytes)).toBe(true)
  })

  it('refuses a wrong signature with 403 and stores nothing', async () => {
    const file = fastq('badsig.fastq', 2)
    const signed = fields('badsig')
    const res = await postForm(
      bucketUrl(),
      { ...signed, signature: Buffer.alloc(20, 7).toString('base64') },
      file.path
    )

    expect(res.status).toBe(403)
    expect((await getObject(sandbox, `${prefix}badsig/badsig.fastq`)).status).toBe(404)
  })

  it('refuses a body over content-length-range with 400 EntityTooLarge', async () => {
    const file = fastq('big.fastq', 20) // ~2.5 KiB against a 1 KiB limit
    const res = await postForm(bucketUrl(), fields('big', { maxBytes: 1024 }), file.path)

    expect(res.status).toBe(400)
    expect(res.body.toString()).toContain('<Code>EntityTooLarge</Code>')
    expect((await getObject(sandbox, `${prefix}big/big.fastq`)).status).toBe(404)
  })

  it('refuses an expired policy with 403', async () => {
    const file = fastq('late.fastq', 2)
    const res = await postForm(
      bucketUrl(),
      fields('late', { expiration: new Date(Date.now() - HOUR) }),
      file.path
    )

    expect(res.status).toBe(403)
    expect((await getObject(sandbox, `${prefix}late/late.fastq`)).status).toBe(404)
  })

  it('refuses a chunked body (no Content-Length) with 411 and stores nothing', async () => {
    const file = fastq('chunked.fastq', 2)
    const res = await postForm(bucketUrl(), fields('chunked'), file.path, { chunked: true })

    expect(res.status).toBe(411)
    expect((await getObject(sandbox, `${prefix}chunked/chunked.fastq`)).status).toBe(404)
  })
})
