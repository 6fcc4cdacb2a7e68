/**
 * awaitRunAnalyses (src/analysis/wait-stage.ts), the analysis stage of a run, against the
 * sandbox over real HTTP in real time (a first look after 20 ms): which samples it waits for,
 * what it does when the upload stopped or the job was cancelled before it, the run's retry
 * policy, the key scrubbed from every line and entry, and a 401 said once.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import * as path from 'node:path'
import { startSandbox, type AnalysisRule, type Sandbox } from '../../sandbox/emulator.js'
import {
  awaitRunAnalyses,
  samplesToAwait,
  wouldAwait,
  type WaitStageOptions
} from '../../src/analysis/wait-stage.js'
import type { UploadedSample } from '../../src/shared/types.js'
import type { UploadResults } from '../../src/upload/outcome.js'
import { testSettings } from '../helpers/settings.js'

const KEY = 'sk_wait_stage_5e1f'
const WORKSPACE = path.resolve('/github/workspace')
let box: Sandbox | undefined

afterEach(async () => {
  await box?.close()
  box = undefined
})

async function sandbox(rules: AnalysisRule[] = []): Promise<Sandbox> {
  box = await startSandbox({
    apiKey: KEY,
    pageSize: 1000,
    analysis: { startDelayMs: 0, runTimeMs: 100, rules }
  })
  return box
}

const uploaded = (sampleId: string, filename: string, existing = false): UploadedSample => ({
  sample_id: sampleId,
  path: path.join(WORKSPACE, 'reads', filename),
  filename,
  size: 10,
  ...(existing ? { existing: true as const } : {})
})

const settings = (b: Sandbox, overrides = {}) =>
  testSettings({
    apiKey: KEY,
    apiUrl: b.apiUrl,
    workspace: WORKSPACE,
    maxAttempts: 3,
    waitForAnalysis: true,
    analysisTimeoutMs: 20_000,
    ...overrides
  })

function stage(
  results: UploadResults,
  b: Sandbox,
  options: WaitStageOptions & { lines?: string[] } = {},
  overrides = {}
) {
  const lines = options.lines ?? []
  return awaitRunAnalyses(results, settings(b, overrides), {
    firstLookMs: 20,
    maxDelayMs: 50,
    retryBaseDelayMs: 1,
    log: line => lines.push(line),
    ...options
  })
}

describe('awaitRunAnalyses', () => {
  it('without wait-for-analysis: nothing, not a request', async () => {
    const b = await sandbox()
    const id = b.seed({ filename: 'a.fq', size: 10 })
    const results: UploadResults = {
      outcomes: [{ ok: true, sample: uploaded(id, 'a.fq'), durationMs: 1 }]
    }
    expect(await stage(results, b, {}, { waitForAnalysis: false })).toBeUndefined()
    expect(b.requests).toEqual([])
  })

  it('waits for every confirmed sample, in order, existing ones included; failed ones are not waited for', async () => {
    const b = await sandbox()
    const fresh = b.seed({ filename: 'a.fq', size: 10, createdAt: new Date() })
    const old = b.seed({ filename: 'b.fq', size: 10 })
    const results: UploadResults = {
      outcomes: [
        { ok: true, sample: uploaded(fresh, 'a.fq'), durationMs: 1 },
        {
          ok: false,
          failure: { path: path.join(WORKSPACE, 'reads', 'x.fq'), error: 'no' },
          durationMs: 1
        },
        { ok: true, sample: uploaded(old, 'b.fq', true), durationMs: 0 }
      ]
    }
    expect(samplesToAwait(results, WORKSPACE)).toEqual([
      { sampleId: fresh, path: 'reads/a.fq', filename: 'a.fq' },
      { sampleId: old, path: 'reads/b.fq', filename: 'b.fq', existing: true }
    ])
    const lines: string[] = []
    const done = await stage(results, b, { lines })
    expect(done?.analyses.map(a => [a.sample_id, a.path, a.status])).toEqual([
      [fresh, 'reads/a.fq', 'complete'],
      [old, 'reads/b.fq', 'complete']
    ])
    expect(done).toMatchObject({ timeoutMs: 20_000 })
    expect(done?.cancelled).toBeUndefined()
    expect(lines[0]).toBe(
      "wait-for-analysis: waiting up to 20 s (analysis-timeout) for One Codex's analyses of 2 samples (1 found by skip-existing: looked at once)."
    )
    expect(lines.some(l => l.startsWith('a.fq: analysis complete — '))).toBe(true)
  })

  it('nothing confirmed: an empty list at once', async () => {
    const b = await sandbox()
    expect(await stage({ outcomes: [] }, b)).toMatchObject({ analyses: [], waitedMs: 0 })
    expect(b.requests).toEqual([])
  })

  it('after an account-level stop of the upload: not waited for, not a request', async () => {
    const b = await sandbox()
    const id = b.seed({ filename: 'a.fq', size: 10 })
    const done = await stage(
      {
        outcomes: [{ ok: true, sample: uploaded(id, 'a.fq'), durationMs: 1 }],
        stopped: { input: 'api-key', message: 'One Codex did not accept the API key (HTTP 401).' }
      },
      b
    )
    expect(done?.analyses.map(a => [a.status, a.error])).toEqual([
      [
        'failed',
        'Not waited for: the run stopped at an account-level failure; check the api-key input.'
      ]
    ])
    expect(b.requests).toEqual([])
  })

  it('a job cancelled before the wait: every entry cancelled, not a request', async () => {
    const b = await sandbox()
    const id = b.seed({ filename: 'a.fq', size: 10 })
    const controller = new AbortController()
    controller.abort()
    const done = await stage(
      { outcomes: [{ ok: true, sample: uploaded(id, 'a.fq'), durationMs: 1 }], cancelled: true },
      b,
      { signal: controller.signal }
    )
    expect(done).toMatchObject({
      cancelled: true,
      analyses: [
        {
          sample_id: id,
          status: 'cancelled',
          error: 'The job was cancelled before the wait for the analysis began.'
        }
      ]
    })
    expect(b.requests).toEqual([])
  })

  it("retries a 503 on the run's policy and scrubs the key from every line and entry", async () => {
    const b = await sandbox([{ filename: 'echo.fq', error: `key ${KEY} is not allowed here` }])
    const id = b.seed({ filename: 'echo.fq', size: 10, createdAt: new Date() })
    b.faults.add('list_samples', {
      kind: 'status',
      status: 503,
      body: JSON.stringify({ message: `busy for ${KEY}` })
    })
    const lines: string[] = []
    const done = await stage(
      { outcomes: [{ ok: true, sample: uploaded(id, 'echo.fq'), durationMs: 1 }] },
      b,
      { lines }
    )
    expect(done?.analyses.map(a => [a.status, a.error])).toEqual([
      ['failed', 'key *** is not allowed here']
    ])
    expect(lines.some(l => /attempt 1 of 3 failed: .*HTTP 503 \(busy for \*\*\*\)/.test(l))).toBe(
      true
    )
    expect(lines.join('\n')).not.toContain(KEY)
    expect(b.requestCount('list_samples')).toBeGreaterThanOrEqual(2)
  })

  it('a 401 stops the wait: the cause once (naming api-key), the entries kept', async () => {
    const b = await sandbox()
    const done = b.seed({ filename: 'done.fq', size: 10 })
    const busy = b.seed({ filename: 'busy.fq', size: 10, createdAt: new Date() })
    // The first look (at once: one is existing) lists both samples, then the listing of their
    // classifications answers 401.
    b.faults.add('list_classifications', { kind: 'status', status: 401 })
    const result = await stage(
      {
        outcomes: [
          { ok: true, sample: uploaded(done, 'done.fq', true), durationMs: 0 },
          { ok: true, sample: uploaded(busy, 'busy.fq'), durationMs: 1 }
        ]
      },
      b
    )
    expect(result?.stopped).toEqual({
      input: 'api-key',
      message: expect.stringMatching(/^One Codex did not accept the API key \(HTTP 401/)
    })
    expect(result?.analyses.map(a => a.status)).toEqual(['failed', 'failed'])
    expect(result?.analyses[0].error).toBe(
      `Stopped waiting for the analysis: ${result?.stopped?.message}`
    )
  })

  it('the dry run line', () => {
    expect(wouldAwait(1)).toBe(
      "With wait-for-analysis, the run would wait up to 1 h for One Codex's analyses of 1 sample; nothing was awaited."
    )
    expect(wouldAwait(30, 90_000)).toContain(
      "up to 1 min 30 s for One Codex's analyses of 30 samples;"
    )
  })
})
