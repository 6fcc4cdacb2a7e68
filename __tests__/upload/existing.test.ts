import { afterEach, describe, expect, it } from '@jest/globals'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/emulator.js'
import type { ListedSample } from '../../src/onecodex/samples.js'
import { OneCodexClient } from '../../src/onecodex/client.js'
import type { Sample, Settings, Source } from '../../src/shared/types.js'
import {
  filenameQueries,
  findExisting,
  matchExisting,
  MAX_WHERE_CHARS
} from '../../src/upload/existing.js'
import { RetryPolicy } from '../../src/net/retry-helper.js'
import { UploadError } from '../../src/shared/upload-error.js'
import { sourceAt } from '../helpers/fixtures.js'
import { testSettings } from '../helpers/settings.js'

const source = (filename: string, size: number): Source => sourceAt(`/ws/${filename}`, size, 'gzip')
const single = (filename: string, size: number): Sample => ({ file: source(filename, size) })
const pair = (stem: string, r1: number, r2: number): Sample => ({
  file: source(`${stem}_R1.fq.gz`, r1),
  mate: source(`${stem}_R2.fq.gz`, r2)
})
const listed = (over: Partial<ListedSample> & { sampleId: string }): ListedSample => ({
  filename: 'a.fq.gz',
  size: 100,
  visibility: 'private',
  createdAt: '2026-01-01T00:00:00Z',
  project: null,
  ...over
})

describe('matchExisting: the skip-existing rule', () => {
  const sample = single('a.fq.gz', 100)

  it('counts a sample with the same filename and size, not awaiting data', () => {
    const found = listed({ sampleId: 's1' })
    expect(matchExisting(sample, [found], undefined)).toEqual({
      match: found,
      otherSize: [],
      lacksMate: []
    })
  })

  it('does not count another size, and reports it so the caller can warn', () => {
    const other = listed({ sampleId: 's1', size: 99 })
    expect(matchExisting(sample, [other], undefined)).toEqual({ otherSize: [other], lacksMate: [] })
  })

  it('ignores samples awaiting data (an upload that never completed)', () => {
    const pending = listed({ sampleId: 's1', visibility: 'awaiting data' })
    expect(matchExisting(sample, [pending], undefined)).toEqual({ otherSize: [], lacksMate: [] })
  })

  it('with project set, ignores samples in another project or in none', () => {
    const elsewhere = listed({ sampleId: 's1', project: 'otherproject0001' })
    const none = listed({ sampleId: 's2', project: null })
    const here = listed({ sampleId: 's3', project: 'proj000000000001' })
    expect(matchExisting(sample, [elsewhere, none], 'proj000000000001')).toEqual({
      otherSize: [],
      lacksMate: []
    })
    expect(matchExisting(sample, [elsewhere, none, here], 'proj000000000001').match).toBe(here)
  })

  it('without project, a sample in any project counts', () => {
    const elsewhere = listed({ sampleId: 's1', project: 'otherproject0001' })
    expect(matchExisting(sample, [elsewhere], undefined).match).toBe(elsewhere)
  })

  it('ignores other filenames (the listing may hold any of the chunk)', () => {
    expect(
      matchExisting(sample, [listed({ sampleId: 's1', filename: 'b.fq.gz' })], undefined)
    ).toEqual({ otherSize: [], lacksMate: [] })
  })

  it('a pair counts only when the held size is the sum of both mates, under R1 name', () => {
    const p = pair('p', 100, 120)
    const sum = listed({ sampleId: 'sum', filename: 'p_R1.fq.gz', size: 220 })
    const r2Size = listed({ sampleId: 'r2', filename: 'p_R1.fq.gz', size: 120 })
    const byMate = listed({ sampleId: 'm', filename: 'p_R2.fq.gz', size: 220 })
    expect(matchExisting(p, [sum], undefined).match).toBe(sum)
    expect(matchExisting(p, [r2Size, byMate], undefined)).toEqual({
      otherSize: [r2Size],
      lacksMate: []
    })
  })

  it("a held sample with R1's name and R1's size alone may lack R2: no match, reported apart", () => {
    // An earlier `paired: false` run, or a manual upload of R1 only.
    const p = pair('p', 100, 120)
    const r1Only = listed({ sampleId: 'r1', filename: 'p_R1.fq.gz', size: 100 })
    expect(matchExisting(p, [r1Only], undefined)).toEqual({ otherSize: [], lacksMate: [r1Only] })
    // With the whole pair held too, the pair is skipped as that one.
    const whole = listed({ sampleId: 'sum', filename: 'p_R1.fq.gz', size: 220 })
    expect(matchExisting(p, [r1Only, whole], undefined).match).toBe(whole)
    // A single file of that size is simply the same file.
    expect(matchExisting(single('p_R1.fq.gz', 100), [r1Only], undefined).match).toBe(r1Only)
  })

  it('with several matches keeps the oldest, so re-runs report the same ID', () => {
    const newer = listed({ sampleId: 'new', createdAt: '2026-03-01T00:00:00Z' })
    const older = listed({ sampleId: 'old', createdAt: '2026-02-01T10:00:00+05:00' })
    expect(matchExisting(sample, [newer, older], undefined).match).toBe(older)
  })

  it('a listed sample without a size never counts', () => {
    const unknown = listed({ sampleId: 's1', size: undefined })
    expect(matchExisting(sample, [unknown], undefined)).toEqual({
      otherSize: [unknown],
      lacksMate: []
    })
  })
})

