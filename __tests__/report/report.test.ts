import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { parseOutputFile } from '../../sandbox/runner.js'
import {
  reportDryRun,
  reportNothingToUpload,
  reportProblems,
  reportResults,
  reportWarnings,
  tallyLine
} from '../../src/report/report.js'
import type { ResultsRecord } from '../../src/report/results-file.js'
import type { FailedSample, Sample, Source, UploadedSample } from '../../src/shared/types.js'
import type { SampleOutcome, UploadResults } from '../../src/upload/uploader.js'
import { captureStdout, sourceAt, tempWorkspace } from '../helpers/fixtures.js'

let ws: ReturnType<typeof tempWorkspace>
let outputFile: string
let summaryFile: string
let runnerTemp: string
const saved = { ...process.env }

// One directory for the whole file: core.summary remembers the summary path it first used.
beforeAll(() => {
  ws = tempWorkspace('ocu-report-')
})
afterAll(() => ws.remove())
beforeEach(() => {
  outputFile = ws.write('github_output', '')
  summaryFile = ws.write('step_summary', '')
  runnerTemp = path.join(ws.dir, `runner_temp_${Math.random().toString(36).slice(2)}`)
  process.env.GITHUB_OUTPUT = outputFile
  process.env.GITHUB_STEP_SUMMARY = summaryFile
  process.env.RUNNER_TEMP = runnerTemp
})
afterEach(() => {
  process.env = { ...saved }
  process.exitCode = 0
})

/** The outputs written to the GITHUB_OUTPUT file, name → value. */
const outputs = (): Record<string, string> => parseOutputFile(readFileSync(outputFile, 'utf8'))
const resultsFile = (): ResultsRecord =>
  JSON.parse(readFileSync(outputs()['results-file'], 'utf8')) as ResultsRecord
const errorLines = (stdout: string): string[] =>
  stdout.split('\n').filter(line => line.startsWith('::error'))

// The workspace the sample paths lie in (report only computes paths; nothing is read).
const WORKSPACE = path.resolve('/github/workspace')
const SETTINGS = { workspace: WORKSPACE, apiUrl: 'https://app.onecodex.com' }

const file = (name: string, size: number): Source =>
  sourceAt(path.join(WORKSPACE, 'reads', name), size, 'gzip')

const pair: Sample = { file: file('s1_R1.fq.gz', 1000), mate: file('s1_R2.fq.gz', 2000) }
const single: Sample = { file: file('s2.fq.gz', 500) }
const broken: Sample = { file: file('s3<b>.fq.gz', 10) }

const confirmedPair: UploadedSample = {
  sample_id: 'aaaa000000000001',
  path: pair.file.path,
  filename: 's1_R1.fq.gz',
  size: 1000,
  sha256: 'a'.repeat(64),
  paired_end_path: pair.mate!.path,
  paired_end_filename: 's1_R2.fq.gz',
  paired_end_size: 2000,
  paired_end_sha256: 'b'.repeat(64)
}
const confirmedSingle: UploadedSample = {
  sample_id: 'aaaa000000000002',
  path: single.file.path,
  filename: 's2.fq.gz',
  size: 500,
  sha256: 'c'.repeat(64)
}

const ok = (sample: UploadedSample, durationMs = 10): SampleOutcome => ({
  ok: true,
  sample,
  durationMs
})
const fail = (failure: FailedSample, extra: { accountLevel?: boolean } = {}): SampleOutcome => ({
  ok: false,
  failure,
  durationMs: 20,
  ...extra
})

