/**
 * awaitAnalyses (src/analysis/await-analyses.ts) through the HTTP analysis client against the
 * sandbox, over real HTTP. The sandbox's clock and the wait's share one time that moves only
 * when the wait sleeps, so hour-long waits run in milliseconds; the cancellation cases use
 * real time.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { resultsFor } from '../../sandbox/classifications.js'
import { OneCodexAnalysisClient } from '../../src/analysis/analysis-client.js'
import { AnalysisStop, awaitAnalyses } from '../../src/analysis/await-analyses.js'
import { formatPercent } from '../../src/analysis/top-species.js'
import type { AnalysisResult } from '../../src/analysis/types.js'
import { RetryPolicy } from '../../src/net/retry-helper.js'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'
import { world, type World } from './helpers.js'

let w: World | undefined
afterEach(async () => {
  await w?.close()
  w = undefined
})

/** The species of the sandbox's table for `filename`, most abundant first (as a reader would sort them). */
function expectedSpecies(filename: string): { name: string; abundance: number | null }[] {
  return resultsFor(filename)
    .table.filter(row => row.rank === 'species')
    .map(row => ({ name: row.name, abundance: row.abundance_w_children }))
    .sort((a, b) => (b.abundance ?? -1) - (a.abundance ?? -1))
}

