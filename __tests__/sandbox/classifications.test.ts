/**
 * The sandbox's analyses (sandbox/classifications.ts) over real HTTP: a primary classification
 * appearing after the start delay once an upload is imported, completing after the run time,
 * failing or never finishing as the rules say, the classification listing and results, faults
 * and request counts on these routes. The sandbox's clock is moved by the test.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resultsFor, type TaxonRow } from '../../sandbox/classifications.js'
import { apiGet, apiPost, postForm, type Reply } from '../../sandbox/client.js'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/emulator.js'

interface Classification {
  $uri: string
  created_at: string
  complete: boolean
  success: boolean
  error_msg: string | null
  job: { $ref: string }
  sample: { $ref: string }
}

let box: Sandbox | undefined
let now = 0

async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  now = Date.UTC(2026, 0, 15, 12)
  box = await startSandbox({
    ...options,
    now: () => now,
    analysis: { startDelayMs: 1000, runTimeMs: 5000, ...options.analysis }
  })
  return box
}

afterEach(async () => {
  await box?.close()
  box = undefined
})

const get = (b: Sandbox, path: string, headers: Record<string, string> = {}): Promise<Reply> =>
  apiGet(b.apiUrl, path, b.apiKey, headers)
const where = (value: unknown, extra: Record<string, string> = {}): string =>
  new URLSearchParams({ where: JSON.stringify(value), ...extra }).toString()
const idOf = (uri: string): string => uri.split('/').at(-1) as string

/** A standard upload of a tiny FASTQ, confirmed; returns its sample id. */
async function uploadStandard(b: Sandbox, filename: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-classifications-'))
  try {
    const path = join(dir, filename)
    const bytes = Buffer.from('@r1\nACGT\n+\nIIII\n')
    await writeFile(path, bytes)
    const init = await apiPost(
      b.apiUrl,
      '/api/v1/samples/init_upload',
      { filename, size: bytes.length },
      b.apiKey
    )
    const answer = init.json as {
      sample_id: string
      upload_url: string
      additional_fields: Record<string, string>
    }
    const stored = await postForm(answer.upload_url, {
      fields: answer.additional_fields,
      file: { path, filename }
    })
    expect(stored.status).toBe(201)
    const confirm = await apiPost(
      b.apiUrl,
      '/api/v1/samples/confirm_upload',
      { sample_id: answer.sample_id },
      b.apiKey
    )
    expect(confirm.status).toBe(200)
    return answer.sample_id
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** A sample seeded as imported at the sandbox's current time. */
const fresh = (b: Sandbox, filename: string): string =>
  b.seed({ filename, size: 10, createdAt: new Date(now) })

async function primaryOf(b: Sandbox, sampleId: string): Promise<string | null> {
  const reply = await get(b, `/api/v1/samples/${sampleId}`)
  expect(reply.status).toBe(200)
  const ref = (reply.json as { primary_classification: { $ref: string } | null })
    .primary_classification
  return ref === null ? null : idOf(ref.$ref)
}

describe('an imported sample gets an analysis', () => {
  it('confirm_upload: primary_classification after the start delay, complete after the run time, then results', async () => {
    const b = await sandbox()
    const sampleId = await uploadStandard(b, 'gut_S1_R1_001.fastq')
    expect(await primaryOf(b, sampleId)).toBeNull()
    expect(b.classifications()).toMatchObject([{ sample_id: sampleId, started: false }])

    now += 1000
    const classificationId = (await primaryOf(b, sampleId)) as string
    expect(classificationId).toMatch(/^[0-9a-f]{16}$/)
    const running = await get(b, `/api/v1/classifications/${classificationId}`)
    expect(running.json).toEqual({
      $uri: `/api/v1/classifications/${classificationId}`,
      created_at: new Date(now).toISOString(),
      complete: false,
      success: false,
      error_msg: null,
      job: { $ref: expect.stringMatching(/^\/api\/v1\/jobs\/[0-9a-f]{16}$/) },
      sample: { $ref: `/api/v1/samples/${sampleId}` }
    })
    const early = await get(b, `/api/v1/classifications/${classificationId}/results`)
    expect(early.status).toBe(404)
    expect((early.json as { message: string }).message).toContain('not complete')

    now += 4999
    expect(
      ((await get(b, `/api/v1/classifications/${classificationId}`)).json as Classification)
        .complete
    ).toBe(false)
    now += 1
    expect((await get(b, `/api/v1/classifications/${classificationId}`)).json).toMatchObject({
      complete: true,
      success: true,
      error_msg: ''
    })
    const results = await get(b, `/api/v1/classifications/${classificationId}/results`)
    expect(results.status).toBe(200)
    expect(results.json).toEqual(resultsFor('gut_S1_R1_001.fastq'))
  })

  it('the multipart callback schedules it too; a cancelled or never-completed upload gets none', async () => {
    const b = await sandbox()
    const init = await apiPost(
      b.apiUrl,
      '/api/v1/samples/init_multipart_upload',
      { filename: 'big.fastq' },
      b.apiKey
    )
    const answer = init.json as {
      sample_id: string
      s3_bucket: string
      file_id: string
      callback_url: string
      upload_aws_access_key_id: string
      upload_aws_secret_access_key: string
    }
    const s3 = new S3Client({
      endpoint: b.storageUrl,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: {
        accessKeyId: answer.upload_aws_access_key_id,
        secretAccessKey: answer.upload_aws_secret_access_key
      }
    })
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: answer.s3_bucket, Key: answer.file_id, Body: 'ACGT' })
      )
    } finally {
      s3.destroy()
    }
    const unfinished = (
      await apiPost(
        b.apiUrl,
        '/api/v1/samples/init_upload',
        { filename: 'never.fastq', size: 5 },
        b.apiKey
      )
    ).json as { sample_id: string }
    const callback = await apiPost(
      b.apiUrl,
      answer.callback_url,
      { s3_path: `s3://${answer.s3_bucket}/${answer.file_id}`, filename: 'big.fastq' },
      b.apiKey
    )
    expect(callback.status).toBe(200)
    now += 1000
    expect(await primaryOf(b, answer.sample_id)).toMatch(/^[0-9a-f]{16}$/)
    now += 3_600_000
    expect(await primaryOf(b, unfinished.sample_id)).toBeNull()
    expect(b.classifications().map(c => c.sample_id)).toEqual([answer.sample_id])
  })

  it('a sample seeded a day ago comes with a finished analysis; one awaiting data with none', async () => {
    const b = await sandbox({ analysis: { rules: [{ filename: 'old_fail*', error: 'boom' }] } })
    const old = b.seed({ filename: 'old.fastq', size: 10 })
    const failedLongAgo = b.seed({ filename: 'old_fail.fastq', size: 10 })
    const pending = b.seed({ filename: 'pending.fastq', size: 10, awaitingData: true })
    const id = (await primaryOf(b, old)) as string
    expect((await get(b, `/api/v1/classifications/${id}`)).json).toMatchObject({
      complete: true,
      success: true
    })
    const failed = (await primaryOf(b, failedLongAgo)) as string
    expect((await get(b, `/api/v1/classifications/${failed}`)).json).toMatchObject({
      complete: true,
      success: false,
      error_msg: 'boom'
    })
    expect(await primaryOf(b, pending)).toBeNull()
  })
})

