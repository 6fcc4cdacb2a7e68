/**
 * End to end, on the bundle (`ONECODEX_ACTION_ENTRY` or dist/index.js) run as a runner runs it:
 * `wait-for-analysis` against the sandbox's classifications (each sample's analysis starts
 * 0.3 s after its upload and runs 0.7 s unless a rule says otherwise). The wait's first look
 * is shortened to 100 ms (test-only ONECODEX_UPLOAD_ANALYSIS_POLL_MS) except where the case is
 * that samples found by skip-existing are looked at once. Storage is the sandbox's builtin
 * endpoint: these cases are about the wait, not bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { resultsFor } from '../../sandbox/classifications.js'
import {
  startSandbox,
  type AnalysisRule,
  type Sandbox,
  type SandboxOptions
} from '../../sandbox/emulator.js'
import { runAction, type ActionRun } from '../../sandbox/runner.js'
import type { AnalysisResult, TopSpecies } from '../../src/analysis/types.js'
import type { ResultsRecord } from '../../src/report/results-file.js'
import type { UploadedSample } from '../../src/shared/types.js'
import { bundleWorkspace, reads, writeUnder } from '../helpers/e2e.js'

const API_KEY = 'e2e-analysis-key-0123456789'
const POLL = { ONECODEX_UPLOAD_ANALYSIS_POLL_MS: '100' }
const MANY = 30
const HUGE = 500

let workspace: string
/** RUNNER_TEMP of the runs: the runner helper deletes its own temp dir, this one stays. */
let runnerTemp: string
const sizes = new Map<string, number>()

async function write(relative: string, bytes: Buffer | string): Promise<void> {
  await writeUnder(workspace, relative, bytes)
  sizes.set(relative, Buffer.byteLength(bytes))
}

const pad = (i: number, n = 3): string => String(i).padStart(n, '0')

beforeAll(async () => {
  workspace = await bundleWorkspace('e2e-analyses-')
  runnerTemp = await mkdtemp(join(tmpdir(), 'e2e-analyses-runner-temp-'))
  await write('run/S1_R1_001.fastq.gz', gzipSync(reads('S1', 20, 1)))
  await write('run/S1_R2_001.fastq.gz', gzipSync(reads('S1', 20, 2)))
  await write('run/solo.fastq', reads('SOLO', 12))
  await write('qc/good.fastq', reads('GOOD', 5))
  await write('qc/bad.fastq', reads('BAD', 6))
  await write('slow/quick.fastq', reads('QUICK', 4))
  await write('slow/stuck.fastq', reads('STUCK', 7))
  await write('old/old1.fastq', reads('OLD1', 3))
  await write('old/old2.fastq', reads('OLD2', 4))
  for (let i = 0; i < MANY; i++) await write(`many/m${pad(i)}.fastq`, reads(`M${i}`, 2))
  for (let i = 0; i < HUGE; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        write(`huge/h${pad(i + j)}.fastq`, `@h${i + j}\nACGTACGTAC\n+\nIIIIIIIIII\n`)
      )
    )
  }
}, 60_000)

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
  await rm(runnerTemp, { recursive: true, force: true })
})

async function withSandbox<T>(
  fn: (sandbox: Sandbox) => Promise<T>,
  options: SandboxOptions = {},
  rules: AnalysisRule[] = []
): Promise<T> {
  const sandbox = await startSandbox({
    apiKey: API_KEY,
    storage: 'builtin',
    analysis: { startDelayMs: 300, runTimeMs: 700, rules },
    ...options
  })
  try {
    return await fn(sandbox)
  } finally {
    await sandbox.close()
  }
}

function run(
  sandbox: Sandbox,
  inputs: Record<string, string>,
  env: Record<string, string> = POLL,
  onSpawn?: (child: ChildProcess) => void
): Promise<ActionRun> {
  return runAction({
    workspace,
    inputs: {
      'api-key': API_KEY,
      'api-url': sandbox.apiUrl,
      'wait-for-analysis': 'true',
      ...inputs
    },
    env: { ONECODEX_UPLOAD_RETRY_BASE_MS: '5', RUNNER_TEMP: runnerTemp, ...env },
    onSpawn
  })
}