describe('reportResults', () => {
  it('sets the outputs in plan order with workspace-relative paths, a results file and a linked summary', async () => {
    const results: UploadResults = { outcomes: [ok(confirmedPair, 1500), ok(confirmedSingle, 800)] }
    const stdout = await captureStdout(() => reportResults([pair, single], results, SETTINGS))
    const relativePair = {
      ...confirmedPair,
      path: 'reads/s1_R1.fq.gz',
      paired_end_path: 'reads/s1_R2.fq.gz'
    }
    const relativeSingle = { ...confirmedSingle, path: 'reads/s2.fq.gz' }
    expect(outputs()).toEqual({
      'sample-ids': JSON.stringify(['aaaa000000000001', 'aaaa000000000002']),
      samples: JSON.stringify([relativePair, relativeSingle]),
      failed: '[]',
      'results-file': expect.stringMatching(/onecodex-upload-[0-9a-f]+\.json$/),
      truncated: '[]'
    })
    expect(path.dirname(outputs()['results-file'])).toBe(path.resolve(runnerTemp))
    expect(resultsFile()).toMatchObject({
      version: 1,
      outcome: 'uploaded',
      api_url: 'https://app.onecodex.com',
      totals: { samples: 2, confirmed: 2, failed: 0, not_attempted: 0 },
      sample_ids: ['aaaa000000000001', 'aaaa000000000002'],
      samples: [relativePair, relativeSingle],
      failed: []
    })
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary).toContain('2 of 2 samples confirmed.')
    expect(summary).toContain(
      '<th>File(s)</th><th>Size</th><th>Sample ID</th><th>Status</th><th>Time</th>'
    )
    expect(summary).toContain(
      '<td>s1_R1.fq.gz<br>s1_R2.fq.gz</td><td>3.0 kB</td><td><a href="https://app.onecodex.com/sample/aaaa000000000001"><code>aaaa000000000001</code></a></td><td>✅ confirmed</td><td>1.5 s</td>'
    )
    expect(stdout).toContain('All 2 samples were uploaded and confirmed.')
    expect(errorLines(stdout)).toEqual([])
    expect(process.exitCode ?? 0).toBe(0)
  })

  it('links sample IDs on the host of api-url', async () => {
    await captureStdout(() =>
      reportResults(
        [single],
        { outcomes: [ok(confirmedSingle)] },
        {
          workspace: WORKSPACE,
          apiUrl: 'http://127.0.0.1:8123/'
        }
      )
    )
    expect(readFileSync(summaryFile, 'utf8')).toContain(
      'href="http://127.0.0.1:8123/sample/aaaa000000000002"'
    )
  })

  it('tells each failure once as an annotation and once in the tally; the failure line only counts', async () => {
    const error = 'init_upload for s3<b>.fq.gz failed with HTTP 400 (Bad <name>).'
    const results: UploadResults = {
      outcomes: [ok(confirmedSingle), fail({ path: broken.file.path, error })]
    }
    const stdout = await captureStdout(() => reportResults([single, broken], results, SETTINGS))
    expect(JSON.parse(outputs().failed)).toEqual([
      { path: 'reads/s3<b>.fq.gz', error, status: 'failed' }
    ])
    expect(JSON.parse(outputs()['sample-ids'])).toEqual(['aaaa000000000002'])
    expect(errorLines(stdout)).toEqual([
      `::error title=Upload failed,file=reads/s3<b>.fq.gz::${error}`,
      '::error::1 of 2 samples were uploaded and confirmed: 1 failed. See the list above, the job summary and the file named by the results-file output.'
    ])
    // Once more, plainly, in the tally at the end.
    expect(stdout.split(error)).toHaveLength(3)
    expect(stdout).toContain(`  reads/s3<b>.fq.gz: ${error}`)
    expect(process.exitCode).toBe(1)
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary).toContain('1 of 2 samples confirmed. 1 failed.')
    expect(summary).toContain(
      'init_upload for s3&lt;b&gt;.fq.gz failed with HTTP 400 (Bad &lt;name&gt;).'
    )
    expect(summary).not.toContain('<b>')
    // Failures come before successes.
    expect(summary.indexOf('Not uploaded (1)')).toBeLessThan(summary.indexOf('Confirmed (1)'))
  })

  it('says an account-level stop once, counts the samples not attempted, and annotates no sample for it', async () => {
    const stopped = {
      input: 'api-key' as const,
      message: 'One Codex did not accept the API key (HTTP 401): check the api-key input.'
    }
    const samples = [single, broken, pair]
    const results: UploadResults = {
      stopped,
      outcomes: [
        fail(
          { path: single.file.path, error: 'init_upload for s2.fq.gz failed with HTTP 401.' },
          { accountLevel: true }
        ),
        fail({
          path: broken.file.path,
          error: 'not attempted: the run stopped; check the api-key input.',
          status: 'not attempted'
        }),
        fail({
          path: pair.file.path,
          paired_end_path: pair.mate!.path,
          error: 'not attempted: the run stopped; check the api-key input.',
          status: 'not attempted'
        })
      ]
    }
    const stdout = await captureStdout(() => reportResults(samples, results, SETTINGS))
    const errors = errorLines(stdout)
    expect(errors.filter(line => line.includes('api-key'))).toEqual([
      `::error title=Upload stopped::${stopped.message}`
    ])
    expect(errors).toHaveLength(2)
    expect(errors[1]).toBe(
      '::error::None of the 3 samples was uploaded: 1 failed, 2 not attempted. See the list above, the job summary and the file named by the results-file output.'
    )
    expect(stdout).toContain(
      '2 samples were not attempted (the run stopped at the account-level failure above)'
    )
    const failed = JSON.parse(outputs().failed) as FailedSample[]
    expect(failed.map(f => [f.path, f.status])).toEqual([
      ['reads/s2.fq.gz', 'failed'],
      ['reads/s3<b>.fq.gz', 'not attempted'],
      ['reads/s1_R1.fq.gz', 'not attempted']
    ])
    expect(failed[2].paired_end_path).toBe('reads/s1_R2.fq.gz')
    expect(resultsFile()).toMatchObject({
      outcome: 'failed',
      stopped,
      totals: { samples: 3, confirmed: 0, failed: 1, not_attempted: 2 }
    })
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary).toContain('> **Stopped:** One Codex did not accept the API key')
    expect(summary).toContain('0 of 3 samples confirmed. 1 failed, 2 not attempted.')
  })

  it('caps the error annotations at 9 (the failure line is the 10th), listing every failure in the tally', async () => {
    const samples = Array.from({ length: 25 }, (_, i) => ({ file: file(`f${i}.fq.gz`, 10) }))
    const results: UploadResults = {
      outcomes: samples.map((s, i) =>
        fail({ path: s.file.path, error: `f${i}.fq.gz: storage upload failed with HTTP 403.` })
      )
    }
    const stdout = await captureStdout(() => reportResults(samples, results, SETTINGS))
    const errors = errorLines(stdout)
    expect(errors).toHaveLength(10)
    expect(
      errors.slice(0, 8).every(line => line.startsWith('::error title=Upload failed,file='))
    ).toBe(true)
    expect(errors[8]).toBe(
      '::error::… and 17 more failed samples: each is listed at the end of the log, in the job summary and the file named by the results-file output.'
    )
    for (let i = 0; i < 25; i++)
      expect(stdout).toContain(
        `  reads/f${i}.fq.gz: f${i}.fq.gz: storage upload failed with HTTP 403.`
      )
  })

  it('uses the singular for one sample', () => {
    const base = { existing: 0, cancelled: 0, not_attempted: 0, refused: 0 }
    expect(tallyLine({ ...base, samples: 1, confirmed: 0, failed: 1 })).toBe(
      'The sample was not uploaded: 1 failed.'
    )
    expect(tallyLine({ ...base, samples: 1, confirmed: 1, failed: 0 })).toBe(
      'The sample was uploaded and confirmed.'
    )
    expect(tallyLine({ ...base, samples: 3, confirmed: 2, failed: 1 })).toBe(
      '2 of 3 samples were uploaded and confirmed: 1 failed.'
    )
  })

  it('writes no summary when GITHUB_STEP_SUMMARY is unset, and still the outputs and results file', async () => {
    delete process.env.GITHUB_STEP_SUMMARY
    writeFileSync(summaryFile, '')
    await captureStdout(() =>
      reportResults([single], { outcomes: [ok(confirmedSingle)] }, SETTINGS)
    )
    expect(readFileSync(summaryFile, 'utf8')).toBe('')
    expect(JSON.parse(outputs().samples)).toHaveLength(1)
    expect(resultsFile().sample_ids).toEqual(['aaaa000000000002'])
  })

  it('falls back to the OS temp dir without RUNNER_TEMP', async () => {
    delete process.env.RUNNER_TEMP
    await captureStdout(() =>
      reportResults([single], { outcomes: [ok(confirmedSingle)] }, SETTINGS)
    )
    expect(statSync(outputs()['results-file']).isFile()).toBe(true)
  })

  it('keeps 5,000 samples within every limit: outputs under 1 MB together, summary under 1 MiB, all in the results file', async () => {
    const samples: Sample[] = []
    const outcomes: SampleOutcome[] = []
    for (let i = 0; i < 5000; i++) {
      const sample = {
        file: file(`sample_${i}_R1_001.fastq.gz`, 1000 + i),
        mate: file(`sample_${i}_R2_001.fastq.gz`, 1000 + i)
      }
      samples.push(sample)
      const id = i.toString(16).padStart(16, '0')
      outcomes.push(
        i % 1000 === 7
          ? fail({
              path: sample.file.path,
              error: `init_upload for sample_${i} failed with HTTP 403.`
            })
          : ok({
              sample_id: id,
              path: sample.file.path,
              filename: sample.file.filename,
              size: sample.file.size,
              sha256: 'd'.repeat(64),
              paired_end_path: sample.mate.path,
              paired_end_filename: sample.mate.filename,
              paired_end_size: sample.mate.size,
              paired_end_sha256: 'e'.repeat(64)
            })
      )
    }
    await captureStdout(() => reportResults(samples, { outcomes }, SETTINGS))
    const out = outputs()
    const utf16 = (text: string): number => Buffer.byteLength(text, 'utf16le')
    const lists = ['sample-ids', 'samples', 'failed']
    expect(lists.reduce((sum, name) => sum + utf16(out[name]), 0)).toBeLessThan(1_000_000)
    expect(JSON.parse(out['sample-ids'])).toHaveLength(4995)
    expect(JSON.parse(out.failed)).toHaveLength(5)
    const kept = JSON.parse(out.samples) as UploadedSample[]
    expect(kept.length).toBeGreaterThan(500)
    expect(kept.length).toBeLessThan(4995)
    expect(kept[0].sample_id).toBe('0000000000000000')
    expect(JSON.parse(out.truncated)).toEqual(['samples'])
    const record = resultsFile()
    expect(record.samples).toHaveLength(4995)
    expect(record.failed).toHaveLength(5)
    const summary = readFileSync(summaryFile, 'utf8')
    expect(Buffer.byteLength(summary)).toBeLessThan(1024 * 1024)
    // Every failure made it into the summary before the successes were cut.
    for (const failure of record.failed) expect(summary).toContain(failure.error)
    expect(summary).toMatch(
      /… and [\d,]+ more confirmed samples: the complete list is in the file named by the `results-file` output\./
    )
  })

  it('leaves room for what an earlier write put in the summary file', async () => {
    writeFileSync(summaryFile, 'x'.repeat(900_000))
    const samples = Array.from({ length: 2000 }, (_, i) => ({ file: file(`s${i}.fq.gz`, 10) }))
    const outcomes = samples.map((s, i) =>
      ok({
        sample_id: `id${i}`,
        path: s.file.path,
        filename: s.file.filename,
        size: 10,
        sha256: 'f'
      })
    )
    await captureStdout(() => reportResults(samples, { outcomes }, SETTINGS))
    expect(statSync(summaryFile).size).toBeLessThan(1024 * 1024)
  })
})

