/**
 * The sandbox's One Codex API (init_upload, confirm_upload, init_multipart_upload and its
 * callback, cancel_upload, the sample listing), its S3 multipart storage, its request log and
 * its faults, over real HTTP; the upload paths also against radosgw when it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig
} from '@aws-sdk/client-s3'
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import zlib from 'node:zlib'
import { radosgwFromEnv } from '../../sandbox/radosgw-env.js'
import { apiGet, apiPost, listAllPages, postForm, type Reply } from '../../sandbox/client.js'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/emulator.js'
import { MAX_UPLOAD_BYTES } from '../../src/contract/spec.js'

interface InitAnswer {
  sample_id: string
  upload_url: string
  additional_fields: Record<string, string | number>
  paired_end_upload_url?: string
  paired_end_additional_fields?: Record<string, string | number>
}

const INIT = '/api/v1/samples/init_upload'
const CONFIRM = '/api/v1/samples/confirm_upload'

let dir: string
let sandbox: Sandbox
const files: Record<string, { path: string; bytes: Buffer }> = {}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const keyOf = (fields: Record<string, string | number>, filename: string): string =>
  String(fields.key).replace('${filename}', filename)

async function write(name: string, text: string): Promise<void> {
  const path = join(dir, name)
  const bytes = Buffer.from(text)
  await writeFile(path, bytes)
  files[name] = { path, bytes }
}

const init = (box: Sandbox, body: unknown): Promise<Reply> =>
  apiPost(box.apiUrl, INIT, body, box.apiKey)
const confirm = (box: Sandbox, sampleId: string): Promise<Reply> =>
  apiPost(box.apiUrl, CONFIRM, { sample_id: sampleId }, box.apiKey)
const upload = (
  url: string,
  fields: Record<string, string | number>,
  name: string
): Promise<Reply> => postForm(url, { fields, file: { path: files[name].path, filename: name } })

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-test-'))
  await write('single.fastq', '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n')
  await write('pair_R1_001.fastq', '@p1/1\nAAAAC\n+\nIIIII\n')
  await write('pair_R2_001.fastq', '@p1/2\nGTTTTT\n+\nIIIIII\n')
  sandbox = await startSandbox()
})

afterAll(async () => {
  await sandbox.close()
  await rm(dir, { recursive: true, force: true })
})

describe('init_upload → storage POST → confirm_upload', () => {
  it('uploads and confirms a single file', async () => {
    const { bytes } = files['single.fastq']
    const reply = await init(sandbox, {
      filename: 'single.fastq',
      size: bytes.length,
      upload_type: 'standard'
    })
    expect(reply.status).toBe(200)
    const answer = reply.json as InitAnswer
    expect(answer.sample_id).toMatch(/^[0-9a-f]{16}$/)
    expect(answer.upload_url.startsWith(sandbox.storageUrl)).toBe(true)
    expect(answer.upload_url.startsWith(sandbox.apiUrl)).toBe(false)
    const fields = answer.additional_fields
    expect(fields).toMatchObject({
      acl: 'private',
      success_action_status: 201,
      'x-amz-server-side-encryption': 'AES256'
    })
    expect(fields.key).toMatch(
      new RegExp(`^user_[0-9a-f]{16}/file_${answer.sample_id}/\\$\\{filename\\}$`)
    )
    const policy = JSON.parse(Buffer.from(String(fields.policy), 'base64').toString('utf8'))
    expect(Date.parse(policy.expiration)).toBeGreaterThan(Date.now())
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['starts-with', '$key', String(fields.key).replace('${filename}', '')],
        { acl: 'private' },
        { success_action_status: '201' },
        { 'x-amz-server-side-encryption': 'AES256' },
        ['content-length-range', 1, MAX_UPLOAD_BYTES]
      ])
    )

    expect((await upload(answer.upload_url, fields, 'single.fastq')).status).toBe(201)
    const confirmed = await confirm(sandbox, answer.sample_id)
    expect(confirmed.status).toBe(200)
    expect(confirmed.json).toMatchObject({
      success: true,
      sample: { $ref: `/api/v1/samples/${answer.sample_id}` }
    })
    expect(await sandbox.object(keyOf(fields, 'single.fastq'))).toMatchObject({
      size: bytes.length,
      sha256: sha256(bytes)
    })
    expect(sandbox.samples().find(s => s.sample_id === answer.sample_id)).toMatchObject({
      filename: 'single.fastq',
      confirmed: true
    })
    // Confirming again is idempotent.
    expect((await confirm(sandbox, answer.sample_id)).status).toBe(200)
  })

  it('a pair gets two key prefixes and confirms only once both mates are stored', async () => {
    const r1 = files['pair_R1_001.fastq'].bytes
    const r2 = files['pair_R2_001.fastq'].bytes
    const reply = await init(sandbox, {
      filename: 'pair_R1_001.fastq',
      paired_end_filename: 'pair_R2_001.fastq',
      size: r1.length + r2.length,
      upload_type: 'standard',
      metadata: { platform: 'Illumina MiSeq', custom: { run: 7, lab: 'B' } },
      tags: [{ name: 'ci' }],
      project: 'abc123'
    })
    expect(reply.status).toBe(200)
    const answer = reply.json as InitAnswer
    const mateFields = answer.paired_end_additional_fields ?? {}
    expect(answer.paired_end_upload_url).toBe(answer.upload_url)
    expect(mateFields.key).not.toBe(answer.additional_fields.key)
    expect(mateFields.key).toMatch(/^user_[0-9a-f]{16}\/file_[0-9a-f]{16}\/\$\{filename\}$/)

    expect(
      (await upload(answer.upload_url, answer.additional_fields, 'pair_R1_001.fastq')).status
    ).toBe(201)
    const early = await confirm(sandbox, answer.sample_id)
    expect(early.status).toBe(400)
    expect((early.json as { message: string }).message).toContain('pair_R2_001.fastq')

    // The R1 fields cannot write into the mate's prefix.
    const crossed = await upload(answer.upload_url, answer.additional_fields, 'pair_R2_001.fastq')
    expect(crossed.status).toBe(201)
    expect((await confirm(sandbox, answer.sample_id)).status).toBe(400)

    expect((await upload(answer.upload_url, mateFields, 'pair_R2_001.fastq')).status).toBe(201)
    expect((await confirm(sandbox, answer.sample_id)).status).toBe(200)
    const sample = sandbox.samples().find(s => s.sample_id === answer.sample_id)
    expect(sample).toMatchObject({ paired_end_filename: 'pair_R2_001.fastq', confirmed: true })
    expect(sample?.body).toMatchObject({ tags: [{ name: 'ci' }], project: 'abc123' })
  })

  it('confirm_upload refuses a size that differs from init_upload and an unknown sample', async () => {
    const { bytes } = files['single.fastq']
    const answer = (await init(sandbox, { filename: 'single.fastq', size: bytes.length + 1 }))
      .json as InitAnswer
    expect((await upload(answer.upload_url, answer.additional_fields, 'single.fastq')).status).toBe(
      201
    )
    const wrongSize = await confirm(sandbox, answer.sample_id)
    expect(wrongSize.status).toBe(400)
    expect((wrongSize.json as { message: string }).message).toMatch(/bytes/)
    expect((await confirm(sandbox, '0123456789abcdef')).status).toBe(404)
    expect(sandbox.samples().find(s => s.sample_id === answer.sample_id)?.confirmed).toBe(false)
  })

  it('matches pre-uploaded samples by sample_id and external_sample_id', async () => {
    const byId = sandbox.preupload({})
    const byExternal = sandbox.preupload({ externalSampleId: 'LIMS-42' })
    const a = await init(sandbox, { filename: 'single.fastq', size: 5, sample_id: byId })
    expect((a.json as InitAnswer).sample_id).toBe(byId)
    const b = await init(sandbox, {
      filename: 'single.fastq',
      size: 5,
      external_sample_id: 'LIMS-42'
    })
    expect((b.json as InitAnswer).sample_id).toBe(byExternal)
  })
})

describe('authentication', () => {
  const body = { filename: 'single.fastq', size: 10 }

  it('accepts the key as Basic username with an empty password, or as X-API-Key', async () => {
    expect((await apiPost(sandbox.apiUrl, INIT, body, { basic: sandbox.apiKey })).status).toBe(200)
    expect((await apiPost(sandbox.apiUrl, INIT, body, { header: sandbox.apiKey })).status).toBe(200)
  })

  it.each([
    ['no credentials', {}],
    ['a wrong key', { basic: 'not-the-key' }],
    ['a wrong X-API-Key', { header: 'not-the-key' }]
  ])('answers 401 with a JSON message for %s', async (_label, auth) => {
    const reply = await apiPost(sandbox.apiUrl, INIT, body, auth)
    expect(reply.status).toBe(401)
    expect(reply.headers['content-type']).toContain('application/json')
    expect(typeof (reply.json as { message: unknown }).message).toBe('string')
  })

  it('refuses the key sent as password instead of username', async () => {
    const reply = await apiPost(sandbox.apiUrl, CONFIRM, { sample_id: 'x' }, { basic: '' })
    expect(reply.status).toBe(401)
  })
})

describe('init_upload validation', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['no filename', { size: 3 }, 'filename'],
    ['a filename outside the pattern', { filename: 'François.fq', size: 3 }, 'filename'],
    [
      'a paired_end_filename outside the pattern',
      { filename: 'a.fq', paired_end_filename: '-b.fq', size: 3 },
      'paired_end_filename'
    ],
    ['size 0', { filename: 'a.fq', size: 0 }, 'size'],
    ['a fractional size', { filename: 'a.fq', size: 1.5 }, 'size'],
    ['a size given as text', { filename: 'a.fq', size: '3' }, 'size'],
    ['another upload_type', { filename: 'a.fq', size: 3, upload_type: 'multipart' }, 'upload_type'],
    [
      'an unknown platform',
      { filename: 'a.fq', size: 3, metadata: { platform: 'Illumina X' } },
      'metadata.platform'
    ],
    [
      'an unknown metadata field',
      { filename: 'a.fq', size: 3, metadata: { colour: 'red' } },
      'metadata.colour'
    ],
    [
      'nested custom metadata',
      { filename: 'a.fq', size: 3, metadata: { custom: { a: { b: 1 } } } },
      'metadata.custom.a'
    ],
    [
      'a latitude above 90',
      { filename: 'a.fq', size: 3, metadata: { location_lat: 91 } },
      'metadata.location_lat'
    ],
    [
      'a name over 255 characters',
      { filename: 'a.fq', size: 3, metadata: { name: 'n'.repeat(256) } },
      'metadata.name'
    ],
    [
      'a date that is no date-time',
      { filename: 'a.fq', size: 3, metadata: { date_collected: 'yesterday' } },
      'metadata.date_collected'
    ],
    [
      'a tag over 30 characters',
      { filename: 'a.fq', size: 3, tags: [{ name: 't'.repeat(31) }] },
      'tags[0].name'
    ],
    ['a tag given as a string', { filename: 'a.fq', size: 3, tags: ['ci'] }, 'tags[0]'],
    [
      'a project over 16 characters',
      { filename: 'a.fq', size: 3, project: 'p'.repeat(17) },
      'project'
    ],
    ['interleaved given as text', { filename: 'a.fq', size: 3, interleaved: 'yes' }, 'interleaved'],
    ['an unknown field', { filename: 'a.fq', size: 3, colour: 'red' }, 'colour'],
    [
      'an unknown sample_id',
      { filename: 'a.fq', size: 3, sample_id: 'ffffffffffffffff' },
      'sample_id'
    ],
    [
      'an unknown external_sample_id',
      { filename: 'a.fq', size: 3, external_sample_id: 'nope' },
      'external_sample_id'
    ]
  ])('answers 400 naming the field for %s', async (_label, body, field) => {
    const reply = await init(sandbox, body)
    expect(reply.status).toBe(400)
    expect((reply.json as { message: string }).message).toContain(field)
  })

  it('answers 400 to a body that is not JSON', async () => {
    const reply = await apiPost(sandbox.apiUrl, INIT, '{"filename": ', sandbox.apiKey)
    expect(reply.status).toBe(400)
  })

  it('accepts every documented metadata field at its limits', async () => {
    const reply = await init(sandbox, {
      filename: 'Sample [1] (a){b} x.fastq.gz',
      size: 1,
      upload_type: 'standard',
      interleaved: false,
      metadata: {
        custom: { a: 'x', b: 1.5, c: true, d: null },
        date_collected: '2024-05-01T12:00:00Z',
        date_sequenced: null,
        description: 'd',
        external_sample_id: 'e'.repeat(60),
        library_type: 'Targeted/16S',
        location_lat: -90,
        location_lon: 180,
        location_string: 'l'.repeat(255),
        name: 'n',
        platform: 'Oxford Nanopore MinION',
        sample_type: 'Metagenomic',
        starred: true
      },
      tags: [{ name: 't'.repeat(30) }],
      project: 'p'.repeat(16)
    })
    expect(reply.status).toBe(200)
  })
})

describe('request log', () => {
  it('logs API calls with their JSON body, and storage calls without the API key', async () => {
    const box = await startSandbox({ apiKey: 'log-test-key' })
    try {
      const { bytes } = files['single.fastq']
      const answer = (await init(box, { filename: 'single.fastq', size: bytes.length }))
        .json as InitAnswer
      await upload(answer.upload_url, answer.additional_fields, 'single.fastq')
      await confirm(box, answer.sample_id)
      expect(box.requests.map(r => [r.route, r.method, r.status])).toEqual([
        ['init_upload', 'POST', 200],
        ['storage', 'POST', 201],
        ['confirm_upload', 'POST', 200]
      ])
      expect(box.requests[0].body).toEqual({ filename: 'single.fastq', size: bytes.length })
      expect(box.requests[2].url).toBe(CONFIRM)
      const storage = JSON.stringify(box.requests[1])
      expect(storage).not.toContain('log-test-key')
      expect(storage).not.toContain(Buffer.from('log-test-key:').toString('base64'))
    } finally {
      await box.close()
    }
  })

  it('logs unknown paths as "other" with 404', async () => {
    const reply = await apiPost(sandbox.apiUrl, '/api/v1/projects', {}, sandbox.apiKey)
    expect(reply.status).toBe(404)
    expect(sandbox.requests.at(-1)).toMatchObject({ route: 'other', status: 404 })
  })
})

/** A POST whose outcome is either a reply or a transport error (reset, or our timeout). */
function rawPost(
  url: string,
  body: string,
  abortAfterMs?: number
): Promise<Reply | { error: NodeJS.ErrnoException }> {
  return new Promise(resolve => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }
    })
    req.on('response', res => {
      let text = ''
      res.on('data', c => (text += String(c)))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', error => resolve({ error }))
    if (abortAfterMs !== undefined) {
      setTimeout(() => req.destroy(new Error('client gave up')), abortAfterMs).unref()
    }
    req.end(body)
  })
}