const errorLines = (result: ActionRun): string[] =>
  result.stdout.split('\n').filter(line => line.startsWith('::error'))
const analysesOf = (result: ActionRun): AnalysisResult[] =>
  JSON.parse(result.outputs.analyses ?? 'null') as AnalysisResult[]
const idsOf = (result: ActionRun): string[] =>
  JSON.parse(result.outputs['sample-ids'] ?? 'null') as string[]
const recordOf = (result: ActionRun): ResultsRecord =>
  JSON.parse(readFileSync(result.outputs['results-file'], 'utf8')) as ResultsRecord
const utf16 = (text: string): number => Buffer.byteLength(text, 'utf16le')

/** What a reader of the sandbox's table for `filename` expects: species, most abundant first. */
function expectedTop(filename: string): TopSpecies[] {
  return resultsFor(filename)
    .table.filter(row => row.rank === 'species')
    .sort(
      (a, b) =>
        (b.abundance_w_children ?? -1) - (a.abundance_w_children ?? -1) ||
        b.readcount_w_children - a.readcount_w_children
    )
    .slice(0, 10)
    .map(row => ({
      tax_id: row.tax_id,
      name: row.name,
      abundance: row.abundance_w_children,
      readcount: row.readcount_w_children
    }))
}

const classificationOf = (sandbox: Sandbox, sampleId: string): string | undefined =>
  sandbox.classifications().find(c => c.sample_id === sampleId)?.classification_id

