/**
 * The sandbox's builtin storage enforces S3's browser-POST rules, over real HTTP with
 * form-data bodies streamed from real files.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiPost, postForm, type Reply } from '../../sandbox/client.js'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'

interface InitAnswer {
  sample_id: string
  upload_url: string
  additional_fields: Record<string, string | number>
}

let dir: string
let sandbox: Sandbox
let fastq: string
let fastqBytes: Buffer
let big: string
let bigBytes: Buffer

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

async function init(box: Sandbox, filename: string, size: number): Promise<InitAnswer> {
  const reply = await apiPost(
    box.apiUrl,
    '/api/v1/samples/init_upload',
    { filename, size, upload_type: 'standard' },
    box.apiKey
  )
  expect(reply.status).toBe(200)
  return reply.json as InitAnswer
}

const keyOf = (answer: InitAnswer, filename: string): string =>
  String(answer.additional_fields.key).replace('${filename}', filename)

const errorCode = (reply: Reply): string | undefined =>
  /<Code>([^<]*)<\/Code>/.exec(reply.text)?.[1]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storage-test-'))
  fastq = join(dir, 'reads.fastq')
  fastqBytes = Buffer.from('@r1\nACGTACGTNN\n+\nIIIIIIIIII\n@r2\nTTGCA\n+\nIIIII\n')
  await writeFile(fastq, fastqBytes)
  // Several stream chunks, and bytes that look like a multipart delimiter without being one.
  big = join(dir, 'big.fa')
  bigBytes = Buffer.concat([
    Buffer.from('>contig\r\n--\r\n--X\r\n'),
    randomBytes(3 * 1024 * 1024 + 17),
    Buffer.from('\r\n--')
  ])
  await writeFile(big, bigBytes)
  sandbox = await startSandbox()
})

afterAll(async () => {
  await sandbox.close()
  await rm(dir, { recursive: true, force: true })
})

describe('builtin storage accepts a well-formed POST', () => {
  it('answers 201 with the S3 PostResponse and stores the bytes under the expanded key', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const reply = await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path: fastq, filename: 'reads.fastq' }
    })
    const key = keyOf(answer, 'reads.fastq')
    expect(reply.status).toBe(201)
    expect(reply.text).toContain('<PostResponse>')
    expect(reply.text).toContain(`<Key>${key}</Key>`)
    expect(reply.headers.etag).toBe(`"${createHash('md5').update(fastqBytes).digest('hex')}"`)
    expect(await sandbox.object(key)).toEqual({
      key,
      size: fastqBytes.length,
      sha256: sha256(fastqBytes)
    })
  })

  it('streams a multi-megabyte file whose bytes mimic delimiters and keeps its exact digest', async () => {
    const answer = await init(sandbox, 'big.fa', bigBytes.length)
    const reply = await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path: big, filename: 'big.fa' }
    })
    expect(reply.status).toBe(201)
    const stored = await sandbox.object(keyOf(answer, 'big.fa'))
    expect(stored?.size).toBe(bigBytes.length)
    expect(stored?.sha256).toBe(sha256(bigBytes))
  })

  it('logs the form fields, filename and byte count but never the file bytes', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path: fastq, filename: 'reads.fastq' }
    })
    const entry = sandbox.requests.filter(r => r.route === 'storage').at(-1)
    expect(entry).toMatchObject({
      method: 'POST',
      status: 201,
      fileName: 'reads.fastq',
      fileSize: fastqBytes.length
    })
    expect(entry?.body).toEqual(
      Object.fromEntries(Object.entries(answer.additional_fields).map(([k, v]) => [k, String(v)]))
    )
    expect(JSON.stringify(entry)).not.toContain('ACGTACGTNN')
  })
})

describe('builtin storage refuses what S3 refuses, and stores nothing', () => {
  const refused = async (
    reply: Reply,
    answer: InitAnswer,
    status: number,
    code: string
  ): Promise<void> => {
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status, code })
    expect(reply.text).toMatch(/^<\?xml[^>]*>\s*<Error><Code>/)
    expect(await sandbox.object(keyOf(answer, 'reads.fastq'))).toBeUndefined()
  }

  it('a wrong signature field → 403 SignatureDoesNotMatch', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const reply = await postForm(answer.upload_url, {
      fields: { ...answer.additional_fields, signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      file: { path: fastq, filename: 'reads.fastq' }
    })
    await refused(reply, answer, 403, 'SignatureDoesNotMatch')
  })

  it('a chunked body without Content-Length → 411 MissingContentLength', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const reply = await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path: fastq, filename: 'reads.fastq' },
      chunked: true
    })
    await refused(reply, answer, 411, 'MissingContentLength')
  })

  it('a field after the file part → 400 InvalidArgument', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const { signature, ...before } = answer.additional_fields
    const reply = await postForm(answer.upload_url, {
      fields: before,
      file: { path: fastq, filename: 'reads.fastq' },
      fieldsAfterFile: { signature: String(signature) }
    })
    expect(reply.text).toContain('last field')
    // The signature came too late to count, so S3 also misses it.
    expect(reply.status).toBe(400)
    expect(await sandbox.object(keyOf(answer, 'reads.fastq'))).toBeUndefined()
  })

  it('a file part followed by another field → 400 even when every field came first', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const reply = await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path: fastq, filename: 'reads.fastq' },
      fieldsAfterFile: { 'x-ignore-note': 'late' }
    })
    await refused(reply, answer, 400, 'InvalidArgument')
  })

  it('an expired policy → 403 AccessDenied', async () => {
    const expired = await startSandbox({ policyTtlSeconds: -60 })
    try {
      const answer = await init(expired, 'reads.fastq', fastqBytes.length)
      const reply = await postForm(answer.upload_url, {
        fields: answer.additional_fields,
        file: { path: fastq, filename: 'reads.fastq' }
      })
      expect({ status: reply.status, code: errorCode(reply) }).toEqual({
        status: 403,
        code: 'AccessDenied'
      })
      expect(reply.text).toContain('Policy expired')
      expect(await expired.object(keyOf(answer, 'reads.fastq'))).toBeUndefined()
    } finally {
      await expired.close()
    }
  })

  it('a key outside the allowed prefix → 403 AccessDenied', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const reply = await postForm(answer.upload_url, {
      fields: { ...answer.additional_fields, key: 'someone_else/${filename}' },
      file: { path: fastq, filename: 'reads.fastq' }
    })
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({
      status: 403,
      code: 'AccessDenied'
    })
  })

  it('a missing policy field (acl) → 403, an extra field → 403', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const withoutAcl = { ...answer.additional_fields }
    delete withoutAcl.acl
    const missing = await postForm(answer.upload_url, {
      fields: withoutAcl,
      file: { path: fastq, filename: 'reads.fastq' }
    })
    await refused(missing, answer, 403, 'AccessDenied')
    expect(missing.text).toContain('acl')
    const extra = await postForm(answer.upload_url, {
      fields: { ...answer.additional_fields, 'Content-Type': 'text/plain' },
      file: { path: fastq, filename: 'reads.fastq' }
    })
    await refused(extra, answer, 403, 'AccessDenied')
    expect(extra.text).toContain('Extra input fields: content-type')
  })

  it('an empty file → 400 EntityTooSmall (content-length-range starts at 1)', async () => {
    const empty = join(dir, 'empty.fq')
    await writeFile(empty, '')
    const answer = await init(sandbox, 'empty.fq', 1)
    const reply = await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path: empty, filename: 'empty.fq' }
    })
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({
      status: 400,
      code: 'EntityTooSmall'
    })
  })

  it('a body that is not multipart/form-data → 412 PreconditionFailed', async () => {
    const answer = await init(sandbox, 'reads.fastq', fastqBytes.length)
    const reply = await apiPost(answer.upload_url, '', { key: 'x' }, {})
    expect({ status: reply.status, code: errorCode(reply) }).toEqual({
      status: 412,
      code: 'PreconditionFailed'
    })
  })
})