describe('faults', () => {
  let box: Sandbox
  beforeAll(async () => {
    box = await startSandbox()
  })
  afterAll(async () => {
    await box.close()
  })

  it('fire per route in FIFO order, `times` requests each, then normal handling resumes', async () => {
    box.faults.add('init_upload', { kind: 'status', status: 503, times: 2 })
    box.faults.add('init_upload', {
      kind: 'status',
      status: 429,
      retryAfter: '7',
      body: '{"message":"slow down"}'
    })
    box.faults.add('confirm_upload', { kind: 'status', status: 500 })
    const body = { filename: 'single.fastq', size: 10 }
    const replies = [await init(box, body), await init(box, body), await init(box, body)]
    expect(replies.map(r => r.status)).toEqual([503, 503, 429])
    expect(replies[2].headers['retry-after']).toBe('7')
    expect(replies[2].json).toEqual({ message: 'slow down' })
    expect((await init(box, body)).status).toBe(200)
    expect((await confirm(box, 'ffffffffffffffff')).status).toBe(500)
    expect((await confirm(box, 'ffffffffffffffff')).status).toBe(404)
  })

  it('a storage 503 answers S3 SlowDown XML and stores nothing; the retry succeeds', async () => {
    const { bytes } = files['single.fastq']
    const answer = (await init(box, { filename: 'single.fastq', size: bytes.length }))
      .json as InitAnswer
    box.faults.add('storage', { kind: 'status', status: 503 })
    const first = await upload(answer.upload_url, answer.additional_fields, 'single.fastq')
    expect(first.status).toBe(503)
    expect(first.text).toContain('<Code>SlowDown</Code>')
    expect(await box.object(keyOf(answer.additional_fields, 'single.fastq'))).toBeUndefined()
    expect(box.requests.at(-1)).toMatchObject({
      route: 'storage',
      status: 503,
      fileName: 'single.fastq'
    })
    expect((await upload(answer.upload_url, answer.additional_fields, 'single.fastq')).status).toBe(
      201
    )
  })

  it('reset destroys the connection after the given body bytes; the log says status 0', async () => {
    box.faults.add('init_upload', { kind: 'reset', afterBytes: 5 })
    const outcome = await rawPost(
      `${box.apiUrl}${INIT}`,
      JSON.stringify({ filename: 'a.fq', size: 3 })
    )
    expect(outcome).toMatchObject({ error: { code: 'ECONNRESET' } })
    expect(box.requests.at(-1)).toMatchObject({ route: 'init_upload', status: 0 })
  })

  it('reset mid-body on storage stores nothing', async () => {
    const { bytes } = files['single.fastq']
    const answer = (await init(box, { filename: 'single.fastq', size: bytes.length }))
      .json as InitAnswer
    box.faults.add('storage', { kind: 'reset', afterBytes: 100 })
    await expect(
      upload(answer.upload_url, answer.additional_fields, 'single.fastq')
    ).rejects.toThrow()
    expect(await box.object(keyOf(answer.additional_fields, 'single.fastq'))).toBeUndefined()
  })

  it('stall never answers (the client has to give up) and delay answers normally', async () => {
    box.faults.add('confirm_upload', { kind: 'stall' })
    box.faults.add('confirm_upload', { kind: 'delay', ms: 20 })
    const stalled = await rawPost(`${box.apiUrl}${CONFIRM}`, '{"sample_id":"x"}', 300)
    expect(stalled).toMatchObject({ error: { message: 'client gave up' } })
    expect((await confirm(box, 'ffffffffffffffff')).status).toBe(404)
  })

  it('failFile fails every request about that file on that route, and only those', async () => {
    box.faults.failFile('bad.fastq', 'init_upload', 500, '{"message":"boom"}')
    for (let i = 0; i < 3; i++) {
      const reply = await init(box, { filename: 'bad.fastq', size: 3 })
      expect(reply.status).toBe(500)
      expect(reply.json).toEqual({ message: 'boom' })
    }
    const mate = await init(box, {
      filename: 'ok.fastq',
      paired_end_filename: 'bad.fastq',
      size: 3
    })
    expect(mate.status).toBe(500)
    expect((await init(box, { filename: 'ok.fastq', size: 3 })).status).toBe(200)

    const { bytes } = files['single.fastq']
    const answer = (await init(box, { filename: 'single.fastq', size: bytes.length }))
      .json as InitAnswer
    box.faults.failFile('single.fastq', 'storage', 403)
    const refused = await upload(answer.upload_url, answer.additional_fields, 'single.fastq')
    expect(refused.status).toBe(403)
    expect(refused.text).toContain('<Error>')
    box.faults.clear()
    expect((await upload(answer.upload_url, answer.additional_fields, 'single.fastq')).status).toBe(
      201
    )
    expect((await init(box, { filename: 'bad.fastq', size: 3 })).status).toBe(200)
  })
})

const radosgw = radosgwFromEnv()