describe('reportProblems', () => {
  it('fills failed with each refused file and its rule, the summary, and one annotation per problem', async () => {
    const problems = [
      { message: 'Input concurrency is "0": it must be a whole number from 1 to 16.' },
      {
        file: 'extra/François.fq',
        message:
          'extra/François.fq: filename "François.fq" contains characters that are not allowed.'
      },
      { file: 'extra/empty.fq', message: 'extra/empty.fq: the file is empty (0 bytes).' },
      {
        file: 'extra/empty.fq',
        message: 'extra/empty.fq: the content is empty.'
      }
    ]
    const held = { file: { ...file('ok.fq.gz', 5), path: path.join(WORKSPACE, 'in', 'ok.fq.gz') } }
    const stdout = await captureStdout(() =>
      reportProblems(problems, SETTINGS, { samples: [], problems, warnings: [], heldBack: [held] })
    )
    expect(JSON.parse(outputs().failed)).toEqual([
      {
        path: 'extra/François.fq',
        status: 'refused',
        error: problems[1].message,
        rule: 'filename "François.fq" contains characters that are not allowed.'
      },
      {
        path: 'extra/empty.fq',
        status: 'refused',
        error: `${problems[2].message} ${problems[3].message}`,
        rule: 'the file is empty (0 bytes). the content is empty.'
      },
      {
        path: 'in/ok.fq.gz',
        status: 'not attempted',
        error: 'not attempted: other files or inputs broke a rule, so nothing was sent.'
      }
    ])
    expect(outputs()['sample-ids']).toBe('[]')
    expect(errorLines(stdout)).toEqual([
      '::error::Input concurrency is "0": it must be a whole number from 1 to 16.',
      `::error file=extra/François.fq::${problems[1].message}`,
      `::error file=extra/empty.fq::${problems[2].message}`,
      `::error file=extra/empty.fq::${problems[3].message}`,
      '::error::4 problems found before upload; nothing was sent.'
    ])
    expect(process.exitCode).toBe(1)
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary).toContain(
      'Nothing was sent: 4 problems found before upload. 2 files refused, 1 sample held back.'
    )
    expect(summary).toContain('<td>extra/François.fq</td>')
    expect(resultsFile()).toMatchObject({
      outcome: 'refused',
      totals: { refused: 2, not_attempted: 1 }
    })
    expect(resultsFile().problems).toHaveLength(4)
  })

  it('refuses every file a problem of several files names, once, and lists held-back files as not attempted', async () => {
    const clash = {
      file: 'a/S1_L001.fq.gz',
      files: ['a/S1_L001.fq.gz', 'a/S1_L002.fq.gz', 'b/S1.fq.gz'],
      message:
        '2 uploads would share the filename "S1.fq.gz": a/S1_L001.fq.gz + a/S1_L002.fq.gz; b/S1.fq.gz.'
    }
    const bad = { file: 'p/x_R2.fq', message: 'p/x_R2.fq: the content starts with "nope".' }
    const problems = [clash, bad]
    const stdout = await captureStdout(() =>
      reportProblems(problems, SETTINGS, {
        samples: [],
        problems,
        warnings: [],
        heldBackFiles: ['p/x_R1.fq']
      })
    )
    const why = 'not attempted: other files or inputs broke a rule, so nothing was sent.'
    expect(JSON.parse(outputs().failed)).toEqual([
      ...clash.files.map(path => ({
        path,
        status: 'refused',
        error: clash.message,
        rule: clash.message
      })),
      {
        path: 'p/x_R2.fq',
        status: 'refused',
        error: bad.message,
        rule: 'the content starts with "nope".'
      },
      { path: 'p/x_R1.fq', status: 'not attempted', error: why }
    ])
    // Each problem is still one annotation, however many files it refuses.
    expect(errorLines(stdout)).toEqual([
      `::error file=a/S1_L001.fq.gz::${clash.message}`,
      `::error file=p/x_R2.fq::${bad.message}`,
      '::error::2 problems found before upload; nothing was sent.'
    ])
    expect(readFileSync(summaryFile, 'utf8')).toContain(
      'Nothing was sent: 2 problems found before upload. 4 files refused, 1 file held back.'
    )
    expect(resultsFile()).toMatchObject({ totals: { refused: 4, not_attempted: 1 } })
  })

  it('caps 40 problems at 9 annotations plus the failure line, and lists all of them in the log', async () => {
    const problems = Array.from({ length: 40 }, (_, i) => ({
      file: `bad/x${i}.txt`,
      message: `bad/x${i}.txt: does not end in an accepted extension.`
    }))
    const stdout = await captureStdout(() => reportProblems(problems, SETTINGS))
    const errors = errorLines(stdout)
    expect(errors).toHaveLength(10)
    expect(errors[8]).toMatch(/^::error::… and 32 more problems/)
    for (const p of problems) expect(stdout).toContain(`  ${p.message}`)
    expect(JSON.parse(outputs().failed)).toHaveLength(40)
  })
})