describe('filenameQueries', () => {
  it('puts every name in one $in when they fit', () => {
    expect(filenameQueries(['a.fq', 'b.fq', 'a.fq'])).toEqual([
      { filename: { $in: ['a.fq', 'b.fq'] } }
    ])
  })

  it('splits long lists into queries under the limit, each name once', () => {
    const names = Array.from({ length: 400 }, (_, i) => `sample_${i}_S${i}_R1_001.fastq.gz`)
    const queries = filenameQueries(names)
    expect(queries.length).toBeGreaterThan(3)
    for (const query of queries)
      expect(JSON.stringify(query).length).toBeLessThanOrEqual(MAX_WHERE_CHARS)
    expect(queries.flatMap(q => (q.filename as { $in: string[] }).$in)).toEqual(names)
  })
})

describe('findExisting against the sandbox (cursor pagination, small pages)', () => {
  let sandbox: Sandbox | undefined
  afterEach(async () => {
    await sandbox?.close()
    sandbox = undefined
  })

  const settings = (s: Sandbox, over: Partial<Settings> = {}): Settings =>
    testSettings({
      apiKey: s.apiKey,
      apiUrl: s.apiUrl,
      patterns: ['*'],
      concurrency: 2,
      maxAttempts: 3,
      workspace: '/ws',
      skipExisting: true,
      ...over
    })

  async function start(options: SandboxOptions = {}): Promise<Sandbox> {
    sandbox = await startSandbox({ apiKey: 'sk_existing_0123', pageSize: 2, ...options })
    return sandbox
  }

  it('finds existing samples across several pages with few requests, and warns on other sizes', async () => {
    const s = await start()
    const plan = [
      single('a.fq.gz', 100),
      single('b.fq.gz', 200),
      pair('p', 300, 310),
      single('c.fq.gz', 400),
      single('d.fq.gz', 500)
    ]
    const a = s.seed({ filename: 'a.fq.gz', size: 100 })
    s.seed({ filename: 'a.fq.gz', size: 100, awaitingData: true })
    const b = s.seed({ filename: 'b.fq.gz', size: 201 })
    const p = s.seed({ filename: 'p_R1.fq.gz', size: 610, paired_end_filename: 'p_R2.fq.gz' })
    s.seed({ filename: 'd.fq.gz', size: 500, awaitingData: true })
    s.seed({ filename: 'unrelated.fq.gz', size: 100 })
    const warnings: string[] = []
    const lines: string[] = []
    const result = await findExisting(plan, settings(s), {
      retryBaseDelayMs: 1,
      log: line => lines.push(line),
      warn: line => warnings.push(line)
    })

    expect([...result.existing.keys()]).toEqual([0, 2])
    expect(result.existing.get(0)).toEqual({
      sample_id: a,
      path: '/ws/a.fq.gz',
      filename: 'a.fq.gz',
      size: 100,
      existing: true
    })
    expect(result.existing.get(2)).toEqual({
      sample_id: p,
      path: '/ws/p_R1.fq.gz',
      filename: 'p_R1.fq.gz',
      size: 300,
      paired_end_path: '/ws/p_R2.fq.gz',
      paired_end_filename: 'p_R2.fq.gz',
      paired_end_size: 310,
      existing: true
    })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`b.fq.gz: One Codex already holds sample ${b}`)
    expect(warnings[0]).toContain('201 bytes')
    expect(warnings[0]).toContain('uploading it again')
    expect(lines.join('\n')).toContain(`a.fq.gz: already in One Codex as sample ${a}`)

    // 5 matching samples in pages of 2: 3 requests, all reads, cursor-style, one $in query.
    const lists = s.requests.filter(r => r.route === 'list_samples')
    expect(lists).toHaveLength(3)
    expect(result.requests).toBe(3)
    expect(s.requests.every(r => r.route === 'list_samples' && r.method === 'GET')).toBe(true)
    for (const request of lists) {
      expect(request.headers['x-pagination-style']).toBe('cursor')
      expect(request.status).toBe(200)
      const where = JSON.parse(new URL(request.url, 'http://x').searchParams.get('where') ?? '')
      expect(where).toEqual({
        filename: { $in: ['a.fq.gz', 'b.fq.gz', 'p_R1.fq.gz', 'c.fq.gz', 'd.fq.gz'] }
      })
    }
    const cursors = lists.map(r => new URL(r.url, 'http://x').searchParams.get('cursor'))
    expect(cursors[0]).toBeNull()
    expect(cursors[1]).toBeTruthy()
    expect(cursors[2]).toBeTruthy()
  })

  it('with project set, a sample in another project does not count', async () => {
    const s = await start()
    s.seed({ filename: 'a.fq.gz', size: 100, project: 'otherproject0001' })
    const mine = s.seed({ filename: 'b.fq.gz', size: 100, project: 'proj000000000001' })
    const result = await findExisting(
      [single('a.fq.gz', 100), single('b.fq.gz', 100)],
      settings(s, { project: 'proj000000000001' }),
      { retryBaseDelayMs: 1, log: () => {}, warn: () => {} }
    )
    expect([...result.existing.entries()].map(([i, e]) => [i, e.sample_id])).toEqual([[1, mine]])
  })

  it("a sample-sheet row's project counts for its sample instead of the input's", async () => {
    const s = await start()
    const sheet = s.seed({ filename: 'a.fq.gz', size: 100, project: 'sheetproject0001' })
    s.seed({ filename: 'b.fq.gz', size: 100, project: 'sheetproject0001' })
    const fromSheet: Sample = { ...single('a.fq.gz', 100), init: { project: 'sheetproject0001' } }
    const result = await findExisting(
      [fromSheet, single('b.fq.gz', 100)],
      settings(s, { project: 'inputproject0001' }),
      { retryBaseDelayMs: 1, log: () => {}, warn: () => {} }
    )
    expect([...result.existing.entries()].map(([i, e]) => [i, e.sample_id])).toEqual([[0, sheet]])
  })

  it('retries a failed page alone, then carries on from its cursor', async () => {
    const s = await start()
    for (let i = 0; i < 5; i++) s.seed({ filename: `s${i}.fq`, size: 10 })
    // First page fine, the second answers 503 once.
    s.faults.add('list_samples', { kind: 'delay', ms: 1 })
    s.faults.add('list_samples', { kind: 'status', status: 503 })
    const lines: string[] = []
    const plan = Array.from({ length: 5 }, (_, i) => single(`s${i}.fq`, 10))
    const result = await findExisting(plan, settings(s), {
      retryBaseDelayMs: 1,
      log: line => lines.push(line),
      warn: () => {}
    })
    expect(result.existing.size).toBe(5)
    const lists = s.requests.filter(r => r.route === 'list_samples')
    expect(lists.map(r => r.status)).toEqual([200, 503, 200, 200])
    const cursor = (i: number): string | null =>
      new URL(lists[i].url, 'http://x').searchParams.get('cursor')
    expect(cursor(1)).toBe(cursor(2))
    expect(lines.join('\n')).toContain('listing samples (page 2): attempt 1 of 3 failed')
  })

  it('fails, naming skip-existing and saying nothing was uploaded, when listing keeps failing', async () => {
    const s = await start()
    s.faults.add('list_samples', { kind: 'status', status: 500, times: 3 })
    const error = await findExisting([single('a.fq.gz', 100)], settings(s), {
      retryBaseDelayMs: 1,
      log: () => {},
      warn: () => {}
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UploadError)
    expect((error as Error).message).toMatch(
      /^skip-existing: could not ask One Codex which samples it already holds: .*HTTP 500.*gave up after 3 attempts.*Nothing was uploaded/
    )
    expect(s.requests.map(r => r.route)).toEqual(['list_samples', 'list_samples', 'list_samples'])
  })

  it('says the failure once: no doubled "skip-existing:" prefix, no doubled period', async () => {
    const s = await start()
    s.faults.add('list_samples', { kind: 'status', status: 500, times: 3 })
    const error = (await findExisting([single('a.fq.gz', 100)], settings(s), {
      retryBaseDelayMs: 1,
      log: () => {},
      warn: () => {}
    }).catch((e: unknown) => e)) as Error
    expect(error.message).toBe(
      'skip-existing: could not ask One Codex which samples it already holds: listing samples failed with HTTP 500 (Sandbox fault: status 500.) (gave up after 3 attempts). Nothing was uploaded: uploading without knowing that could make duplicates.'
    )
  })

  it('a 404 from the listing (api-url is not One Codex) is said as the api-url cause, not retried', async () => {
    const s = await start()
    s.faults.add('list_samples', { kind: 'status', status: 404, times: 3 })
    const error = (await findExisting([single('a.fq.gz', 100)], settings(s), {
      retryBaseDelayMs: 1,
      log: () => {},
      warn: () => {}
    }).catch((e: unknown) => e)) as UploadError
    expect(error.account).toEqual({
      input: 'api-url',
      message: expect.stringMatching(
        /^api-url http:\/\/127\.0\.0\.1:\d+ answered HTTP 404 for \/api\/v1\/samples: is it One Codex's origin\?/
      )
    })
    expect(s.requests).toHaveLength(1)
  })

  it('a wrong key fails at once (no retries), naming api-key and never echoing the key', async () => {
    const s = await start()
    const error = (await findExisting(
      [single('a.fq.gz', 100)],
      settings(s, { apiKey: 'bad-key-999' }),
      {
        retryBaseDelayMs: 1,
        log: () => {},
        warn: () => {}
      }
    ).catch((e: unknown) => e)) as Error
    expect(error.message).toContain('HTTP 401')
    expect(error.message).toContain('api-key')
    expect(s.requests).toHaveLength(1)
  })

  it('splits hundreds of names into several short requests', async () => {
    const s = await start({ pageSize: 50 })
    const plan = Array.from({ length: 300 }, (_, i) =>
      single(`batch_sample_${String(i).padStart(4, '0')}_S${i}_R1_001.fastq.gz`, 1000 + i)
    )
    const seeded = plan
      .filter((_, i) => i % 3 === 0)
      .map(sample => s.seed({ filename: sample.file.filename, size: sample.file.size }))
    const result = await findExisting(plan, settings(s), {
      retryBaseDelayMs: 1,
      log: () => {},
      warn: () => {}
    })
    expect([...result.existing.values()].map(e => e.sample_id).sort()).toEqual([...seeded].sort())
    const lists = s.requests.filter(r => r.route === 'list_samples')
    expect(lists.length).toBeLessThan(15)
    for (const request of lists) expect(request.url.length).toBeLessThan(8000)
  })
})

describe('OneCodexClient.listSamples', () => {
  it('stops when a cursor repeats instead of looping forever', async () => {
    const http = await import('node:http')
    let calls = 0
    const server = http.createServer((_req, res) => {
      calls++
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-next-cursor': 'same' })
        .end(JSON.stringify([{ $uri: `/api/v1/samples/id${calls}`, filename: 'a.fq' }]))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const client = new OneCodexClient(`http://127.0.0.1:${port}`, 'k')
    try {
      const error = await client
        .listSamples({ filename: 'a.fq' }, new RetryPolicy({ maxAttempts: 1, log: () => {} }))
        .catch((e: unknown) => e)
      expect((error as Error).message).toContain('cursor repeated')
      expect(calls).toBe(2)
    } finally {
      client.dispose()
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
    }
  })
})