describe('rules per filename', () => {
  it('fail with an error_msg, never complete, never start, or take their own time', async () => {
    const b = await sandbox({
      analysis: {
        rules: [
          { filename: 'bad_*.fastq', error: 'Too few reads could be classified.' },
          { filename: /^stuck/, runTimeMs: null },
          { filename: 'none.fastq', noAnalysis: true },
          { filename: 'slow.fastq', startDelayMs: 10_000, runTimeMs: 20_000 }
        ]
      }
    })
    const bad = fresh(b, 'bad_S2.fastq')
    const stuck = fresh(b, 'stuck_S3.fastq')
    const none = fresh(b, 'none.fastq')
    const slow = fresh(b, 'slow.fastq')
    const ok = fresh(b, 'ok.fastq')
    now += 6000
    const state = async (sampleId: string): Promise<Partial<Classification> | null> => {
      const id = await primaryOf(b, sampleId)
      if (id === null) return null
      const { complete, success, error_msg } = (await get(b, `/api/v1/classifications/${id}`))
        .json as Classification
      return { complete, success, error_msg }
    }
    expect(await state(bad)).toEqual({
      complete: true,
      success: false,
      error_msg: 'Too few reads could be classified.'
    })
    const badId = (await primaryOf(b, bad)) as string
    const noResults = await get(b, `/api/v1/classifications/${badId}/results`)
    expect(noResults.status).toBe(404)
    expect((noResults.json as { message: string }).message).toContain('failed')
    expect(await state(stuck)).toEqual({ complete: false, success: false, error_msg: null })
    expect(await state(slow)).toBeNull()
    expect(await state(ok)).toEqual({ complete: true, success: true, error_msg: '' })
    now += 365 * 24 * 3_600_000
    expect(await state(stuck)).toMatchObject({ complete: false })
    expect(await state(none)).toBeNull()
    expect(await state(slow)).toMatchObject({ complete: true, success: true })
  })

  it('refuses bad knobs with a message naming them', async () => {
    await expect(startSandbox({ analysis: { runTimeMs: -1 } })).rejects.toThrow(
      'analysis.runTimeMs must be a number of milliseconds ≥ 0'
    )
    await expect(
      startSandbox({ analysis: { rules: [{ filename: 'x', error: 'e'.repeat(256) }] } })
    ).rejects.toThrow('analysis.rules[0].error must be at most 255 characters')
    await expect(
      startSandbox({ analysis: { rules: [{ filename: 'x', species: 0 }] } })
    ).rejects.toThrow('analysis.rules[0].species must be a whole number')
  })
})