describe('awaitAnalyses', () => {
  it('every analysis completes: an entry per sample in order, top species most abundant first, a line each', async () => {
    w = await world()
    const samples = ['S1_R1_001.fastq.gz', 'S2_R1_001.fastq.gz', 'contigs.fa.gz'].map(name =>
      w!.upload(name)
    )
    const analyses = await w.wait(samples)

    // Looks at 5, 12.5, 23.75 and 40.6 s: started at 10 s, complete at 40 s.
    expect(w.sleeps).toEqual([5000, 7500, 11250, 16875])
    expect(analyses.map(a => [a.filename, a.status, a.error])).toEqual([
      ['S1_R1_001.fastq.gz', 'complete', null],
      ['S2_R1_001.fastq.gz', 'complete', null],
      ['contigs.fa.gz', 'complete', null]
    ])
    for (const [index, entry] of analyses.entries()) {
      const classification = w.box.classifications()[index]
      expect(Object.keys(entry)).toEqual([
        'sample_id',
        'path',
        'filename',
        'classification_id',
        'status',
        'error',
        'n_reads',
        'top'
      ])
      expect(entry).toMatchObject({
        sample_id: samples[index].sampleId,
        path: `reads/${samples[index].filename}`,
        classification_id: classification.classification_id,
        n_reads: resultsFor(entry.filename).n_reads
      })
      const species = expectedSpecies(entry.filename)
      expect(entry.top.length).toBe(Math.min(10, species.length))
      expect(entry.top.map(s => s.name)).toEqual(species.slice(0, 10).map(s => s.name))
      for (const s of entry.top) {
        expect(Object.keys(s)).toEqual(['tax_id', 'name', 'abundance', 'readcount'])
        expect(s.readcount).toBeGreaterThan(0)
      }
    }
    const top = analyses[0].top
    expect(w.lines).toContain(
      `S1_R1_001.fastq.gz: analysis complete — ${top
        .slice(0, 3)
        .map(s => `${s.name} ${formatPercent(s.abundance)}`)
        .join(', ')}${top.length > 3 ? ', …' : ''}`
    )
    expect(w.lines.filter(l => l.includes(': analysis complete — '))).toHaveLength(3)
    expect(w.warnings).toEqual([])
  })

  it('one fails with One Codex’s reason while the other completes', async () => {
    w = await world({
      sandbox: {
        analysis: {
          rules: [
            { filename: 'blank_*', error: 'Too few reads could be classified (12 of 40,118).' }
          ]
        }
      }
    })
    const analyses = await w.wait([w.upload('blank_S9.fastq.gz'), w.upload('S1.fastq.gz')])
    expect(analyses.map(a => [a.status, a.error])).toEqual([
      ['failed', 'Too few reads could be classified (12 of 40,118).'],
      ['complete', null]
    ])
    expect(analyses[0]).toMatchObject({ n_reads: null, top: [] })
    expect(analyses[0].classification_id).toMatch(/^[0-9a-f]{16}$/)
    expect(w.lines).toContain(
      `blank_S9.fastq.gz: analysis failed — Too few reads could be classified (12 of 40,118). (sample ${analyses[0].sample_id})`
    )
    // A failed classification's results are never asked for.
    expect(w.box.requestCount('classification_results')).toBe(1)
  })

  it('one never completes: timed out at analysis-timeout, the other complete, progress every 5 min', async () => {
    w = await world({ sandbox: { analysis: { rules: [{ filename: 'stuck*', runTimeMs: null }] } } })
    const analyses = await w.wait([w.upload('stuck.fastq'), w.upload('fine.fastq')], {
      timeoutMs: 20 * 60_000
    })
    expect(analyses.map(a => a.status)).toEqual(['timed out', 'complete'])
    expect(analyses[0]).toMatchObject({
      classification_id: w.box.classifications()[0].classification_id,
      error: "One Codex's analysis did not finish within analysis-timeout (20 min).",
      n_reads: null,
      top: []
    })
    // The last look is at the timeout, not a backoff step later.
    expect(w.sleeps.reduce((a, b) => a + b, 0)).toBe(20 * 60_000)
    expect(Math.max(...w.sleeps)).toBe(120_000)
    const progress = w.lines.filter(l => l.startsWith("Waiting for One Codex's analyses"))
    expect(progress.length).toBeGreaterThanOrEqual(3)
    expect(progress.length).toBeLessThanOrEqual(4)
    expect(progress[0]).toMatch(
      /^Waiting for One Codex's analyses: 1 of 2 not finished after \d+ min \d+ s; analysis-timeout is 20 min\.$/
    )
  })

  it('an analysis that never starts times out saying so', async () => {
    w = await world({
      sandbox: { analysis: { rules: [{ filename: 'none.fastq', noAnalysis: true }] } }
    })
    const [entry] = await w.wait([w.upload('none.fastq')], { timeoutMs: 90_000 })
    expect(entry).toMatchObject({
      status: 'timed out',
      classification_id: null,
      error:
        'One Codex did not start an analysis of this sample within analysis-timeout (1 min 30 s).'
    })
    // Only sample listings: there was never a classification to ask about.
    expect(w.box.requestCount('list_classifications')).toBe(0)
    expect(w.box.requestCount('list_samples')).toBe(w.sleeps.length)
  })

  it('30 samples: one listing request per round for all of them, and each result fetched once', async () => {
    w = await world()
    const samples = Array.from({ length: 30 }, (_, i) => w!.upload(`S${i + 1}_R1_001.fastq.gz`))
    const analyses = await w.wait(samples)
    expect(analyses.every(a => a.status === 'complete')).toBe(true)
    const rounds = w.sleeps.length
    expect(rounds).toBe(4)
    // Round 1: nothing started (samples); round 2: started (samples, then classifications);
    // rounds 3-4: classifications; then 30 results.
    expect(w.box.requestCount('list_samples')).toBe(2)
    expect(w.box.requestCount('list_classifications')).toBe(3)
    expect(w.box.requestCount('classification_results')).toBe(30)
    expect(w.box.requestCount()).toBe(35)
    for (const entry of w.box.requests) expect(entry.url.length).toBeLessThanOrEqual(3000)
  })

  it('30 samples with short request lines: each round split into equal requests within the limit', async () => {
    w = await world({ client: { maxRequestChars: 800 } })
    const samples = Array.from({ length: 30 }, (_, i) => w!.upload(`S${i + 1}.fastq`))
    const analyses = await w.wait(samples)
    expect(analyses.every(a => a.status === 'complete')).toBe(true)
    const listings = w.box.requests.filter(r => r.route === 'list_samples')
    const perRequest = (
      JSON.parse(new URL(listings[0].url, 'http://x').searchParams.get('where') as string) as {
        $uri: { $in: string[] }
      }
    ).$uri.$in.length
    const split = Math.ceil(30 / perRequest)
    expect(split).toBeGreaterThan(1)
    expect(listings).toHaveLength(2 * split)
    const classifications = w.box.requestCount('list_classifications')
    expect(classifications % 3).toBe(0)
    expect(classifications / 3).toBeGreaterThan(1)
    expect(w.box.requestCount()).toBe(2 * split + classifications + 30)
    for (const entry of w.box.requests) expect(entry.url.length).toBeLessThanOrEqual(800)
  })

  it('skip-existing samples, finished long ago, come back after one look at once', async () => {
    w = await world({ sandbox: { analysis: { rules: [{ filename: 'old_bad*', error: 'boom' }] } } })
    const samples = [w.existing('old1.fastq'), w.existing('old2.fastq'), w.existing('old_bad.fq')]
    const analyses = await w.wait(samples)
    expect(w.sleeps).toEqual([])
    expect(analyses.map(a => a.status)).toEqual(['complete', 'complete', 'failed'])
    expect(w.box.requestCount()).toBe(1 + 1 + 2)
  })

  it('existing and fresh samples together: a look at once, then 5 s, 7.5 s, …', async () => {
    w = await world()
    const analyses = await w.wait([w.existing('old.fastq'), w.upload('new.fastq')])
    expect(analyses.map(a => a.status)).toEqual(['complete', 'complete'])
    expect(w.sleeps.slice(0, 3)).toEqual([5000, 7500, 11250])
    expect(w.lines[0]).toMatch(/^old\.fastq: analysis complete — /)
  })

  it('waits grow ×1.5 to at most 2 min, with ±20 % jitter', async () => {
    w = await world({ sandbox: { analysis: { rules: [{ filename: '*', runTimeMs: null }] } } })
    const sample = w.upload('slow.fastq')
    await w.wait([sample], { timeoutMs: 15 * 60_000 })
    expect(w.sleeps.slice(0, 9).map(Math.round)).toEqual([
      5000, 7500, 11250, 16875, 25313, 37969, 56953, 85430, 120000
    ])
    for (const random of [0, 0.999]) {
      const again = await world({
        sandbox: { analysis: { rules: [{ filename: '*', runTimeMs: null }] } }
      })
      try {
        await again.wait([again.upload('slow.fastq')], {
          timeoutMs: 15 * 60_000,
          random: () => random
        })
        const factor = random === 0 ? 0.8 : 1.2
        expect(again.sleeps[1]).toBeCloseTo(7500 * factor, -1)
        expect(Math.max(...again.sleeps.slice(0, -1))).toBeLessThanOrEqual(120_000 * 1.2)
      } finally {
        await again.close()
      }
    }
  })

  it('a sample One Codex does not list, or whose upload never completed, fails naming it', async () => {
    w = await world()
    const pending = w.box.seed({ filename: 'half.fastq', size: 3, awaitingData: true })
    const analyses = await w.wait([
      { sampleId: 'ffffffffffffffff', path: 'reads/gone.fastq', filename: 'gone.fastq' },
      { sampleId: pending, path: 'reads/half.fastq', filename: 'half.fastq' }
    ])
    expect(analyses.map(a => [a.status, a.error])).toEqual([
      ['failed', 'One Codex does not list sample ffffffffffffffff (deleted?).'],
      ['failed', `Sample ${pending}'s upload never completed: it gets no analysis.`]
    ])
    expect(w.sleeps).toEqual([5000])
  })
})

