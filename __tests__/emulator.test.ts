/**
 * The sandbox's One Codex API (init_upload, confirm_upload), its request log and its faults,
 * over real HTTP; the happy path and an expired policy also against radosgw when it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { radosgwFromEnv } from '../sandbox/radosgw-env.js'
import { apiPost, postForm, type Reply } from '../sandbox/client.js'
import { startSandbox, type Sandbox } from '../sandbox/emulator.js'
import { MAX_UPLOAD_BYTES } from '../src/spec.js'

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
    const reply = await apiPost(sandbox.apiUrl, '/api/v1/samples', {}, sandbox.apiKey)
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