describe('the results table', () => {
  const byId = (table: TaxonRow[]): Map<string, TaxonRow> =>
    new Map(table.map(row => [row.tax_id, row]))

  it('is the same for the same filename, and another for another one', () => {
    expect(resultsFor('a.fastq')).toEqual(resultsFor('a.fastq'))
    expect(resultsFor('a.fastq')).not.toEqual(resultsFor('b.fastq'))
  })

  it.each(['S1_R1_001.fastq.gz', 'S2_R1_001.fastq.gz', 'contigs.fa', 'x.fq'])(
    '%s: species of distinct abundances summing to 1, with genus, family and Bacteria rows',
    filename => {
      const { n_reads, host_tax_ids, table } = resultsFor(filename)
      expect(n_reads).toBeGreaterThanOrEqual(50_000)
      expect(host_tax_ids).toEqual(['9606'])
      const species = table.filter(r => r.rank === 'species')
      expect(species.length).toBeGreaterThanOrEqual(4)
      expect(species.length).toBeLessThanOrEqual(12)
      const estimated = species.filter(r => r.abundance !== null).map(r => r.abundance as number)
      expect(new Set(estimated).size).toBe(estimated.length)
      expect(estimated.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2)
      const rows = byId(table)
      for (const row of table) {
        expect(Object.keys(row).sort()).toEqual([
          'abundance',
          'abundance_w_children',
          'name',
          'parent_tax_id',
          'rank',
          'readcount',
          'readcount_w_children',
          'tax_id'
        ])
        expect(row.readcount).toBeGreaterThanOrEqual(1)
        const children = table.filter(r => r.parent_tax_id === row.tax_id)
        if (row.rank === 'species') {
          expect(rows.get(row.parent_tax_id)?.rank).toBe('genus')
        } else {
          expect(children.length).toBeGreaterThan(0)
          expect(row.readcount_w_children).toBe(
            row.readcount + children.reduce((sum, c) => sum + c.readcount_w_children, 0)
          )
        }
      }
      expect(table.filter(r => r.rank === 'genus').every(r => r.abundance === null)).toBe(true)
      expect(rows.get('2')).toMatchObject({ name: 'Bacteria', rank: 'superkingdom' })
    }
  )

  it('has as many species as a rule asks for', async () => {
    expect(resultsFor('many.fastq', 15).table.filter(r => r.rank === 'species')).toHaveLength(15)
    const b = await sandbox({ analysis: { rules: [{ filename: 'many.fastq', species: 15 }] } })
    const sampleId = fresh(b, 'many.fastq')
    now += 6000
    const id = (await primaryOf(b, sampleId)) as string
    const results = (await get(b, `/api/v1/classifications/${id}/results`)).json as {
      table: TaxonRow[]
    }
    expect(results.table.filter(r => r.rank === 'species')).toHaveLength(15)
  })
})