describe('awaitAnalyses: faults', () => {
  it('a 5xx, a reset and a stall on a round are retried like any request; the wait completes', async () => {
    w = await world({ client: { socketTimeoutMs: 300 } })
    const samples = [w.upload('a.fastq'), w.upload('b.fastq')]
    w.box.faults.add('list_samples', { kind: 'status', status: 503 })
    w.box.faults.add('list_classifications', { kind: 'reset' })
    w.box.faults.add('classification_results', { kind: 'stall' })
    const analyses = await w.wait(samples)
    expect(analyses.map(a => a.status)).toEqual(['complete', 'complete'])
    expect(w.retries).toHaveLength(3)
    expect(w.retries[0]).toMatch(/^listing 2 samples: attempt 1 of 3 failed: .*HTTP 503/)
    expect(w.retries[1]).toMatch(/^listing 2 classifications: attempt 1 of 3 failed: .*ECONNRESET/)
    expect(w.retries[2]).toMatch(
      /^reading the results of classification [0-9a-f]{16}: attempt 1 of 3 failed: .*ETIMEDOUT/
    )
    expect(w.box.requestCount('list_samples')).toBe(2 + 1)
    expect(w.box.requestCount('classification_results')).toBe(2 + 1)
    expect(w.warnings).toEqual([])
  })

  it('a round that fails after every retry is said, and the next round tries again', async () => {
    w = await world()
    const samples = [w.upload('a.fastq')]
    w.box.faults.add('list_classifications', { kind: 'status', status: 502, times: 3 })
    w.box.faults.add('classification_results', { kind: 'status', status: 500, times: 3 })
    const [entry] = await w.wait(samples)
    expect(entry.status).toBe('complete')
    expect(w.warnings).toHaveLength(2)
    expect(w.warnings[0]).toMatch(
      /^Could not ask One Codex about 1 analysis this round: listing 1 classification failed with HTTP 502.*\(gave up after 3 attempts\)\. Trying again next round\.$/
    )
    expect(w.warnings[1]).toMatch(/^a\.fastq: could not read the analysis results yet: .*HTTP 500/)
  })

  it.each([401, 402])('%i stops the wait: the cause once, what was known kept', async status => {
    w = await world({
      sandbox: { analysis: { rules: [{ filename: 'late*', runTimeMs: 600_000 }] } }
    })
    const samples = [w.upload('early.fastq'), w.upload('late.fastq')]
    // Classification listings at 12.5, 23.75 and 40.6 s pass (early completes at 40 s);
    // the next one, at 66 s, is refused.
    w.box.faults.add('list_classifications', { kind: 'delay', ms: 0, times: 3 })
    w.box.faults.add('list_classifications', { kind: 'status', status })
    const stopped = (await w.wait(samples).catch(e => e)) as AnalysisStop
    expect(stopped).toBeInstanceOf(AnalysisStop)
    expect(stopped.issue.input).toBe('api-key')
    expect(stopped.issue.message).toContain(
      status === 401
        ? 'One Codex did not accept the API key (HTTP 401'
        : 'HTTP 402 Payment Required'
    )
    expect(stopped.issue.message).toContain('api-key input')
    // The early one completed before the refusal; the other is failed with the cause.
    const [early, late] = stopped.analyses
    expect(early.status).toBe('complete')
    expect(late).toMatchObject({ status: 'failed' })
    expect(late.error).toBe(`Stopped waiting for the analysis: ${stopped.issue.message}`)
    // Said once by the caller: no per-sample failure lines for the stop.
    expect(w.lines.filter(l => l.includes('analysis failed'))).toEqual([])
    // 401/402 are not retried.
    expect(w.retries).toEqual([])
  })

  it('a wrong key stops at the first look', async () => {
    w = await world()
    const sample = w.upload('a.fastq')
    const client = new OneCodexAnalysisClient({
      apiUrl: w.box.apiUrl,
      apiKey: 'not-the-key',
      retry: new RetryPolicy({ maxAttempts: 3, log: () => {}, sleep: async () => {} })
    })
    try {
      const stopped = (await w.wait([sample], { client }).catch(e => e)) as AnalysisStop
      expect(stopped).toBeInstanceOf(AnalysisStop)
      expect(stopped.analyses).toMatchObject([{ status: 'failed', classification_id: null }])
      expect(w.box.requestCount()).toBe(1)
      expect(w.sleeps).toEqual([5000])
    } finally {
      client.dispose()
    }
  })

  it('a 403 on a listing ends the samples it concerned with the reason', async () => {
    w = await world()
    const samples = [w.upload('a.fastq'), w.upload('b.fastq')]
    w.box.faults.add('list_samples', {
      kind: 'status',
      status: 403,
      body: '{"message":"Forbidden"}'
    })
    const analyses = await w.wait(samples)
    expect(analyses.map(a => a.status)).toEqual(['failed', 'failed'])
    expect(analyses[0].error).toMatch(
      /^One Codex refused to show 2 samples: listing 2 samples failed with HTTP 403 \(Forbidden\)\. The API key was accepted but may not read/
    )
    expect(w.sleeps).toEqual([5000])
  })
})