describe('wait-for-analysis: how the analyses end', () => {
  it('every analysis completes: the analyses output, the summary table, a line each', async () => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'run/*' })
      expect(result.exitCode).toBe(0)
      expect(errorLines(result)).toEqual([])
      const ids = idsOf(result)
      expect(ids).toHaveLength(2)
      const samples = JSON.parse(result.outputs.samples) as UploadedSample[]
      expect(samples.map(s => s.filename)).toEqual(['S1_R1_001.fastq.gz', 'solo.fastq'])
      // The exact shape, key by key, for the pair and the single file.
      expect(analysesOf(result)).toEqual([
        {
          sample_id: ids[0],
          path: 'run/S1_R1_001.fastq.gz',
          filename: 'S1_R1_001.fastq.gz',
          classification_id: classificationOf(sandbox, ids[0]),
          status: 'complete',
          error: null,
          n_reads: resultsFor('S1_R1_001.fastq.gz').n_reads,
          top: expectedTop('S1_R1_001.fastq.gz')
        },
        {
          sample_id: ids[1],
          path: 'run/solo.fastq',
          filename: 'solo.fastq',
          classification_id: classificationOf(sandbox, ids[1]),
          status: 'complete',
          error: null,
          n_reads: resultsFor('solo.fastq').n_reads,
          top: expectedTop('solo.fastq')
        }
      ])
      for (const entry of analysesOf(result)) expect(entry.classification_id).toMatch(/^\w+$/)
      expect(result.outputs.truncated).toBe('[]')
      expect(recordOf(result)).toMatchObject({ outcome: 'uploaded', analyses: analysesOf(result) })
      const top = expectedTop('S1_R1_001.fastq.gz')[0]
      expect(result.stdout).toContain(`S1_R1_001.fastq.gz: analysis complete — ${top.name} `)
      expect(result.stdout).toContain('All 2 analyses are complete.')
      // The upload tables, then the analyses: linked samples, species with bars.
      const summary = result.summary
      expect(summary.indexOf('### Confirmed (2)')).toBeLessThan(
        summary.indexOf('## One Codex analyses')
      )
      expect(summary).toMatch(/\*\*2 analyses: 2 complete \(waited \d+\.\d s\)\*\*/)
      expect(summary).toContain('### Complete (2)')
      expect(summary).toContain(`href="${sandbox.apiUrl}/sample/${ids[0]}"`)
      expect(summary).toContain(`<i>${top.name}</i>`)
      expect(summary).toMatch(/<code>█+[▏▎▍▌▋▊▉]?<\/code>/)
      expect(sandbox.requestCount('get_sample')).toBe(0)
      expect(sandbox.requestCount('classification_results')).toBe(2)
    })
  })

  it('one fails with its reason while the other completes: the step fails naming file, sample and reason', async () => {
    const reason = 'Too few reads could be classified (6 reads).'
    await withSandbox(
      async sandbox => {
        const result = await run(sandbox, { files: 'qc/*.fastq' })
        expect(result.exitCode).toBe(1)
        const ids = idsOf(result)
        const bad = sandbox.samples().find(s => s.filename === 'bad.fastq')!.sample_id
        expect(ids).toHaveLength(2)
        expect(ids).toContain(bad)
        expect(JSON.parse(result.outputs.samples)).toHaveLength(2)
        const analyses = analysesOf(result)
        expect(analyses.map(a => [a.filename, a.status, a.error])).toEqual([
          ['bad.fastq', 'failed', reason],
          ['good.fastq', 'complete', null]
        ])
        expect(analyses[0]).toMatchObject({
          sample_id: bad,
          classification_id: classificationOf(sandbox, bad),
          n_reads: null,
          top: []
        })
        expect(errorLines(result)).toEqual([
          `::error title=Analysis failed,file=qc/bad.fastq::bad.fastq (sample ${bad}): analysis failed: ${reason}`,
          '::error::All 2 samples were uploaded and confirmed. 1 of 2 analyses complete: 1 failed. See the list above, the job summary and the file named by the results-file output.'
        ])
        expect(result.stdout).toContain(
          `qc/bad.fastq: bad.fastq (sample ${bad}): analysis failed: ${reason}`
        )
        expect(recordOf(result).outcome).toBe('failed')
        // Failures first in the summary, with One Codex's reason.
        const summary = result.summary
        expect(summary).toContain('### Not complete (1)')
        expect(summary.indexOf('### Not complete (1)')).toBeLessThan(
          summary.indexOf('### Complete (1)')
        )
        expect(summary).toContain(`<td>${reason}</td>`)
      },
      {},
      [{ filename: 'bad.fastq', error: reason }]
    )
  })

  it('one never completes: timed out at analysis-timeout 2s, the step fails, the sample stays in sample-ids', async () => {
    await withSandbox(
      async sandbox => {
        const started = Date.now()
        const result = await run(sandbox, { files: 'slow/*.fastq', 'analysis-timeout': '2s' })
        expect(Date.now() - started).toBeLessThan(20_000)
        expect(result.exitCode).toBe(1)
        const stuck = sandbox.samples().find(s => s.filename === 'stuck.fastq')!.sample_id
        expect(idsOf(result)).toContain(stuck)
        expect(idsOf(result)).toHaveLength(2)
        const analyses = analysesOf(result)
        const limit = "One Codex's analysis did not finish within analysis-timeout (2 s)."
        expect(analyses.map(a => [a.filename, a.status, a.error])).toEqual([
          ['quick.fastq', 'complete', null],
          ['stuck.fastq', 'timed out', limit]
        ])
        expect(analyses[1].classification_id).toBe(classificationOf(sandbox, stuck))
        expect(errorLines(result)).toEqual([
          `::error title=Analysis timed out,file=slow/stuck.fastq::stuck.fastq (sample ${stuck}): analysis timed out: ${limit}`,
          '::error::All 2 samples were uploaded and confirmed. 1 of 2 analyses complete: 1 timed out. See the list above, the job summary and the file named by the results-file output.'
        ])
        expect(result.summary).toContain('⏱️ timed out')
      },
      {},
      [{ filename: 'stuck.fastq', runTimeMs: null }]
    )
  })

  it('401 while waiting: one error naming api-key, every entry kept', async () => {
    await withSandbox(async sandbox => {
      sandbox.faults.add('list_samples', {
        kind: 'status',
        status: 401,
        body: JSON.stringify({ message: 'API key revoked.' })
      })
      const result = await run(sandbox, { files: 'run/*' })
      expect(result.exitCode).toBe(1)
      expect(idsOf(result)).toHaveLength(2)
      const cause =
        'One Codex did not accept the API key (HTTP 401: API key revoked.): check the api-key input; a wrong, revoked or mistyped key is the likely cause.'
      expect(analysesOf(result).map(a => [a.status, a.error])).toEqual([
        ['failed', `Stopped waiting for the analysis: ${cause}`],
        ['failed', `Stopped waiting for the analysis: ${cause}`]
      ])
      expect(errorLines(result)).toEqual([
        `::error title=Analysis wait stopped::${cause}`,
        '::error::All 2 samples were uploaded and confirmed. 0 of 2 analyses complete: 2 failed. See the list above, the job summary and the file named by the results-file output.'
      ])
      expect(result.summary).toContain(`> **Stopped:** ${cause}`)
      expect(sandbox.requestCount('list_samples')).toBe(1)
      expect(sandbox.requestCount('list_classifications')).toBe(0)
    })
  })
})