describe('GET /api/v1/classifications and the sample listing', () => {
  it('lists by sample (id, $ref, $in), $uri, complete and success, over cursor pages', async () => {
    const b = await sandbox({
      pageSize: 2,
      analysis: {
        rules: [
          { filename: 'f*.fastq', error: 'failed' },
          { filename: 'r*', runTimeMs: null }
        ]
      }
    })
    const samples = ['a1.fastq', 'a2.fastq', 'f1.fastq', 'r1.fastq', 'a3.fastq'].map(name =>
      fresh(b, name)
    )
    const late = b.seed({ filename: 'late.fastq', size: 1, createdAt: new Date(now + 60_000) })
    now += 6000
    const list = async (
      condition: unknown,
      extra: Record<string, string> = {}
    ): Promise<Classification[]> => {
      const all: Classification[] = []
      let cursor: string | undefined
      do {
        const reply = await get(
          b,
          `/api/v1/classifications?${where(condition, { ...extra, ...(cursor ? { cursor } : {}) })}`,
          { 'X-Pagination-Style': 'cursor' }
        )
        expect(reply.status).toBe(200)
        const page = reply.json as Classification[]
        expect(page.length).toBeLessThanOrEqual(2)
        all.push(...page)
        const next = reply.headers['x-next-cursor']
        cursor = typeof next === 'string' ? next : undefined
      } while (cursor)
      return all
    }
    const sampleIds = (items: Classification[]): string[] =>
      items.map(c => idOf(c.sample.$ref)).sort()

    expect(sampleIds(await list({}))).toEqual([...samples].sort())
    expect(sampleIds(await list({ sample: samples[0] }))).toEqual([samples[0]])
    expect(sampleIds(await list({ sample: { $ref: `/api/v1/samples/${samples[1]}` } }))).toEqual([
      samples[1]
    ])
    expect(
      sampleIds(
        await list({
          sample: { $in: [samples[2], { $ref: `/api/v1/samples/${samples[3]}` }, late] }
        })
      )
    ).toEqual([samples[2], samples[3]].sort())
    expect(sampleIds(await list({ complete: false }))).toEqual([samples[3]])
    expect(sampleIds(await list({ complete: true, success: false }))).toEqual([samples[2]])
    expect(sampleIds(await list({ success: { $eq: true } }))).toEqual(
      [samples[0], samples[1], samples[4]].sort()
    )
    const uris = (await list({ sample: samples[0] })).map(c => c.$uri)
    expect((await list({ $uri: { $in: uris } })).map(c => c.$uri)).toEqual(uris)
    expect((await list({ error_msg: 'failed' })).map(c => idOf(c.sample.$ref))).toEqual([
      samples[2]
    ])

    // The sample listing carries each sample's primary classification.
    const listed = await get(
      b,
      `/api/v1/samples?${where({ $uri: { $in: samples.map(id => `/api/v1/samples/${id}`) } }, { per_page: '1000' })}`,
      { 'X-Pagination-Style': 'cursor' }
    )
    expect(listed.json as unknown[]).toHaveLength(2)
    for (const sample of listed.json as { primary_classification: { $ref: string } }[]) {
      expect(sample.primary_classification.$ref).toMatch(/^\/api\/v1\/classifications\//)
    }
  })

  it('per_page is cut to the page size; page numbers with X-Total-Count without cursor style', async () => {
    const b = await sandbox({ pageSize: 1000 })
    for (let i = 0; i < 5; i++) fresh(b, `p${i}.fastq`)
    now += 1000
    const reply = await get(b, `/api/v1/classifications?per_page=2&page=3`)
    expect(reply.status).toBe(200)
    expect(reply.json as unknown[]).toHaveLength(1)
    expect(reply.headers['x-total-count']).toBe('5')
  })

  it.each<[string, string, string]>([
    [
      'an unknown field',
      where({ colour: 'red' }),
      'where.colour is not a field of classifications'
    ],
    [
      'complete compared with a string',
      where({ complete: 'yes' }),
      'complete must be compared with true or false'
    ],
    [
      'a sample $ref of another kind',
      where({ sample: { $ref: '/api/v1/projects/x' } }),
      'sample must be compared with an id'
    ],
    ['per_page over 1000', 'per_page=1001', 'per_page must be a whole number from 1 to 1000']
  ])('answers 400 for %s', async (_label, query, expected) => {
    const b = await sandbox()
    const reply = await get(b, `/api/v1/classifications?${query}`)
    expect(reply.status).toBe(400)
    expect((reply.json as { message: string }).message).toContain(expected)
  })

  it('answers 404 for an unknown or not yet started classification, 401 without the key', async () => {
    const b = await sandbox()
    fresh(b, 'soon.fastq')
    const [scheduled] = b.classifications()
    expect((await get(b, `/api/v1/classifications/${scheduled.classification_id}`)).status).toBe(
      404
    )
    expect((await get(b, '/api/v1/classifications/ffffffffffffffff/results')).status).toBe(404)
    expect((await apiGet(b.apiUrl, '/api/v1/classifications', 'wrong-key')).status).toBe(401)
    expect((await apiPost(b.apiUrl, '/api/v1/classifications', {}, b.apiKey)).status).toBe(405)
  })
})

/** A GET that reports a reset or a stall (no answer within `giveUpMs`) instead of throwing. */
function rawGet(
  url: string,
  giveUpMs = 2000
): Promise<{ status?: number; error?: { code?: string; message: string } }> {
  return new Promise(resolve => {
    const req = http.get(url, { headers: { 'X-API-Key': 'sandbox-key' } }, res => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
    })
    const timer = setTimeout(() => {
      req.destroy()
      resolve({ error: { message: 'client gave up' } })
    }, giveUpMs)
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve({ error: { code: error.code, message: error.message } })
    })
    req.on('close', () => clearTimeout(timer))
  })
}