;(radosgw ? describe : describe.skip)('with radosgw storage', () => {
  it('uploads through radosgw, confirms, and reads the stored bytes back', async () => {
    const box = await startSandbox({ storage: radosgw })
    try {
      const { bytes } = files['single.fastq']
      const answer = (await init(box, { filename: 'single.fastq', size: bytes.length }))
        .json as InitAnswer
      const stored = await upload(answer.upload_url, answer.additional_fields, 'single.fastq')
      expect(stored.status).toBe(201)
      expect((await confirm(box, answer.sample_id)).status).toBe(200)
      expect(await box.object(keyOf(answer.additional_fields, 'single.fastq'))).toEqual({
        key: keyOf(answer.additional_fields, 'single.fastq'),
        size: bytes.length,
        sha256: sha256(bytes)
      })
      expect(box.requests.find(r => r.route === 'storage')).toMatchObject({
        status: 201,
        fileName: 'single.fastq',
        fileSize: bytes.length
      })
    } finally {
      await box.close()
    }
  })

  it('stores and reads back a filename with spaces and brackets', async () => {
    const box = await startSandbox({ storage: radosgw })
    try {
      const name = 'Run [2] (b) {c} x.fastq'
      const { bytes, path } = files['single.fastq']
      const answer = (await init(box, { filename: name, size: bytes.length })).json as InitAnswer
      const stored = await postForm(answer.upload_url, {
        fields: answer.additional_fields,
        file: { path, filename: name }
      })
      expect(stored.status).toBe(201)
      expect((await confirm(box, answer.sample_id)).status).toBe(200)
      expect((await box.object(keyOf(answer.additional_fields, name)))?.sha256).toBe(sha256(bytes))
    } finally {
      await box.close()
    }
  })

  it('radosgw itself refuses a chunked POST (411) and a wrong signature (403)', async () => {
    const box = await startSandbox({ storage: radosgw })
    try {
      const { bytes, path } = files['single.fastq']
      const answer = (await init(box, { filename: 'single.fastq', size: bytes.length }))
        .json as InitAnswer
      const chunked = await postForm(answer.upload_url, {
        fields: answer.additional_fields,
        file: { path, filename: 'single.fastq' },
        chunked: true
      })
      expect(chunked.status).toBe(411)
      expect(chunked.text).toContain('MissingContentLength')
      const forged = await postForm(answer.upload_url, {
        fields: { ...answer.additional_fields, signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
        file: { path, filename: 'single.fastq' }
      })
      expect(forged.status).toBe(403)
      expect(await box.object(keyOf(answer.additional_fields, 'single.fastq'))).toBeUndefined()
      // Both went through the sandbox's proxy, so they are logged.
      expect(box.requests.filter(r => r.route === 'storage').map(r => r.status)).toEqual([411, 403])
    } finally {
      await box.close()
    }
  })

  it('radosgw refuses an expired policy with 403 and confirm_upload then fails', async () => {
    const box = await startSandbox({ storage: radosgw, policyTtlSeconds: -60 })
    try {
      const { bytes } = files['single.fastq']
      const answer = (await init(box, { filename: 'single.fastq', size: bytes.length }))
        .json as InitAnswer
      const stored = await upload(answer.upload_url, answer.additional_fields, 'single.fastq')
      expect(stored.status).toBe(403)
      expect(stored.text).toContain('AccessDenied')
      expect((await confirm(box, answer.sample_id)).status).toBe(400)
    } finally {
      await box.close()
    }
  })
})

// ─── the multipart route, cancel_upload, the sample listing, seeds ──────────────────────────

interface MultipartAnswer {
  sample_id: string
  s3_bucket: string
  file_id: string
  paired_end_file_id?: string
  upload_aws_access_key_id: string
  upload_aws_secret_access_key: string
  callback_url: string
}

interface ListedSample {
  $uri: string
  filename: string
  size: number | null
  status: string
  visibility: string
  created_at: string
  project: { $ref: string } | null
  tags: { $ref: string }[]
  metadata: { $ref: string }
}

const INIT_MULTIPART = '/api/v1/samples/init_multipart_upload'
const CANCEL = '/api/v1/samples/cancel_upload'
const MIB = 1024 * 1024

const initMultipart = (box: Sandbox, body: unknown): Promise<Reply> =>
  apiPost(box.apiUrl, INIT_MULTIPART, body, box.apiKey)
const callbackFor = (box: Sandbox, answer: MultipartAnswer, filename: string): Promise<Reply> =>
  apiPost(
    box.apiUrl,
    answer.callback_url,
    { s3_path: `s3://${answer.s3_bucket}/${answer.file_id}`, filename },
    box.apiKey
  )
const cancel = (box: Sandbox, sampleId: string): Promise<Reply> =>
  apiPost(box.apiUrl, CANCEL, { sample_id: sampleId }, box.apiKey)
const list = (box: Sandbox, query: string, headers: Record<string, string> = {}): Promise<Reply> =>
  apiGet(box.apiUrl, `/api/v1/samples${query}`, box.apiKey, headers)
const q = (params: Record<string, unknown>): string =>
  `?${new URLSearchParams(
    Object.entries(params).map(([k, v]): [string, string] => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v)
    ])
  ).toString()}`

async function started(box: Sandbox, body: Record<string, unknown>): Promise<MultipartAnswer> {
  const reply = await initMultipart(box, body)
  expect(reply.status).toBe(200)
  return reply.json as MultipartAnswer
}

/** An S3 client as the action makes one: the sandbox's storage as endpoint, path-style. */
const s3For = (
  box: Sandbox,
  answer: MultipartAnswer,
  config: Partial<S3ClientConfig> = {}
): S3Client =>
  new S3Client({
    endpoint: box.storageUrl,
    forcePathStyle: true,
    region: 'us-east-1',
    maxAttempts: 1, // the faults must reach the test, not the SDK's retries
    // radosgw 16 refuses the aws-chunked trailer checksums that WHEN_SUPPORTED sends for streams
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: {
      accessKeyId: answer.upload_aws_access_key_id,
      secretAccessKey: answer.upload_aws_secret_access_key
    },
    ...config
  })

/** Creates, sends `parts` and completes one multipart upload; returns its upload id. */
async function multipartUpload(
  client: S3Client,
  bucket: string,
  key: string,
  parts: Buffer[]
): Promise<string> {
  const created = await client.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ServerSideEncryption: 'AES256' })
  )
  const uploadId = created.UploadId as string
  const etags: string[] = []
  for (const [index, body] of parts.entries()) {
    const part = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: index + 1,
        Body: body
      })
    )
    etags.push(part.ETag as string)
  }
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: etags.map((ETag, index) => ({ PartNumber: index + 1, ETag })) }
    })
  )
  return uploadId
}

/** What an SDK call threw: its error name and HTTP status. */
async function s3Failure(
  promise: Promise<unknown>
): Promise<{ name: string; status?: number; code?: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; code?: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, code: e.code }
  }
  throw new Error('the S3 call succeeded')
}

