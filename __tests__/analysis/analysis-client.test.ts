/**
 * OneCodexAnalysisClient (src/analysis/analysis-client.ts) against the sandbox over real HTTP:
 * what it sends (Basic auth, where $uri $in, per_page, cursor style), how it splits long id
 * lists and follows pages, what it reads back, and how it words 401/402/403 and bad answers.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { resultsFor } from '../../sandbox/classifications.js'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'
import { OneCodexAnalysisClient, splitByLength } from '../../src/analysis/analysis-client.js'
import { RetryPolicy } from '../../src/net/retry-helper.js'
import type { UploadError } from '../../src/shared/upload-error.js'
import { startRawServer } from '../helpers/raw-server.js'

let box: Sandbox | undefined
let client: OneCodexAnalysisClient | undefined
let now = Date.UTC(2026, 5, 1)

afterEach(async () => {
  client?.dispose()
  await box?.close()
  box = client = undefined
})

const retry = (maxAttempts = 1): RetryPolicy =>
  new RetryPolicy({ maxAttempts, log: () => {}, sleep: async () => {} })

async function setup(
  options: { pageSize?: number; maxRequestChars?: number; apiKey?: string } = {}
): Promise<{ box: Sandbox; client: OneCodexAnalysisClient }> {
  now = Date.UTC(2026, 5, 1)
  box = await startSandbox({
    apiKey: 'sk_analysis_key',
    pageSize: options.pageSize ?? 1000,
    now: () => now,
    analysis: { startDelayMs: 1000, runTimeMs: 1000 }
  })
  client = new OneCodexAnalysisClient({
    apiUrl: box.apiUrl,
    apiKey: options.apiKey ?? box.apiKey,
    retry: retry(),
    maxRequestChars: options.maxRequestChars
  })
  return { box, client }
}

const seedMany = (b: Sandbox, n: number): string[] =>
  Array.from({ length: n }, (_, i) =>
    b.seed({ filename: `m${i}.fastq`, size: 5, createdAt: new Date(now) })
  )

describe('OneCodexAnalysisClient', () => {
  it('lists samples with Basic auth, $uri $in, per_page 1000 and cursor style; reads primary_classification', async () => {
    const { box, client } = await setup()
    const [a, b] = seedMany(box, 2)
    const before = await client.listSamples([a, b, 'ffffffffffffffff'])
    expect(before.map(s => [s.sampleId, s.classificationId, s.visibility]).sort()).toEqual(
      [
        [a, null, 'private'],
        [b, null, 'private']
      ].sort()
    )
    const [request] = box.requests
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from('sk_analysis_key:').toString('base64')}`
    )
    expect(request.headers['x-pagination-style']).toBe('cursor')
    const query = new URL(request.url, box.apiUrl).searchParams
    expect(JSON.parse(query.get('where') as string)).toEqual({
      $uri: {
        $in: [`/api/v1/samples/${a}`, `/api/v1/samples/${b}`, '/api/v1/samples/ffffffffffffffff']
      }
    })
    expect(query.get('per_page')).toBe('1000')

    now += 1000
    const after = await client.listSamples([a])
    const expected = box.classifications().find(c => c.sample_id === a)?.classification_id
    expect(after).toEqual([{ sampleId: a, classificationId: expected, visibility: 'private' }])
  })

  it('lists classifications by $uri and reads complete, success and error_msg', async () => {
    const { box, client } = await setup()
    const [a] = seedMany(box, 1)
    now += 1000
    const id = box.classifications()[0].classification_id
    expect(await client.listClassifications([id])).toEqual([
      { classificationId: id, sampleId: a, complete: false, success: false, error: null }
    ])
    now += 1000
    expect(await client.listClassifications([id])).toEqual([
      { classificationId: id, sampleId: a, complete: true, success: true, error: '' }
    ])
    expect(new URL(box.requests[0].url, box.apiUrl).pathname).toBe('/api/v1/classifications')
  })

  it('reads a results table', async () => {
    const { box, client } = await setup()
    seedMany(box, 1)
    now += 2000
    const results = await client.getResults(box.classifications()[0].classification_id)
    const table = resultsFor('m0.fastq')
    expect(results.n_reads).toBe(table.n_reads)
    expect(results.host_tax_ids).toEqual(['9606'])
    expect(results.table).toEqual(
      table.table.map(row => ({
        tax_id: row.tax_id,
        name: row.name,
        rank: row.rank,
        readcount: row.readcount,
        readcount_w_children: row.readcount_w_children,
        abundance: row.abundance,
        abundance_w_children: row.abundance_w_children
      }))
    )
  })

  it('splits hundreds of ids into requests within maxRequestChars and follows every page', async () => {
    const { box, client } = await setup({ pageSize: 7, maxRequestChars: 1500 })
    const ids = seedMany(box, 120)
    now += 1000
    const listed = await client.listSamples(ids)
    expect(listed.map(s => s.sampleId).sort()).toEqual([...ids].sort())
    const firstPages = box.requests.filter(r => !r.url.includes('cursor='))
    const asked = firstPages.flatMap(
      r =>
        (
          JSON.parse(new URL(r.url, box.apiUrl).searchParams.get('where') as string) as {
            $uri: { $in: string[] }
          }
        ).$uri.$in
    )
    expect(asked).toHaveLength(120)
    expect(firstPages.length).toBeGreaterThan(1)
    for (const r of firstPages) expect(r.url.length).toBeLessThanOrEqual(1500)
    // pageSize 7: each split's items came over ceil(n / 7) pages.
    expect(box.requests.length).toBeGreaterThan(firstPages.length)
  })

  it('splitByLength keeps each encoded list within the room, at least one id each', () => {
    const uris = Array.from(
      { length: 50 },
      (_, i) => `/api/v1/samples/${String(i).padStart(16, '0')}`
    )
    const chunks = splitByLength(uris, 600)
    expect(chunks.flat()).toEqual(uris)
    for (const chunk of chunks) {
      const encoded = new URLSearchParams({ q: JSON.stringify({ $uri: { $in: chunk } }) })
        .toString()
        .slice(2)
      expect(encoded.length).toBeLessThanOrEqual(600)
      const withOneMore = new URLSearchParams({
        q: JSON.stringify({ $uri: { $in: [...chunk, uris[0]] } })
      })
        .toString()
        .slice(2)
      if (chunk !== chunks.at(-1)) expect(withOneMore.length).toBeGreaterThan(600)
    }
    expect(splitByLength([uris[0]], 10)).toEqual([[uris[0]]])
  })

  it.each([
    [401, 'One Codex did not accept the API key (HTTP 401'],
    [
      402,
      'One Codex refused to show analyses for the account of the API key (HTTP 402 Payment Required'
    ]
  ])('%i is account-level, naming the api-key input, and not retried', async (status, text) => {
    const { box, client } = await setup()
    box.faults.add('list_classifications', { kind: 'status', status })
    const error = (await client.listClassifications(['x']).catch(e => e)) as UploadError
    expect(error.status).toBe(status)
    expect(error.account?.input).toBe('api-key')
    expect(error.account?.message).toContain(text)
    expect(error.account?.message).toContain('api-key input')
  })

  it('a wrong key gets the 401 of the sandbox itself', async () => {
    const { client } = await setup({ apiKey: 'wrong' })
    const error = (await client.listSamples(['x']).catch(e => e)) as UploadError
    expect(error.account?.message).toContain('Invalid API key')
  })

  it('403 says the key may not read the analyses; not JSON and not a list are errors', async () => {
    const { box, client } = await setup()
    box.faults.add('classification_results', { kind: 'status', status: 403 })
    const forbidden = (await client.getResults('abc').catch(e => e)) as UploadError
    expect(forbidden.status).toBe(403)
    expect(forbidden.account).toBeUndefined()
    expect(forbidden.message).toContain("may not read these samples' analyses")
    box.faults.add('list_samples', { kind: 'status', status: 200, body: 'not json' })
    expect(((await client.listSamples(['x']).catch(e => e)) as Error).message).toBe(
      'listing 1 sample answered HTTP 200 with a body that is not JSON.'
    )
    box.faults.add('list_samples', { kind: 'status', status: 200, body: '{"a":1}' })
    expect(((await client.listSamples(['x']).catch(e => e)) as Error).message).toBe(
      'listing 1 sample answered with something not a list.'
    )
  })

  it('retries a 503 with the run’s policy; a network failure names api-url', async () => {
    const { box } = await setup()
    const retrying = new OneCodexAnalysisClient({
      apiUrl: box.apiUrl,
      apiKey: box.apiKey,
      retry: retry(2)
    })
    try {
      box.faults.add('list_samples', { kind: 'status', status: 503 })
      expect(await retrying.listSamples(['x'])).toEqual([])
      expect(box.requestCount('list_samples')).toBe(2)
      box.faults.add('list_samples', { kind: 'reset', times: 2 })
      const error = (await retrying.listSamples(['x']).catch(e => e)) as UploadError
      expect(error.message).toMatch(/ECONNRESET/)
      expect(error.message).toContain(`(api-url ${new URL(box.apiUrl).origin}, no proxy)`)
      expect(error.message).toContain('(gave up after 2 attempts)')
    } finally {
      retrying.dispose()
    }
  })

  it('sends nothing but to api-url: a redirect is not followed', async () => {
    const other = await startRawServer(() => ({ kind: 'respond', status: 200, body: '[]' }))
    const redirecting = await startRawServer(() => ({
      kind: 'respond',
      status: 302,
      headers: { Location: `${other.url}/api/v1/samples` }
    }))
    const c = new OneCodexAnalysisClient({ apiUrl: redirecting.url, apiKey: 'k', retry: retry() })
    try {
      const error = (await c.listSamples(['x']).catch(e => e)) as UploadError
      expect(error.status).toBe(302)
      expect(other.requests).toHaveLength(0)
      expect(redirecting.requests).toHaveLength(1)
    } finally {
      c.dispose()
      await other.close()
      await redirecting.close()
    }
  })

  it('refuses a plain-http api-url that is not loopback', () => {
    expect(
      () =>
        new OneCodexAnalysisClient({ apiUrl: 'http://example.org', apiKey: 'k', retry: retry() })
    ).toThrow(/api-url/)
  })

  it('an aborted signal ends a request in flight', async () => {
    const { box, client } = await setup()
    box.faults.add('list_samples', { kind: 'stall' })
    const controller = new AbortController()
    const pending = client.listSamples(['x'], controller.signal).catch(e => e)
    while (box.requestCount('list_samples') === 0) await new Promise(r => setTimeout(r, 5))
    const at = Date.now()
    controller.abort()
    const error = (await pending) as Error
    expect(error).toBeInstanceOf(Error)
    expect(Date.now() - at).toBeLessThan(500)
  })
})