describe('faults and request counts on the analysis routes', () => {
  it('5xx, 401/402, resets and stalls, queued per route; failFile by the sample filename', async () => {
    const b = await sandbox()
    const sampleId = fresh(b, 'S1_R1_001.fastq.gz')
    fresh(b, 'S2_R1_001.fastq.gz')
    now += 6000
    const id = (await primaryOf(b, sampleId)) as string
    b.faults.add('list_classifications', { kind: 'status', status: 503, retryAfter: '1' })
    b.faults.add('list_classifications', { kind: 'status', status: 401 })
    b.faults.add('list_classifications', { kind: 'status', status: 402 })
    b.faults.add('get_classification', { kind: 'reset' })
    b.faults.add('classification_results', { kind: 'stall' })
    b.faults.add('get_sample', { kind: 'status', status: 500 })

    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await get(b, '/api/v1/classifications')).status)
    expect(statuses).toEqual([503, 401, 402, 200])
    expect(await rawGet(`${b.apiUrl}/api/v1/classifications/${id}`)).toMatchObject({
      error: { code: 'ECONNRESET' }
    })
    expect(await rawGet(`${b.apiUrl}/api/v1/classifications/${id}/results`, 300)).toEqual({
      error: { message: 'client gave up' }
    })
    expect((await get(b, `/api/v1/samples/${sampleId}`)).status).toBe(500)
    expect((await get(b, `/api/v1/classifications/${id}/results`)).status).toBe(200)

    b.faults.failFile('S1_R1_001.fastq.gz', 'classification_results', 502)
    b.faults.failFile('S1_R1_001.fastq.gz', 'get_sample', 503)
    expect((await get(b, `/api/v1/classifications/${id}/results`)).status).toBe(502)
    expect((await get(b, `/api/v1/samples/${sampleId}`)).status).toBe(503)
    const other = b.classifications().find(c => c.filename === 'S2_R1_001.fastq.gz')
    expect(
      (await get(b, `/api/v1/classifications/${other?.classification_id}/results`)).status
    ).toBe(200)

    expect(b.requestCount('list_classifications')).toBe(4)
    expect(b.requestCount('get_classification')).toBe(1)
    expect(b.requestCount('classification_results')).toBe(4)
    expect(b.requestCount('get_sample')).toBe(3)
    expect(b.requestCount()).toBe(b.requests.length)
  })

  it('the CLI takes --analysis-start-ms, --analysis-run-ms and --analysis-file (a separate process)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-classifications-cli-'))
    const rules = join(dir, 'analysis.json')
    const seed = join(dir, 'seed.json')
    await writeFile(rules, JSON.stringify([{ filename: 'cli-bad*', error: 'no reads left' }]))
    await writeFile(
      seed,
      JSON.stringify([
        { filename: 'cli-bad.fastq', size: 3, sampleId: 'clibad0000000001' },
        {
          filename: 'cli-fresh.fastq',
          size: 3,
          sampleId: 'clifresh00000001',
          createdAt: new Date().toISOString()
        }
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
        '--analysis-start-ms',
        '3600000',
        '--analysis-run-ms',
        '0',
        '--analysis-file',
        rules,
        '--seed-file',
        seed
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
      const deadline = Date.now() + 30_000
      while (!/seeded clifresh00000001/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start:\n${out}`)
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      const apiUrl = /api-url:\s+(\S+)/.exec(out)?.[1] as string
      const sample = async (
        id: string
      ): Promise<{ primary_classification: { $ref: string } | null }> =>
        (await apiGet(apiUrl, `/api/v1/samples/${id}`, 'sandbox-key')).json as {
          primary_classification: { $ref: string } | null
        }
      // Seeded a day ago: started an hour later, failed as the rule says. Fresh: an hour to go.
      const bad = (await sample('clibad0000000001')).primary_classification?.$ref as string
      expect((await apiGet(apiUrl, bad, 'sandbox-key')).json).toMatchObject({
        complete: true,
        success: false,
        error_msg: 'no reads left'
      })
      expect((await sample('clifresh00000001')).primary_classification).toBeNull()
    } finally {
      child.kill('SIGTERM')
      await new Promise(resolve => child.once('close', resolve))
      await rm(dir, { recursive: true, force: true })
    }
  })
})