/** A raw request to storage, with a made-up SigV4 Authorization naming `accessKey`. */
function rawS3(
  url: string,
  method: string,
  options: {
    accessKey?: string
    headers?: Record<string, string>
    body?: Buffer | string
    abortAfterMs?: number
  } = {}
): Promise<Reply | { error: NodeJS.ErrnoException }> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body)
  const headers: Record<string, string> = { ...options.headers }
  if (options.accessKey !== undefined) {
    headers.Authorization = `AWS4-HMAC-SHA256 Credential=${options.accessKey}/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`
  }
  if (
    body &&
    headers['Content-Length'] === undefined &&
    headers['Transfer-Encoding'] === undefined
  ) {
    headers['Content-Length'] = String(body.length)
  }
  return new Promise(resolve => {
    const req = http.request(url, { method, headers })
    req.on('response', res => {
      let text = ''
      res.on('data', c => (text += String(c)))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', error => resolve({ error }))
    if (options.abortAfterMs !== undefined) {
      setTimeout(() => req.destroy(new Error('client gave up')), options.abortAfterMs).unref()
    }
    req.end(body)
  })
}

const objectUrl = (box: Sandbox, key: string, query = ''): string =>
  `${box.storageUrl}/${box.bucket}/${key.split('/').map(encodeURIComponent).join('/')}${query}`

const STORAGES: [string, SandboxOptions['storage'] | undefined][] = [
  ['builtin storage', 'builtin'],
  ['radosgw', radosgw]
]

for (const [label, storage] of STORAGES) {
  ;(storage ? describe : describe.skip)(
    `init_multipart_upload → S3 multipart → callback (${label})`,
    () => {
      let box: Sandbox
      beforeAll(async () => {
        box = await startSandbox({ storage })
      })
      afterAll(async () => {
        await box.close()
      })

      it('uploads one file in two parts and imports it through the callback', async () => {
        const answer = await started(box, {
          filename: 'big run [1].fastq.gz',
          metadata: { platform: 'Illumina MiSeq' },
          tags: [{ name: 'ci' }],
          project: 'proj01'
        })
        expect(answer).toEqual({
          sample_id: expect.stringMatching(/^[0-9a-f]{16}$/),
          s3_bucket: box.bucket,
          file_id: expect.stringMatching(
            /^user_[0-9a-f]{16}\/file_[0-9a-f]{16}\/big run \[1\]\.fastq\.gz$/
          ),
          upload_aws_access_key_id: expect.any(String),
          upload_aws_secret_access_key: expect.any(String),
          callback_url: '/api/import_file_from_s3'
        })
        expect(answer.file_id).toContain(answer.sample_id)
        if (storage !== 'builtin' && storage) {
          expect(answer.upload_aws_access_key_id).toBe(storage.accessKey)
          expect(answer.upload_aws_secret_access_key).toBe(storage.secretKey)
        }
        expect(box.samples().find(s => s.sample_id === answer.sample_id)).toMatchObject({
          state: 'awaiting data',
          origin: 'init_multipart_upload',
          size: null,
          confirmed: false
        })

        const parts = [randomBytes(5 * MIB), randomBytes(1000)]
        const whole = Buffer.concat(parts)
        const first = box.requests.length
        await multipartUpload(s3For(box, answer), answer.s3_bucket, answer.file_id, parts)
        expect(await box.object(answer.file_id)).toMatchObject({
          size: whole.length,
          sha256: sha256(whole)
        })
        expect(await box.pendingUploads()).toEqual([])

        const reply = await callbackFor(box, answer, 'big run [1].fastq.gz')
        expect(reply.status).toBe(200)
        expect(reply.json).toEqual({ sample_id: answer.sample_id })
        expect(box.samples().find(s => s.sample_id === answer.sample_id)).toMatchObject({
          state: 'complete',
          confirmed: true,
          size: whole.length,
          project: 'proj01'
        })

        const s3Log = box.requests.slice(first).filter(r => r.route.startsWith('s3:'))
        expect(s3Log.map(r => [r.route, r.status, r.s3?.partNumber])).toEqual([
          ['s3:CreateMultipartUpload', 200, undefined],
          ['s3:UploadPart', 200, 1],
          ['s3:UploadPart', 200, 2],
          ['s3:CompleteMultipartUpload', 200, undefined]
        ])
        expect(s3Log[1]).toMatchObject({ fileName: 'big run [1].fastq.gz', fileSize: 5 * MIB })
        expect(s3Log[3].body).toEqual([
          { partNumber: 1, etag: expect.any(String) },
          { partNumber: 2, etag: expect.any(String) }
        ])
        for (const entry of s3Log) {
          expect(entry.s3).toMatchObject({
            bucket: box.bucket,
            key: answer.file_id,
            accessKeyId: answer.upload_aws_access_key_id
          })
          expect(entry.headers.authorization).toBe('[redacted]')
          expect(JSON.stringify(entry)).not.toContain(answer.upload_aws_secret_access_key)
          expect(JSON.stringify(entry)).not.toMatch(/Signature=[0-9a-f]{64}/)
        }
        expect(s3Log[0].headers['x-amz-server-side-encryption']).toBe('AES256')
      })

      it('a pair: the callback names what is missing until R1 and R2 are both stored', async () => {
        const answer = await started(box, {
          filename: 'lib_R1_001.fastq.gz',
          paired_end_filename: 'lib_R2_001.fastq.gz'
        })
        expect(answer.paired_end_file_id).toMatch(
          /^user_[0-9a-f]{16}\/file_[0-9a-f]{16}\/lib_R2_001\.fastq\.gz$/
        )
        expect(answer.paired_end_file_id).not.toContain(answer.sample_id)
        const client = s3For(box, answer)
        const r1 = Buffer.from('@r1/1\nACGT\n+\nIIII\n')
        const r2 = Buffer.from('@r1/2\nTTGCA\n+\nIIIII\n')

        const none = await callbackFor(box, answer, 'lib_R1_001.fastq.gz')
        expect(none.status).toBe(400)
        expect((none.json as { message: string }).message).toContain(answer.file_id)

        await multipartUpload(client, answer.s3_bucket, answer.file_id, [r1])
        const noMate = await callbackFor(box, answer, 'lib_R1_001.fastq.gz')
        expect(noMate.status).toBe(400)
        expect((noMate.json as { message: string }).message).toContain(
          `${answer.paired_end_file_id} (its paired_end_file_id (R2))`
        )

        await multipartUpload(client, answer.s3_bucket, answer.paired_end_file_id as string, [r2])
        const reply = await callbackFor(box, answer, 'lib_R1_001.fastq.gz')
        expect(reply.status).toBe(200)
        expect(box.samples().find(s => s.sample_id === answer.sample_id)).toMatchObject({
          state: 'complete',
          size: r1.length + r2.length,
          paired_end_filename: 'lib_R2_001.fastq.gz',
          keys: [answer.file_id, answer.paired_end_file_id]
        })
        // A second callback (a retry) answers the same.
        expect((await callbackFor(box, answer, 'lib_R1_001.fastq.gz')).json).toEqual({
          sample_id: answer.sample_id
        })
      })

      it('the callback refuses an upload that was never completed, and an empty object', async () => {
        const answer = await started(box, { filename: 'pending.fastq' })
        const client = s3For(box, answer)
        const created = await client.send(
          new CreateMultipartUploadCommand({ Bucket: answer.s3_bucket, Key: answer.file_id })
        )
        await client.send(
          new UploadPartCommand({
            Bucket: answer.s3_bucket,
            Key: answer.file_id,
            UploadId: created.UploadId,
            PartNumber: 1,
            Body: Buffer.from('@a\nAC\n+\nII\n')
          })
        )
        expect(await box.pendingUploads()).toEqual([
          expect.objectContaining({ key: answer.file_id, uploadId: created.UploadId })
        ])
        const early = await callbackFor(box, answer, 'pending.fastq')
        expect(early.status).toBe(400)
        expect((early.json as { message: string }).message).toMatch(
          /no object.*complete the multipart upload/
        )
        await client.send(
          new AbortMultipartUploadCommand({
            Bucket: answer.s3_bucket,
            Key: answer.file_id,
            UploadId: created.UploadId
          })
        )
        expect(await box.pendingUploads()).toEqual([])

        await client.send(
          new PutObjectCommand({
            Bucket: answer.s3_bucket,
            Key: answer.file_id,
            Body: new Uint8Array(0),
            ContentLength: 0
          })
        )
        const empty = await callbackFor(box, answer, 'pending.fastq')
        expect(empty.status).toBe(400)
        expect((empty.json as { message: string }).message).toContain('empty')
        expect(box.samples().find(s => s.sample_id === answer.sample_id)?.state).toBe(
          'awaiting data'
        )
      })

      it('radosgw or builtin refuses credentials other than the ones handed out', async () => {
        const answer = await started(box, { filename: 'denied.fastq' })
        const failure = await s3Failure(
          s3For(box, {
            ...answer,
            upload_aws_access_key_id: 'NOTTHEKEY0000000'
          }).send(
            new CreateMultipartUploadCommand({ Bucket: answer.s3_bucket, Key: answer.file_id })
          )
        )
        expect(failure).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 })
        expect(box.requests.at(-1)).toMatchObject({
          route: 's3:CreateMultipartUpload',
          status: 403,
          s3: { accessKeyId: 'NOTTHEKEY0000000' }
        })
      })

      describe('S3 faults', () => {
        it('a reset halfway through a part: nothing is stored, the retried part completes', async () => {
          const answer = await started(box, { filename: 'reset.fastq' })
          const client = s3For(box, answer)
          const Bucket = answer.s3_bucket
          const Key = answer.file_id
          const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))
          const part = randomBytes(5 * MIB)
          box.faults.add('s3:UploadPart', { kind: 'reset', afterBytes: 2 * MIB })
          const send = (): Promise<{ ETag?: string }> =>
            client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: part }))
          await expect(send()).rejects.toThrow()
          const cut = box.requests.filter(r => r.route === 's3:UploadPart').at(-1)
          expect(cut).toMatchObject({ status: 0, s3: { partNumber: 1, uploadId: UploadId } })
          const listed = await client.send(new ListPartsCommand({ Bucket, Key, UploadId }))
          expect(listed.Parts ?? []).toEqual([])

          const { ETag } = await send()
          await client.send(
            new CompleteMultipartUploadCommand({
              Bucket,
              Key,
              UploadId,
              MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] }
            })
          )
          expect((await box.object(Key))?.sha256).toBe(sha256(part))
          expect((await callbackFor(box, answer, 'reset.fastq')).status).toBe(200)
        })

        it('503 SlowDown on UploadPart answers S3 XML; the part is not stored', async () => {
          const answer = await started(box, { filename: 'slow.fastq' })
          const client = s3For(box, answer)
          const Bucket = answer.s3_bucket
          const Key = answer.file_id
          const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))
          box.faults.add('s3:UploadPart', { kind: 'status', status: 503, retryAfter: '1' })
          const failure = await s3Failure(
            client.send(
              new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'ACGT' })
            )
          )
          expect(failure).toMatchObject({ name: 'SlowDown', status: 503 })

          box.faults.add('s3:UploadPart', { kind: 'status', status: 503 })
          const raw = await rawS3(
            objectUrl(box, Key, `?partNumber=1&uploadId=${encodeURIComponent(UploadId as string)}`),
            'PUT',
            { accessKey: answer.upload_aws_access_key_id, body: 'ACGT' }
          )
          expect(raw).toMatchObject({ status: 503 })
          expect((raw as Reply).text).toMatch(/<Error><Code>SlowDown<\/Code><Message>/)
          expect((raw as Reply).headers['content-type']).toBe('application/xml')
          const listed = await client.send(new ListPartsCommand({ Bucket, Key, UploadId }))
          expect(listed.Parts ?? []).toEqual([])
          await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
        })

        it('500 InternalError on CompleteMultipartUpload; the retried Complete succeeds', async () => {
          const answer = await started(box, { filename: 'complete.fastq' })
          const client = s3For(box, answer)
          const Bucket = answer.s3_bucket
          const Key = answer.file_id
          const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))
          const { ETag } = await client.send(
            new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'ACGT' })
          )
          const complete = (): Promise<unknown> =>
            client.send(
              new CompleteMultipartUploadCommand({
                Bucket,
                Key,
                UploadId,
                MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] }
              })
            )
          box.faults.add('s3:CompleteMultipartUpload', { kind: 'status', status: 500 })
          expect(await s3Failure(complete())).toMatchObject({ name: 'InternalError', status: 500 })
          expect(await box.object(Key)).toBeUndefined()
          await complete()
          expect((await box.object(Key))?.size).toBe(4)
        })

        it('a stalled part never gets an answer; the client has to give up', async () => {
          const answer = await started(box, { filename: 'stall.fastq' })
          const client = s3For(box, answer)
          const Bucket = answer.s3_bucket
          const Key = answer.file_id
          const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))
          box.faults.add('s3:UploadPart', { kind: 'stall', afterBytes: 1024 })
          const stalled = await rawS3(
            objectUrl(box, Key, `?partNumber=1&uploadId=${encodeURIComponent(UploadId as string)}`),
            'PUT',
            {
              accessKey: answer.upload_aws_access_key_id,
              body: randomBytes(64 * 1024),
              abortAfterMs: 300
            }
          )
          expect(stalled).toMatchObject({ error: { message: 'client gave up' } })
          expect(box.requests.filter(r => r.route === 's3:UploadPart').at(-1)?.status).toBe(0)
          await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
        })

        it.each<[string, string, number, string]>([
          ['s3:CreateMultipartUpload', 'create', 503, 'SlowDown'],
          ['s3:AbortMultipartUpload', 'abort', 500, 'InternalError'],
          ['s3:PutObject', 'put', 503, 'SlowDown'],
          ['s3:ListMultipartUploads', 'list', 503, 'SlowDown'],
          ['s3:CompleteMultipartUpload', 'complete', 404, 'NoSuchUpload']
        ])(
          'a status fault on %s answers S3 XML (%s → %d %s)',
          async (route, call, status, name) => {
            const answer = await started(box, { filename: `fault-${call}.fastq` })
            const client = s3For(box, answer)
            const Bucket = answer.s3_bucket
            const Key = answer.file_id
            const { UploadId } = await client.send(
              new CreateMultipartUploadCommand({ Bucket, Key })
            )
            box.faults.add(route as 's3:PutObject', { kind: 'status', status })
            const calls: Record<string, () => Promise<unknown>> = {
              create: () => client.send(new CreateMultipartUploadCommand({ Bucket, Key })),
              abort: () => client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })),
              put: () => client.send(new PutObjectCommand({ Bucket, Key, Body: 'ACGT' })),
              list: () => client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key })),
              complete: () =>
                client.send(
                  new CompleteMultipartUploadCommand({
                    Bucket,
                    Key,
                    UploadId,
                    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] }
                  })
                )
            }
            expect(await s3Failure(calls[call]())).toMatchObject({ name, status })
            expect(box.requests.at(-1)).toMatchObject({ route, status })
            // The fault was one-shot: the upload is still there to abort.
            await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
          }
        )

        it('failFile on an S3 operation hits that file’s key only; delay still answers', async () => {
          const bad = await started(box, { filename: 'bad-part.fastq' })
          const good = await started(box, { filename: 'good-part.fastq' })
          box.faults.failFile('bad-part.fastq', 's3:UploadPart', 403)
          box.faults.add('s3:UploadPart', { kind: 'delay', ms: 150 })
          const t0 = Date.now()
          await multipartUpload(s3For(box, good), good.s3_bucket, good.file_id, [
            Buffer.from('ACGT')
          ])
          expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
          const failure = await s3Failure(
            multipartUpload(s3For(box, bad), bad.s3_bucket, bad.file_id, [Buffer.from('ACGT')])
          )
          expect(failure).toMatchObject({ name: 'AccessDenied', status: 403 })
          box.faults.clear()
        })

        it('lost-answer on Complete: the object exists although the client saw 504', async () => {
          const answer = await started(box, { filename: 'lost.fastq' })
          const client = s3For(box, answer)
          const Bucket = answer.s3_bucket
          const Key = answer.file_id
          const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }))
          const { ETag } = await client.send(
            new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'ACGTA' })
          )
          box.faults.add('s3:CompleteMultipartUpload', { kind: 'lost-answer' })
          const failure = await s3Failure(
            client.send(
              new CompleteMultipartUploadCommand({
                Bucket,
                Key,
                UploadId,
                MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] }
              })
            )
          )
          expect(failure.status).toBe(504)
          expect(box.requests.at(-1)).toMatchObject({ status: 504, lostStatus: 200 })
          const head = await client.send(new HeadObjectCommand({ Bucket, Key }))
          expect(head.ContentLength).toBe(5)
          expect((await callbackFor(box, answer, 'lost.fastq')).status).toBe(200)
        })
      })
    }
  )
}