describe('wait-for-analysis: many samples, existing ones, limits', () => {
  it(`${MANY} samples are awaited together: a few listing requests per round, each result read once`, async () => {
    await withSandbox(
      async sandbox => {
        const result = await run(sandbox, { files: 'many/*.fastq', concurrency: '8' })
        expect(result.exitCode).toBe(0)
        const analyses = analysesOf(result)
        expect(analyses).toHaveLength(MANY)
        expect(analyses.every(a => a.status === 'complete')).toBe(true)
        const listings =
          sandbox.requestCount('list_samples') + sandbox.requestCount('list_classifications')
        // One look asks about every waiting sample in one request per listing: a handful of
        // rounds, never a request per sample per round (that would be ≥ 30 a round).
        expect(listings).toBeLessThanOrEqual(24)
        const first = sandbox.requests.find(r => r.route === 'list_samples')!
        const where = new URL(first.url, sandbox.apiUrl).searchParams.get('where') as string
        expect((JSON.parse(where) as { $uri: { $in: string[] } }).$uri.$in).toHaveLength(MANY)
        const results = sandbox.requests.filter(r => r.route === 'classification_results')
        expect(results).toHaveLength(MANY)
        expect(new Set(results.map(r => r.url)).size).toBe(MANY)
        expect(
          sandbox.requestCount('get_sample') + sandbox.requestCount('get_classification')
        ).toBe(0)
        console.log(`${MANY} samples awaited with ${listings} listing requests`)
      },
      { pageSize: 1000 }
    )
  })

  it('samples found by skip-existing come back at once (no 5 s first look)', async () => {
    await withSandbox(async sandbox => {
      for (const name of ['old1.fastq', 'old2.fastq'])
        sandbox.seed({ filename: name, size: sizes.get(`old/${name}`)! })
      // The wait's own schedule: a fresh upload would get its first look after 5 s.
      const result = await run(sandbox, { files: 'old/*.fastq', 'skip-existing': 'true' }, {})
      expect(result.exitCode).toBe(0)
      expect(sandbox.requestCount('init_upload')).toBe(0)
      const samples = JSON.parse(result.outputs.samples) as UploadedSample[]
      expect(samples.map(s => s.existing)).toEqual([true, true])
      expect(analysesOf(result).map(a => [a.sample_id, a.status])).toEqual(
        samples.map(s => [s.sample_id, 'complete'])
      )
      const waited = /\(waited (\d+\.\d) s\)/.exec(result.summary)
      expect(Number(waited?.[1])).toBeLessThan(2)
      expect(result.stdout).toContain('(2 found by skip-existing: looked at once)')
    })
  })

  it(`${HUGE} analyses beyond GitHub's output limit: the output keeps the first, truncated names analyses, the results file holds all`, async () => {
    await withSandbox(
      async sandbox => {
        const result = await run(sandbox, {
          files: 'huge/*.fastq',
          paired: 'false',
          concurrency: '16'
        })
        expect(result.exitCode).toBe(0)
        expect(JSON.parse(result.outputs.truncated)).toEqual(['analyses'])
        const record = recordOf(result)
        expect(record.analyses).toHaveLength(HUGE)
        const kept = analysesOf(result)
        expect(kept.length).toBeGreaterThan(0)
        expect(kept.length).toBeLessThan(HUGE)
        expect(kept).toEqual(record.analyses!.slice(0, kept.length))
        expect((record.analyses as AnalysisResult[]).every(a => a.top.length === 10)).toBe(true)
        expect(idsOf(result)).toHaveLength(HUGE)
        let total = 0
        for (const value of Object.values(result.outputs)) total += utf16(value)
        expect(total).toBeLessThan(1_000_000)
        expect(Buffer.byteLength(result.summary, 'utf8')).toBeLessThan(1024 * 1024)
        expect(result.summary).toContain('## One Codex analyses')
        expect(result.stdout).toMatch(/Outputs cut .*: analyses holds the first [\d,]+ of 500/)
      },
      { pageSize: 1000 },
      [{ filename: 'h*.fastq', species: 24 }]
    )
  }, 120_000)
})