describe('awaitAnalyses: cancellation (real time)', () => {
  let box: Sandbox | undefined
  let client: OneCodexAnalysisClient | undefined
  afterEach(async () => {
    client?.dispose()
    await box?.close()
    box = client = undefined
  })

  async function running(): Promise<{ box: Sandbox; client: OneCodexAnalysisClient }> {
    box = await startSandbox({ analysis: { startDelayMs: 0, runTimeMs: 3_600_000 } })
    client = new OneCodexAnalysisClient({
      apiUrl: box.apiUrl,
      apiKey: box.apiKey,
      retry: new RetryPolicy({ maxAttempts: 3, log: () => {} })
    })
    return { box, client }
  }

  it('during a wait between rounds: returns at once, the rest cancelled', async () => {
    const { box, client } = await running()
    const done = box.seed({ filename: 'done.fastq', size: 3 })
    const busy = box.seed({ filename: 'busy.fastq', size: 3, createdAt: new Date() })
    const controller = new AbortController()
    const lines: string[] = []
    const waiting = awaitAnalyses(
      [
        { sampleId: done, path: 'done.fastq', filename: 'done.fastq', existing: true },
        { sampleId: busy, path: 'busy.fastq', filename: 'busy.fastq' }
      ],
      { client, timeoutMs: 3_600_000, signal: controller.signal, log: line => lines.push(line) }
    )
    // The first look (at once: one sample is existing) finds one complete; then a 5 s wait.
    const deadline = Date.now() + 5000
    while (lines.length === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 10))
    const abortedAt = Date.now()
    controller.abort()
    const analyses = await waiting
    expect(Date.now() - abortedAt).toBeLessThan(500)
    expect(analyses.map(a => [a.status, a.error])).toEqual([
      ['complete', null],
      ['cancelled', "The job was cancelled while One Codex's analysis was running."]
    ])
  })

  it('during a request that gets no answer: the request is abandoned and the wait returns', async () => {
    const { box, client } = await running()
    const sampleId = box.seed({ filename: 'x.fastq', size: 3, createdAt: new Date() })
    box.faults.add('list_samples', { kind: 'stall' })
    const controller = new AbortController()
    const waiting = awaitAnalyses([{ sampleId, path: 'x.fastq', filename: 'x.fastq' }], {
      client,
      timeoutMs: 3_600_000,
      signal: controller.signal,
      log: () => {},
      firstLookMs: 20
    })
    const deadline = Date.now() + 5000
    while (box.requestCount('list_samples') === 0 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 10))
    }
    const abortedAt = Date.now()
    controller.abort()
    const analyses: AnalysisResult[] = await waiting
    expect(Date.now() - abortedAt).toBeLessThan(500)
    expect(analyses).toMatchObject([
      {
        status: 'cancelled',
        classification_id: null,
        error: 'The job was cancelled before One Codex started the analysis.'
      }
    ])
    expect(box.requestCount()).toBe(1)
  })
})