describe('init_multipart_upload: authentication and validation', () => {
  it('takes the key as Basic username or X-API-Key, and answers 401 otherwise', async () => {
    const body = { filename: 'a.fq' }
    expect((await apiPost(sandbox.apiUrl, INIT_MULTIPART, body, sandbox.apiKey)).status).toBe(200)
    expect(
      (await apiPost(sandbox.apiUrl, INIT_MULTIPART, body, { header: sandbox.apiKey })).status
    ).toBe(200)
    for (const auth of [{}, { basic: 'wrong' }, { header: 'wrong' }]) {
      const reply = await apiPost(sandbox.apiUrl, INIT_MULTIPART, body, auth)
      expect(reply.status).toBe(401)
      expect(reply.json).toEqual({ message: expect.any(String) })
    }
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['a size', { filename: 'a.fq', size: 3 }, 'size is not a field of init_multipart_upload'],
    [
      'an upload_type',
      { filename: 'a.fq', upload_type: 'standard' },
      'upload_type is not a field of init_multipart_upload'
    ],
    ['no filename', {}, 'filename is required'],
    ['a filename outside the pattern', { filename: 'Bad name!.fq' }, 'filename'],
    [
      'a bad paired_end_filename',
      { filename: 'a.fq', paired_end_filename: '-b.fq' },
      'paired_end_filename'
    ],
    ['an unknown platform', { filename: 'a.fq', metadata: { platform: 'X' } }, 'metadata.platform'],
    [
      'a tag over 30 characters',
      { filename: 'a.fq', tags: [{ name: 't'.repeat(31) }] },
      'tags[0].name'
    ],
    ['a project over 16 characters', { filename: 'a.fq', project: 'p'.repeat(17) }, 'project'],
    ['an unknown field', { filename: 'a.fq', colour: 'red' }, 'colour'],
    ['an unknown sample_id', { filename: 'a.fq', sample_id: 'ffffffffffffffff' }, 'sample_id'],
    [
      'an unknown external_sample_id',
      { filename: 'a.fq', external_sample_id: 'x' },
      'external_sample_id'
    ]
  ])('answers 400 for %s', async (_label, body, expected) => {
    const reply = await initMultipart(sandbox, body)
    expect(reply.status).toBe(400)
    expect((reply.json as { message: string }).message).toContain(expected)
  })

  it('accepts every field of its schema, and matches a pre-uploaded sample', async () => {
    const pre = sandbox.preupload({ externalSampleId: 'LIMS-7' })
    const reply = await initMultipart(sandbox, {
      filename: 'S1_R1_001.fastq.gz',
      paired_end_filename: 'S1_R2_001.fastq.gz',
      interleaved: null,
      metadata: { name: 'S1', custom: { run: 3 } },
      tags: [{ name: 'ci' }],
      project: { $ref: '/api/v1/projects/abc' },
      sample_id: null,
      external_sample_id: 'LIMS-7'
    })
    expect(reply.status).toBe(200)
    expect((reply.json as MultipartAnswer).sample_id).toBe(pre)
    expect(sandbox.samples().find(s => s.sample_id === pre)?.project).toBe('abc')
  })

  it('confirm_upload refuses a multipart sample; the callback refuses bad bodies', async () => {
    const answer = await started(sandbox, { filename: 'cb.fastq' })
    const confirmed = await confirm(sandbox, answer.sample_id)
    expect(confirmed.status).toBe(400)
    expect((confirmed.json as { message: string }).message).toContain('callback_url')
    const cb = (body: unknown): Promise<Reply> =>
      apiPost(sandbox.apiUrl, answer.callback_url, body, sandbox.apiKey)
    const s3Path = `s3://${answer.s3_bucket}/${answer.file_id}`
    for (const [body, expected] of [
      [{ filename: 'cb.fastq' }, 's3_path is required'],
      [{ s3_path: s3Path }, 'filename is required'],
      [{ s3_path: s3Path, filename: 'cb.fastq', sample_id: 'x' }, 'sample_id'],
      [{ s3_path: 'https://x/y', filename: 'cb.fastq' }, 's3_path'],
      [{ s3_path: `s3://other-bucket/${answer.file_id}`, filename: 'cb.fastq' }, 'not the file_id'],
      [{ s3_path: `${s3Path}.gz`, filename: 'cb.fastq' }, 'not the file_id'],
      [{ s3_path: s3Path, filename: 'other.fastq' }, 'not the filename']
    ] as const) {
      const reply = await cb(body)
      expect(reply.status).toBe(400)
      expect((reply.json as { message: string }).message).toContain(expected)
    }
    expect((await apiPost(sandbox.apiUrl, answer.callback_url, {}, {})).status).toBe(401)
  })
})

describe('cancel_upload', () => {
  let box: Sandbox
  beforeAll(async () => {
    box = await startSandbox()
  })
  afterAll(async () => {
    await box.close()
  })

  const listed = async (filename: string): Promise<ListedSample[]> =>
    (await list(box, q({ where: { filename } }))).json as ListedSample[]

  it('cancels an upload awaiting data: it leaves listings, and cannot be completed', async () => {
    const answer = await started(box, { filename: 'cancel-me.fastq' })
    expect(await listed('cancel-me.fastq')).toHaveLength(1)
    const reply = await cancel(box, answer.sample_id)
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({ success: true, message: expect.any(String) })
    expect(await listed('cancel-me.fastq')).toEqual([])
    expect(
      (await apiGet(box.apiUrl, `/api/v1/samples/${answer.sample_id}`, box.apiKey)).status
    ).toBe(404)
    expect(box.samples().find(s => s.sample_id === answer.sample_id)?.state).toBe('cancelled')

    await multipartUpload(s3For(box, answer), answer.s3_bucket, answer.file_id, [Buffer.from('AC')])
    const late = await callbackFor(box, answer, 'cancel-me.fastq')
    expect(late.status).toBe(400)
    expect((late.json as { message: string }).message).toContain('cancelled')
    // Cancelling again is harmless.
    expect((await cancel(box, answer.sample_id)).json).toMatchObject({ success: true })
  })

  it('cancels a standard upload; confirm_upload then finds no sample', async () => {
    const init = (await apiPost(box.apiUrl, INIT, { filename: 'std.fastq', size: 4 }, box.apiKey))
      .json as InitAnswer
    expect((await cancel(box, init.sample_id)).json).toMatchObject({ success: true })
    const confirmed = await confirm(box, init.sample_id)
    expect(confirmed.status).toBe(404)
    expect((confirmed.json as { message: string }).message).toContain('cancelled')
  })

  it('a completed upload: success false, "Upload already successful", still listed', async () => {
    const answer = await started(box, { filename: 'done.fastq' })
    await multipartUpload(s3For(box, answer), answer.s3_bucket, answer.file_id, [Buffer.from('AC')])
    expect((await callbackFor(box, answer, 'done.fastq')).status).toBe(200)
    const reply = await cancel(box, answer.sample_id)
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({ success: false, message: 'Upload already successful' })
    expect(await listed('done.fastq')).toMatchObject([{ visibility: 'private' }])
  })

  it('answers 404 for an unknown sample, 400 for a bad body, 401 without the key', async () => {
    expect((await cancel(box, 'ffffffffffffffff')).status).toBe(404)
    const bad = await apiPost(box.apiUrl, CANCEL, { sample: 'x' }, box.apiKey)
    expect(bad.status).toBe(400)
    expect((await apiPost(box.apiUrl, CANCEL, { sample_id: 'x' }, {})).status).toBe(401)
  })

  it('cancels a seeded sample awaiting data, and refuses a seeded complete one', async () => {
    const waiting = box.seed({ filename: 'seeded-wait.fastq', size: 10, awaitingData: true })
    const done = box.seed({ filename: 'seeded-done.fastq', size: 10 })
    expect((await cancel(box, waiting)).json).toMatchObject({ success: true })
    expect((await cancel(box, done)).json).toMatchObject({ success: false })
    expect(await listed('seeded-wait.fastq')).toEqual([])
  })
})