describe('reportDryRun and reportNothingToUpload', () => {
  it('a dry run: empty upload outputs, the plan in the summary and the results file', async () => {
    await captureStdout(() =>
      reportDryRun(
        { samples: [{ ...pair, route: 'standard' }, single], problems: [], warnings: [] },
        SETTINGS
      )
    )
    expect(outputs()).toMatchObject({
      'sample-ids': '[]',
      samples: '[]',
      failed: '[]',
      truncated: '[]'
    })
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary).toContain('One Codex upload (dry run)')
    expect(summary).toContain(
      'Dry run: 2 samples (3 files, 3.5 kB (3,500 bytes)) would be uploaded to https://app.onecodex.com; nothing was sent.'
    )
    expect(summary).toContain(
      '<td>s1_R1.fq.gz<br>s1_R2.fq.gz</td><td>3.0 kB</td><td>paired-end</td><td>standard</td>'
    )
    expect(resultsFile()).toMatchObject({
      outcome: 'dry-run',
      planned: [
        {
          path: 'reads/s1_R1.fq.gz',
          paired_end_path: 'reads/s1_R2.fq.gz',
          size: 1000,
          route: 'standard'
        },
        { path: 'reads/s2.fq.gz', size: 500, route: 'standard' }
      ]
    })
  })

  it('a dry run whose plan output is cut keeps the whole plan in the results file', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({
      name: `s${i}.fq`,
      note: 'x'.repeat(400)
    }))
    await captureStdout(() =>
      reportDryRun({ samples: [single], problems: [], warnings: [] }, SETTINGS, [
        { name: 'plan', items }
      ])
    )
    const cut = JSON.parse(outputs().plan) as unknown[]
    expect(cut.length).toBeLessThan(items.length)
    expect(JSON.parse(outputs().truncated)).toEqual(['plan'])
    expect(resultsFile()).toMatchObject({ outcome: 'dry-run', plan: items })
  })

  it('nothing matched: empty outputs, a one-line summary, a results file', async () => {
    await captureStdout(() => reportNothingToUpload(SETTINGS))
    expect(outputs()).toMatchObject({ 'sample-ids': '[]', samples: '[]', failed: '[]' })
    expect(readFileSync(summaryFile, 'utf8')).toContain('nothing was uploaded')
    expect(resultsFile().outcome).toBe('nothing to upload')
  })
})

describe('reportWarnings', () => {
  it('shows at most 10 warning annotations and prints the rest plainly', async () => {
    const warnings = Array.from({ length: 14 }, (_, i) => ({
      file: `w${i}_1.fq`,
      message: `w${i}_1.fq: lone mate.`
    }))
    const stdout = await captureStdout(() => reportWarnings(warnings))
    const lines = stdout.split('\n').filter(l => l.startsWith('::warning'))
    expect(lines).toHaveLength(10)
    expect(lines[9]).toBe('::warning::… and 5 more warnings, listed below and in the results file.')
    for (let i = 9; i < 14; i++) expect(stdout).toContain(`Warning: w${i}_1.fq: lone mate.`)
  })
})