describe('wait-for-analysis: cancellation, bad input, dry run', () => {
  it('SIGTERM during the wait: exit within 10 s, outputs written, the analyses cancelled', async () => {
    await withSandbox(
      async sandbox => {
        let child: ChildProcess | undefined
        let closedAt: number | undefined
        const finished = run(sandbox, { files: 'run/*', 'analysis-timeout': '30m' }, POLL, c => {
          child = c
          c.on('close', () => (closedAt = Date.now()))
        })
        const deadline = Date.now() + 30_000
        while (sandbox.requestCount('list_classifications') < 2 && Date.now() < deadline) {
          await new Promise(resolve => setTimeout(resolve, 20))
        }
        expect(sandbox.requestCount('list_classifications')).toBeGreaterThanOrEqual(2)
        const signalledAt = Date.now()
        child!.kill('SIGTERM')
        const result = await finished
        expect(closedAt! - signalledAt).toBeLessThan(10_000)
        console.log(`exited ${closedAt! - signalledAt} ms after SIGTERM during the wait`)
        expect(result.exitCode).not.toBe(0)
        expect(idsOf(result)).toHaveLength(2)
        expect(JSON.parse(result.outputs.samples)).toHaveLength(2)
        expect(analysesOf(result).map(a => [a.status, a.error])).toEqual([
          ['cancelled', "The job was cancelled while One Codex's analysis was running."],
          ['cancelled', "The job was cancelled while One Codex's analysis was running."]
        ])
        expect(errorLines(result).at(-1)).toBe(
          '::error::The job was cancelled. All 2 samples were uploaded and confirmed. 0 of 2 analyses complete: 2 cancelled. See the list above, the job summary and the file named by the results-file output.'
        )
        expect(result.summary).toContain('⛔ cancelled')
      },
      {},
      [{ filename: '*', runTimeMs: null }]
    )
  })

  it.each<[string, Record<string, string>, string]>([
    [
      'over 6 h',
      { 'analysis-timeout': '7h' },
      `::error::Input analysis-timeout is "7h": it may be at most 6 h (a job's time limit on GitHub-hosted runners).`
    ],
    [
      'not a duration, in a dry run',
      { 'analysis-timeout': 'an hour', 'dry-run': 'true' },
      '::error::Input analysis-timeout is "an hour": it must be a duration such as 90s, 45m or 2h, or a number of minutes.'
    ]
  ])('an analysis-timeout %s is refused with zero requests', async (_label, inputs, error) => {
    await withSandbox(async sandbox => {
      const result = await run(sandbox, { files: 'run/*', ...inputs })
      expect(result.exitCode).toBe(1)
      expect(sandbox.requests).toEqual([])
      expect(errorLines(result)[0]).toBe(error)
      expect(result.outputs['sample-ids']).toBe('[]')
    })
  })

  it('a dry run says what it would wait for and awaits nothing: no classification request', async () => {
    await withSandbox(async sandbox => {
      sandbox.seed({ filename: 'solo.fastq', size: sizes.get('run/solo.fastq')! })
      const result = await run(sandbox, {
        files: 'run/*',
        'dry-run': 'true',
        'skip-existing': 'true'
      })
      expect(result.exitCode).toBe(0)
      const line =
        "With wait-for-analysis, the run would wait up to 1 h for One Codex's analyses of 2 samples; nothing was awaited."
      expect(result.stdout).toContain(line)
      expect(result.summary).toContain(line)
      // The skip-existing preview's listing only.
      expect(new Set(sandbox.requests.map(r => r.route))).toEqual(new Set(['list_samples']))
      expect(result.outputs.analyses).toBeUndefined()
    })
  })
})