describe('GET /api/v1/samples', () => {
  let box: Sandbox
  const names = ['s1.fastq', 's2.fastq', 's3.fastq', 's4.fastq', 's5.fastq', 's6.fastq', 's7.fastq']
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    box = await startSandbox({
      pageSize: 2,
      seed: [{ filename: 'from-options.fastq', size: 9, sampleId: 'optionseed000001' }]
    })
    for (const [index, filename] of names.entries()) {
      ids[filename] = box.seed({
        filename,
        size: 100 + index,
        createdAt: new Date(Date.UTC(2024, 0, 1 + index)).toISOString(),
        project: index % 2 === 0 ? 'even' : null,
        tags: ['old-run'],
        awaitingData: filename === 's4.fastq'
      })
    }
  })
  afterAll(async () => {
    await box.close()
  })

  it('follows X-Next-Cursor over several pages of a $in query', async () => {
    const wanted = ['s1.fastq', 's2.fastq', 's4.fastq', 's6.fastq', 's7.fastq', 'absent.fastq']
    const pages = (await listAllPages(
      box.apiUrl,
      { where: { filename: { $in: wanted } } },
      box.apiKey
    )) as ListedSample[][]
    expect(pages.map(page => page.length)).toEqual([2, 2, 1])
    // Newest first by default.
    expect(pages.flat().map(s => s.filename)).toEqual([
      's7.fastq',
      's6.fastq',
      's4.fastq',
      's2.fastq',
      's1.fastq'
    ])
    expect(pages.flat().find(s => s.filename === 's4.fastq')).toMatchObject({
      visibility: 'awaiting data',
      status: 'awaiting data'
    })
  })

  it('gives each sample the listing fields', async () => {
    const [sample] = (await list(box, q({ where: { filename: 's1.fastq' } })))
      .json as ListedSample[]
    expect(sample).toEqual({
      $uri: `/api/v1/samples/${ids['s1.fastq']}`,
      filename: 's1.fastq',
      size: 100,
      status: 'available',
      visibility: 'private',
      created_at: '2024-01-01T00:00:00.000Z',
      project: { $ref: '/api/v1/projects/even' },
      tags: [{ $ref: expect.stringMatching(/^\/api\/v1\/tags\/[0-9a-f]{16}$/) }],
      metadata: { $ref: expect.stringMatching(/^\/api\/v1\/metadata\/[0-9a-f]{16}$/) },
      owner: { $ref: expect.stringMatching(/^\/api\/v1\/users\/[0-9a-f]{16}$/) },
      // Seeded as complete in 2024: its analysis started (and finished) long ago.
      primary_classification: {
        $ref: expect.stringMatching(/^\/api\/v1\/classifications\/[0-9a-f]{16}$/)
      }
    })
    const one = await apiGet(box.apiUrl, sample.$uri, box.apiKey)
    expect(one.json).toEqual(sample)
    expect((await apiGet(box.apiUrl, '/api/v1/samples/nope', box.apiKey)).status).toBe(404)
  })

  it('sorts ascending with ["^created_at"] or {"created_at": false}, and by filename', async () => {
    const where = { filename: { $startswith: 's' } }
    for (const sort of [['^created_at'], { created_at: false }]) {
      const pages = (await listAllPages(
        box.apiUrl,
        { where, sort },
        box.apiKey
      )) as ListedSample[][]
      expect(pages.flat().map(s => s.filename)).toEqual(names)
    }
    const byName = (await listAllPages(
      box.apiUrl,
      { where, sort: { filename: true } },
      box.apiKey
    )) as ListedSample[][]
    expect(byName.flat().map(s => s.filename)).toEqual([...names].reverse())
  })

  it('filters by project (id or $ref), size and visibility', async () => {
    const all = async (where: unknown): Promise<string[]> =>
      (
        (await listAllPages(
          box.apiUrl,
          { where, sort: ['^created_at'] },
          box.apiKey
        )) as ListedSample[][]
      )
        .flat()
        .map(s => s.filename)
    expect(await all({ project: 'even' })).toEqual(['s1.fastq', 's3.fastq', 's5.fastq', 's7.fastq'])
    expect(await all({ project: { $ref: '/api/v1/projects/even' } })).toHaveLength(4)
    // from-options.fastq has no createdAt: a day before the sandbox started, so the newest.
    expect(await all({ project: null, filename: { $endswith: '.fastq' } })).toEqual([
      's2.fastq',
      's4.fastq',
      's6.fastq',
      'from-options.fastq'
    ])
    expect(await all({ size: { $gte: 105 } })).toEqual(['s6.fastq', 's7.fastq'])
    expect(await all({ visibility: 'awaiting data' })).toEqual(['s4.fastq'])
  })

  it('per_page smaller than the page size is honoured, larger is cut to it', async () => {
    const where = { filename: { $in: names } }
    const small = await listAllPages(box.apiUrl, { where, per_page: 1 }, box.apiKey)
    expect(small).toHaveLength(7)
    const large = await listAllPages(box.apiUrl, { where, per_page: 500 }, box.apiKey)
    expect(large.map(p => p.length)).toEqual([2, 2, 2, 1])
  })

  it('without X-Pagination-Style: cursor, pages by number with X-Total-Count', async () => {
    const where = { filename: { $in: names } }
    const first = await list(box, q({ where }))
    expect(first.headers['x-total-count']).toBe('7')
    expect(first.headers['x-next-cursor']).toBeUndefined()
    const fourth = await list(box, q({ where, page: '4' }))
    expect((fourth.json as ListedSample[]).map(s => s.filename)).toEqual(['s1.fastq'])
  })

  it('a cursor does not repeat or skip samples when new ones arrive between pages', async () => {
    const box2 = await startSandbox({ pageSize: 2 })
    try {
      for (const name of ['a1.fq', 'a2.fq', 'a3.fq']) {
        box2.seed({ filename: name, size: 1, createdAt: '2024-02-01T00:00:00Z' })
      }
      const sort = ['^created_at']
      const first = await list(box2, q({ sort }), { 'X-Pagination-Style': 'cursor' })
      box2.seed({ filename: 'a0.fq', size: 1, createdAt: '2023-01-01T00:00:00Z' })
      const second = await list(
        box2,
        q({ sort, cursor: first.headers['x-next-cursor'] as string }),
        {
          'X-Pagination-Style': 'cursor'
        }
      )
      const seen = [...(first.json as ListedSample[]), ...(second.json as ListedSample[])]
      expect(seen.map(s => s.filename)).toEqual(['a1.fq', 'a2.fq', 'a3.fq'])
      expect(second.headers['x-next-cursor']).toBeUndefined()
    } finally {
      await box2.close()
    }
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['where that is not JSON', { where: '{"filename":' }, 'where is not valid JSON'],
    ['where that is not an object', { where: ['a'] }, 'where must be a JSON object'],
    ['an unknown where field', { where: { colour: 'red' } }, 'where.colour is not a field'],
    ['a where field the sandbox does not emulate', { where: { tags: 'x' } }, 'does not emulate'],
    ['an unknown operator', { where: { filename: { $regex: 'a' } } }, '$regex'],
    ['$in without an array', { where: { filename: { $in: 'a' } } }, '$in needs an array'],
    ['a bad sort', { sort: { filename: 'up' } }, 'sort.filename'],
    ['per_page 0', { per_page: '0' }, 'per_page'],
    ['per_page over 1000', { per_page: '1001' }, 'per_page'],
    ['a cursor not handed out', { cursor: 'garbage' }, 'cursor']
  ])('answers 400 for %s', async (_label, params, expected) => {
    const reply = await list(box, q(params), { 'X-Pagination-Style': 'cursor' })
    expect(reply.status).toBe(400)
    expect((reply.json as { message: string }).message).toContain(expected)
  })

  it('refuses a cursor used with another query, a missing key, and POST', async () => {
    const first = await list(box, q({ where: { filename: { $in: names } } }), {
      'X-Pagination-Style': 'cursor'
    })
    const cursor = first.headers['x-next-cursor'] as string
    const other = await list(box, q({ where: { project: 'even' }, cursor }), {
      'X-Pagination-Style': 'cursor'
    })
    expect(other.status).toBe(400)
    expect((other.json as { message: string }).message).toContain('another where/sort')
    expect((await apiGet(box.apiUrl, '/api/v1/samples', {})).status).toBe(401)
    expect((await apiPost(box.apiUrl, '/api/v1/samples', {}, box.apiKey)).status).toBe(405)
  })

  it('lists standard uploads: awaiting data with init_upload’s size, then complete', async () => {
    const { bytes } = files['single.fastq']
    const answer = (
      await apiPost(
        box.apiUrl,
        INIT,
        { filename: 'std-list.fastq', size: bytes.length },
        box.apiKey
      )
    ).json as InitAnswer
    const where = { where: { filename: 'std-list.fastq' } }
    expect((await list(box, q(where))).json).toMatchObject([
      {
        size: bytes.length,
        visibility: 'awaiting data',
        $uri: `/api/v1/samples/${answer.sample_id}`
      }
    ])
    await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path: files['single.fastq'].path, filename: 'std-list.fastq' }
    })
    expect((await confirm(box, answer.sample_id)).status).toBe(200)
    expect((await list(box, q(where))).json).toMatchObject([
      { size: bytes.length, visibility: 'private', status: 'available' }
    ])
  })
})

describe('seeding samples from an earlier run', () => {
  it('seed() and SandboxOptions.seed add listed samples; bad seeds throw', async () => {
    const box = await startSandbox({
      seed: [{ filename: 'opt.fastq', size: 5, sampleId: 'seededbyoption01' }]
    })
    try {
      const id = box.seed({
        filename: 'pair_R1.fastq',
        paired_end_filename: 'pair_R2.fastq',
        size: null,
        awaitingData: true,
        createdAt: new Date('2024-03-01T10:00:00Z')
      })
      expect(id).toMatch(/^[0-9a-f]{16}$/)
      expect(box.samples()).toEqual([
        expect.objectContaining({
          sample_id: 'seededbyoption01',
          origin: 'seed',
          state: 'complete',
          size: 5
        }),
        expect.objectContaining({
          sample_id: id,
          origin: 'seed',
          state: 'awaiting data',
          confirmed: false,
          size: null,
          created_at: '2024-03-01T10:00:00.000Z',
          paired_end_filename: 'pair_R2.fastq'
        })
      ])
      // A day before the sandbox started, unless given.
      expect(Date.parse(box.samples()[0].created_at)).toBeLessThan(Date.now() - 23 * 3600 * 1000)
      expect(() => box.seed({ filename: 'bad name!', size: 1 })).toThrow(/filename/)
      expect(() => box.seed({ filename: 'a.fq', size: 0 })).toThrow(/size/)
      expect(() => box.seed({ filename: 'a.fq', size: 1, sampleId: 'seededbyoption01' })).toThrow(
        /sampleId/
      )
      expect(() => box.seed({ filename: 'a.fq', size: 1, createdAt: 'yesterday' })).toThrow(
        /createdAt/
      )
    } finally {
      await box.close()
    }
  })

  it('the CLI takes --seed-file, --faults-file and --page-size (a separate process)', async () => {
    const seedFile = join(dir, 'seed.json')
    const faultsFile = join(dir, 'faults.json')
    await writeFile(
      seedFile,
      JSON.stringify([
        { filename: 'cli-a.fastq', size: 10, sampleId: 'cliseed000000001' },
        { filename: 'cli-b.fastq', size: 20, awaitingData: true },
        { filename: 'cli-c.fastq', size: 30 }
      ])
    )
    await writeFile(
      faultsFile,
      JSON.stringify([
        { route: 'init_multipart_upload', fault: { kind: 'status', status: 503 } },
        { route: 'callback', failFile: 'never.fastq', status: 500 }
      ])
    )
    const child = spawn(
      process.execPath,
      [
        join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'sandbox/cli.ts',
        '--port',
        '0',
        '--storage-port',
        '0',
        '--key',
        'cli-key',
        '--page-size',
        '2',
        '--seed-file',
        seedFile,
        '--faults-file',
        faultsFile
      ],
      {
        cwd: process.cwd(),
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    try {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
      let err = ''
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
      const deadline = Date.now() + 30_000
      while (!/seeded \S+ cli-c\.fastq/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`the sandbox CLI did not start:\n${out}\n${err}`)
        }
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      expect(out).toContain('seeded cliseed000000001 cli-a.fastq')
      const apiUrl = /api-url:\s+(\S+)/.exec(out)?.[1] as string
      const pages = (await listAllPages(
        apiUrl,
        { sort: ['^created_at'] },
        'cli-key'
      )) as ListedSample[][]
      expect(pages.map(p => p.length)).toEqual([2, 1])
      expect(pages.flat().map(s => [s.filename, s.visibility])).toEqual([
        ['cli-a.fastq', 'private'],
        ['cli-b.fastq', 'awaiting data'],
        ['cli-c.fastq', 'private']
      ])
      const init = (): Promise<Reply> =>
        apiPost(apiUrl, INIT_MULTIPART, { filename: 'x.fq' }, 'cli-key')
      expect((await init()).status).toBe(503)
      expect((await init()).status).toBe(200)
    } finally {
      child.kill('SIGTERM')
      await new Promise(resolve => child.once('close', resolve))
    }
  })
})

describe('lost answers: the server did the work, the client saw a failure', () => {
  let box: Sandbox
  beforeAll(async () => {
    box = await startSandbox({ pageSize: 2 })
  })
  afterAll(async () => {
    await box.close()
  })

  it('init_upload creates the sample, then answers 504: listing shows it awaiting data', async () => {
    box.faults.add('init_upload', { kind: 'lost-answer' })
    const reply = await apiPost(
      box.apiUrl,
      INIT,
      { filename: 'orphan.fastq', size: 42 },
      box.apiKey
    )
    expect(reply.status).toBe(504)
    expect(reply.headers['content-type']).toBe('text/html')
    expect(box.requests.at(-1)).toMatchObject({
      route: 'init_upload',
      status: 504,
      lostStatus: 200
    })
    const listed = (await list(box, q({ where: { filename: 'orphan.fastq' } })))
      .json as ListedSample[]
    expect(listed).toMatchObject([{ visibility: 'awaiting data', size: 42 }])
    const orphanId = listed[0].$uri.split('/').at(-1) as string
    expect((await cancel(box, orphanId)).json).toMatchObject({ success: true })
    expect((await list(box, q({ where: { filename: 'orphan.fastq' } }))).json).toEqual([])
  })

  it('init_multipart_upload with a reset, and a custom status and body', async () => {
    box.faults.add('init_multipart_upload', { kind: 'lost-answer', reset: true })
    const outcome = await rawPost(
      `${box.apiUrl}${INIT_MULTIPART}`,
      JSON.stringify({ filename: 'reset-orphan.fastq' })
    )
    // rawPost sends no key: the work still fails with 401, and that answer is lost.
    expect(outcome).toMatchObject({ error: { code: 'ECONNRESET' } })
    expect(box.requests.at(-1)).toMatchObject({ status: 0, lostStatus: 401 })

    box.faults.add('init_multipart_upload', {
      kind: 'lost-answer',
      status: 502,
      body: '{"message":"bad gateway"}'
    })
    const reply = await initMultipart(box, { filename: 'gw-orphan.fastq' })
    expect(reply.status).toBe(502)
    expect(reply.json).toEqual({ message: 'bad gateway' })
    expect(box.samples().find(s => s.filename === 'gw-orphan.fastq')?.state).toBe('awaiting data')
  })

  it('the callback completes the sample although its answer is lost; a retry says so', async () => {
    const answer = await started(box, { filename: 'lost-callback.fastq' })
    await multipartUpload(s3For(box, answer), answer.s3_bucket, answer.file_id, [
      Buffer.from('ACGT')
    ])
    box.faults.add('callback', { kind: 'lost-answer' })
    expect((await callbackFor(box, answer, 'lost-callback.fastq')).status).toBe(504)
    expect(box.samples().find(s => s.sample_id === answer.sample_id)?.state).toBe('complete')
    expect((await callbackFor(box, answer, 'lost-callback.fastq')).json).toEqual({
      sample_id: answer.sample_id
    })
  })

  it('late-answer: the sample exists at once; a client that gives up never hears of it', async () => {
    box.faults.add('init_upload', { kind: 'late-answer', ms: 400 })
    const body = JSON.stringify({ filename: 'late.fastq', size: 7 })
    const gaveUp = await new Promise<NodeJS.ErrnoException>(resolve => {
      const req = http.request(`${box.apiUrl}${INIT}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          Authorization: `Basic ${Buffer.from(`${box.apiKey}:`).toString('base64')}`
        }
      })
      req.on('response', () => resolve(new Error('answered too early')))
      req.on('error', resolve)
      req.end(body)
      // The sample is made before the answer is held back.
      const made = setInterval(() => {
        if (box.samples().some(s => s.filename === 'late.fastq')) {
          clearInterval(made)
          req.destroy(new Error('client gave up'))
        }
      }, 5)
    })
    expect(gaveUp.message).toBe('client gave up')
    expect(box.samples().find(s => s.filename === 'late.fastq')?.state).toBe('awaiting data')
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(box.requests.at(-1)).toMatchObject({ route: 'init_upload', lostStatus: 200 })
    // Answered when the client waits long enough.
    box.faults.add('confirm_upload', { kind: 'late-answer', ms: 50 })
    const started = Date.now()
    expect((await apiPost(box.apiUrl, CONFIRM, { sample_id: 'nope' }, box.apiKey)).status).toBe(404)
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(() => box.faults.add('storage', { kind: 'late-answer', ms: 1 })).toThrow(
      'late-answer faults apply to API routes only'
    )
  })

  it('status faults and failFile reach the new API routes too', async () => {
    box.faults.add('list_samples', { kind: 'status', status: 503, retryAfter: '2' })
    const listed = await list(box, '')
    expect(listed.status).toBe(503)
    expect(listed.headers['retry-after']).toBe('2')
    box.faults.add('cancel_upload', { kind: 'status', status: 500 })
    expect((await cancel(box, 'x')).status).toBe(500)
    box.faults.failFile('doomed.fastq', 'init_multipart_upload', 500)
    expect((await initMultipart(box, { filename: 'doomed.fastq' })).status).toBe(500)
    box.faults.failFile('doomed.fastq', 'list_samples', 502)
    expect((await list(box, q({ where: { filename: { $in: ['doomed.fastq'] } } }))).status).toBe(
      502
    )
    expect(() => box.faults.add('storage', { kind: 'lost-answer' })).toThrow(/not storage/)
    expect(() => box.faults.add('s3:Nothing' as 'storage', { kind: 'delay', ms: 1 })).toThrow(
      /unknown sandbox route/
    )
    box.faults.clear()
  })
})

describe('builtin storage: S3 REST rules', () => {
  let box: Sandbox
  let answer: MultipartAnswer
  beforeAll(async () => {
    box = await startSandbox()
    answer = await started(box, { filename: 'rules.fastq' })
  })
  afterAll(async () => {
    await box.close()
  })

  const create = async (): Promise<string> =>
    (
      await s3For(box, answer).send(
        new CreateMultipartUploadCommand({ Bucket: answer.s3_bucket, Key: answer.file_id })
      )
    ).UploadId as string
  const partUrl = (uploadId: string, part: number): string =>
    objectUrl(box, answer.file_id, `?partNumber=${part}&uploadId=${encodeURIComponent(uploadId)}`)

  it('refuses anonymous requests, unknown keys and other buckets', async () => {
    const url = objectUrl(box, answer.file_id, '?uploads')
    expect(await rawS3(url, 'POST')).toMatchObject({
      status: 403,
      text: expect.stringContaining('AccessDenied')
    })
    expect(await rawS3(url, 'POST', { accessKey: 'OTHER' })).toMatchObject({
      status: 403,
      text: expect.stringContaining('InvalidAccessKeyId')
    })
    expect(
      await rawS3(`${box.storageUrl}/other-bucket/k?uploads`, 'POST', {
        accessKey: answer.upload_aws_access_key_id
      })
    ).toMatchObject({ status: 404, text: expect.stringContaining('NoSuchBucket') })
    // The SigV2 form names the key too.
    const v2 = await rawS3(url, 'POST', {
      headers: { Authorization: `AWS ${answer.upload_aws_access_key_id}:c2lnbmF0dXJl` }
    })
    expect(v2).toMatchObject({ status: 200, text: expect.stringContaining('<UploadId>') })
  })

  it('Complete checks part order, ETags, and that every part but the last has 5 MiB', async () => {
    const client = s3For(box, answer)
    const Bucket = answer.s3_bucket
    const Key = answer.file_id
    const UploadId = await create()
    const put = async (PartNumber: number, Body: Buffer): Promise<string> =>
      (await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body })))
        .ETag as string
    const small = await put(1, Buffer.from('small'))
    const tail = await put(2, Buffer.from('tail'))
    const complete = (Parts: { PartNumber: number; ETag: string }[]): Promise<unknown> =>
      client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })
      )
    expect(
      await s3Failure(
        complete([
          { PartNumber: 1, ETag: small },
          { PartNumber: 2, ETag: tail }
        ])
      )
    ).toMatchObject({
      name: 'EntityTooSmall',
      status: 400
    })
    expect(
      await s3Failure(
        complete([
          { PartNumber: 2, ETag: tail },
          { PartNumber: 1, ETag: small }
        ])
      )
    ).toMatchObject({
      name: 'InvalidPartOrder'
    })
    expect(await s3Failure(complete([{ PartNumber: 1, ETag: tail }]))).toMatchObject({
      name: 'InvalidPart'
    })
    expect(await s3Failure(complete([{ PartNumber: 3, ETag: tail }]))).toMatchObject({
      name: 'InvalidPart'
    })
    const listed = await client.send(new ListPartsCommand({ Bucket, Key, UploadId }))
    expect(listed.Parts?.map(p => [p.PartNumber, p.Size])).toEqual([
      [1, 5],
      [2, 4]
    ])
    await complete([{ PartNumber: 2, ETag: tail }]) // a single (last) part may be small
    expect((await box.object(Key))?.sha256).toBe(sha256(Buffer.from('tail')))
    expect(await s3Failure(complete([{ PartNumber: 2, ETag: tail }]))).toMatchObject({
      name: 'NoSuchUpload',
      status: 404
    })
    const head = await client.send(new HeadObjectCommand({ Bucket, Key }))
    expect(head).toMatchObject({
      ContentLength: 4,
      ETag: expect.stringMatching(/^"[0-9a-f]{32}-1"$/)
    })
  })

  it('checks Content-MD5, x-amz-content-sha256 and x-amz-checksum-* against the bytes', async () => {
    const UploadId = await create()
    const body = Buffer.from('ACGTACGT')
    const key = answer.upload_aws_access_key_id
    const md5 = createHash('md5').update(body).digest('base64')
    const cases: [Record<string, string>, number, string][] = [
      [{ 'Content-MD5': md5 }, 200, ''],
      [{ 'Content-MD5': createHash('md5').update('x').digest('base64') }, 400, 'BadDigest'],
      [{ 'x-amz-content-sha256': sha256(body) }, 200, ''],
      [{ 'x-amz-content-sha256': sha256(Buffer.from('x')) }, 400, 'XAmzContentSHA256Mismatch'],
      [
        { 'x-amz-checksum-sha256': createHash('sha256').update('x').digest('base64') },
        400,
        'BadDigest'
      ]
    ]
    for (const [headers, status, code] of cases) {
      const reply = (await rawS3(partUrl(UploadId, 1), 'PUT', {
        accessKey: key,
        headers,
        body
      })) as Reply
      expect([reply.status, /<Code>(\w+)<\/Code>/.exec(reply.text)?.[1] ?? '']).toEqual([
        status,
        code
      ])
    }
    const chunked = await rawS3(partUrl(UploadId, 1), 'PUT', {
      accessKey: key,
      headers: { 'Transfer-Encoding': 'chunked' },
      body
    })
    expect(chunked).toMatchObject({
      status: 411,
      text: expect.stringContaining('MissingContentLength')
    })
    expect(await rawS3(partUrl(UploadId, 0), 'PUT', { accessKey: key, body })).toMatchObject({
      status: 400,
      text: expect.stringContaining('Part number')
    })
    expect(
      await rawS3(partUrl('no-such-upload', 1), 'PUT', { accessKey: key, body })
    ).toMatchObject({
      status: 404,
      text: expect.stringContaining('NoSuchUpload')
    })
  })

  it('decodes aws-chunked bodies with trailing checksums (what the SDK sends for streams)', async () => {
    const UploadId = await create()
    const data = Buffer.from('@r\nACGTTGCA\n+\nIIIIIIII\n')
    const crc = (bytes: Buffer): string => {
      const out = Buffer.alloc(4)
      out.writeUInt32BE((zlib as unknown as { crc32(b: Buffer): number }).crc32(bytes) >>> 0)
      return out.toString('base64')
    }
    const chunkedBody = (checksum: string): Buffer =>
      Buffer.concat([
        Buffer.from(`${(10).toString(16)}\r\n`),
        data.subarray(0, 10),
        Buffer.from(`\r\n${(data.length - 10).toString(16)}\r\n`),
        data.subarray(10),
        Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`)
      ])
    const headers = {
      'Content-Encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.length),
      'x-amz-trailer': 'x-amz-checksum-crc32'
    }
    const key = answer.upload_aws_access_key_id
    const bad = await rawS3(partUrl(UploadId, 1), 'PUT', {
      accessKey: key,
      headers,
      body: chunkedBody(crc(Buffer.from('x')))
    })
    expect(bad).toMatchObject({ status: 400, text: expect.stringContaining('BadDigest') })
    const good = (await rawS3(partUrl(UploadId, 1), 'PUT', {
      accessKey: key,
      headers,
      body: chunkedBody(crc(data))
    })) as Reply
    expect(good.status).toBe(200)
    expect(good.headers.etag).toBe(`"${createHash('md5').update(data).digest('hex')}"`)

    // And the SDK's own default (checksums WHEN_SUPPORTED, a stream body of known length).
    const client = s3For(box, answer, { requestChecksumCalculation: 'WHEN_SUPPORTED' })
    const streamed = await client.send(
      new UploadPartCommand({
        Bucket: answer.s3_bucket,
        Key: answer.file_id,
        UploadId,
        PartNumber: 2,
        Body: Readable.from([data]),
        ContentLength: data.length
      })
    )
    expect(streamed.ETag).toBe(good.headers.etag)
    expect(box.requests.at(-1)).toMatchObject({
      route: 's3:UploadPart',
      fileSize: data.length,
      headers: { 'content-encoding': 'aws-chunked' }
    })
  })

  it('an aborted upload forgets its parts; late parts find no upload', async () => {
    const client = s3For(box, answer)
    const UploadId = await create()
    await client.send(
      new UploadPartCommand({
        Bucket: answer.s3_bucket,
        Key: answer.file_id,
        UploadId,
        PartNumber: 1,
        Body: 'A'
      })
    )
    expect((await box.pendingUploads()).find(u => u.uploadId === UploadId)).toMatchObject({
      parts: [1]
    })
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: answer.s3_bucket, Key: answer.file_id, UploadId })
    )
    expect((await box.pendingUploads()).find(u => u.uploadId === UploadId)).toBeUndefined()
    expect(
      await s3Failure(
        client.send(
          new UploadPartCommand({
            Bucket: answer.s3_bucket,
            Key: answer.file_id,
            UploadId,
            PartNumber: 2,
            Body: 'A'
          })
        )
      )
    ).toMatchObject({ name: 'NoSuchUpload', status: 404 })
    expect(
      await s3Failure(
        client.send(
          new AbortMultipartUploadCommand({
            Bucket: answer.s3_bucket,
            Key: answer.file_id,
            UploadId
          })
        )
      )
    ).toMatchObject({ name: 'NoSuchUpload' })
  })

  it('ListMultipartUploads lists by prefix; HEAD of a missing key is 404', async () => {
    const client = s3For(box, answer)
    const UploadId = await create()
    const listed = await client.send(
      new ListMultipartUploadsCommand({ Bucket: answer.s3_bucket, Prefix: answer.file_id })
    )
    expect(listed.Uploads?.map(u => u.UploadId)).toContain(UploadId)
    const none = await client.send(
      new ListMultipartUploadsCommand({ Bucket: answer.s3_bucket, Prefix: 'nothing/' })
    )
    expect(none.Uploads ?? []).toEqual([])
    expect(
      await s3Failure(
        client.send(new HeadObjectCommand({ Bucket: answer.s3_bucket, Key: 'missing/key.fq' }))
      )
    ).toMatchObject({ status: 404 })
  })
})
