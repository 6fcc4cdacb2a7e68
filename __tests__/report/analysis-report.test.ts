// The analyses in an upload's report (src/report/analysis-report.ts through reportResults): the
// analyses output and results file, the summary section after the upload tables within one
// budget, annotations within the step's cap, the log's list and the step's last line.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import type { AnalysisResult } from '../../src/analysis/types.js'
import type { AnalysisStage } from '../../src/analysis/wait-stage.js'
import { SUMMARY_BUDGET_BYTES } from '../../src/report/summary-budget.js'
import { reportResults } from '../../src/report/upload-report.js'
import type { Sample, UploadedSample } from '../../src/shared/types.js'
import type { UploadResults } from '../../src/upload/uploader.js'
import { captureStdout } from '../helpers/fixtures.js'
import {
  confirmedPair,
  confirmedSingle,
  errorLines,
  fail,
  file,
  ok,
  pair,
  SETTINGS,
  single,
  useReportRunner,
  WORKSPACE
} from '../helpers/report.js'

const runner = useReportRunner()
const { outputs, resultsFile } = runner

const TOP = [
  { tax_id: '562', name: 'Escherichia coli', abundance: 0.523, readcount: 52_300 },
  { tax_id: '817', name: 'Bacteroides fragilis', abundance: 0.11, readcount: 11_000 }
]

function analysis(
  sample: UploadedSample,
  status: AnalysisResult['status'] = 'complete',
  error: string | null = null
): AnalysisResult {
  return {
    sample_id: sample.sample_id,
    path: path.relative(WORKSPACE, sample.path),
    filename: sample.filename,
    classification_id: `c${sample.sample_id.slice(1)}`,
    status,
    error,
    n_reads: status === 'complete' ? 100_000 : null,
    top: status === 'complete' ? TOP : []
  }
}

const stage = (analyses: AnalysisResult[], extra: Partial<AnalysisStage> = {}): AnalysisStage => ({
  analyses,
  waitedMs: 61_000,
  timeoutMs: 3_600_000,
  ...extra
})

const both: UploadResults = { outcomes: [ok(confirmedPair), ok(confirmedSingle)] }

describe('reportResults with analyses', () => {
  it('every analysis complete: the analyses output and file, the section after the uploads, the step succeeds', async () => {
    const analyses = [analysis(confirmedPair), analysis(confirmedSingle)]
    const stdout = await captureStdout(() =>
      reportResults([pair, single], both, SETTINGS, [], stage(analyses))
    )
    expect(JSON.parse(outputs().analyses)).toEqual(analyses)
    expect(outputs().truncated).toBe('[]')
    expect(resultsFile()).toMatchObject({ outcome: 'uploaded', analyses })
    const summary = readFileSync(runner.summaryFile, 'utf8')
    expect(summary.indexOf('### Confirmed (2)')).toBeLessThan(
      summary.indexOf('## One Codex analyses')
    )
    expect(summary).toContain('**2 analyses: 2 complete (waited 1 min 1 s)**')
    expect(summary).toContain('52 % <i>Escherichia coli</i>')
    expect(stdout).toContain('All 2 samples were uploaded and confirmed.')
    expect(stdout).toContain('All 2 analyses are complete.')
    expect(errorLines(stdout)).toEqual([])
    expect(process.exitCode ?? 0).toBe(0)
  })

  it('a failed and a timed-out analysis: an annotation each on its file, the list, the step fails', async () => {
    const analyses = [
      analysis(confirmedPair, 'failed', 'Not enough reads.'),
      analysis(
        confirmedSingle,
        'timed out',
        "One Codex's analysis did not finish within analysis-timeout (1 h)."
      )
    ]
    const stdout = await captureStdout(() =>
      reportResults([pair, single], both, SETTINGS, [], stage(analyses))
    )
    expect(errorLines(stdout)).toEqual([
      '::error title=Analysis failed,file=reads/s1_R1.fq.gz::s1_R1.fq.gz (sample aaaa000000000001): analysis failed: Not enough reads.',
      "::error title=Analysis timed out,file=reads/s2.fq.gz::s2.fq.gz (sample aaaa000000000002): analysis timed out: One Codex's analysis did not finish within analysis-timeout (1 h).",
      '::error::All 2 samples were uploaded and confirmed. 0 of 2 analyses complete: 1 failed, 1 timed out. See the list above, the job summary and the file named by the results-file output.'
    ])
    expect(stdout).toContain('Analyses not complete (2):')
    expect(stdout).toContain(
      '  reads/s1_R1.fq.gz: s1_R1.fq.gz (sample aaaa000000000001): analysis failed: Not enough reads.'
    )
    expect(resultsFile().outcome).toBe('failed')
    // The upload outputs are set all the same.
    expect(JSON.parse(outputs()['sample-ids'])).toEqual(['aaaa000000000001', 'aaaa000000000002'])
    expect(process.exitCode).toBe(1)
  })

  it('upload failures and 12 failed analyses share the cap of 10 error annotations', async () => {
    const samples: Sample[] = []
    const outcomes: UploadResults['outcomes'][number][] = []
    const analyses: AnalysisResult[] = []
    for (let i = 0; i < 15; i++) {
      const name = `m${String(i).padStart(2, '0')}.fq`
      const sample: Sample = { file: file(name, 10) }
      samples.push(sample)
      if (i < 3) {
        outcomes.push(fail({ path: sample.file.path, error: `${name} broke` }))
        continue
      }
      const up: UploadedSample = {
        sample_id: `bbbb0000000000${String(i).padStart(2, '0')}`,
        path: sample.file.path,
        filename: name,
        size: 10
      }
      outcomes.push(ok(up))
      analyses.push(analysis(up, 'failed', 'Not enough reads.'))
    }
    const stdout = await captureStdout(() =>
      reportResults(samples, { outcomes }, SETTINGS, [], stage(analyses))
    )
    const errors = errorLines(stdout)
    expect(errors).toHaveLength(10)
    expect(errors.slice(0, 3).every(e => e.includes('title=Upload failed'))).toBe(true)
    expect(errors.slice(3, 8).every(e => e.includes('title=Analysis failed'))).toBe(true)
    expect(errors[8]).toBe(
      '::error::… and 7 more failures: each is listed at the end of the log, in the job summary and the file named by the results-file output.'
    )
    expect(errors[9]).toMatch(
      /^::error::12 of 15 samples were uploaded and confirmed: 3 failed\. 0 of 12 analyses complete: 12 failed\. See/
    )
  })

  it('an account-level stop of the wait is said once; the entries it cut short are not annotated', async () => {
    const cause = {
      input: 'api-key',
      message: 'One Codex did not accept the API key (HTTP 401): check the api-key input.'
    }
    const cut = `Stopped waiting for the analysis: ${cause.message}`
    const analyses = [analysis(confirmedPair), analysis(confirmedSingle, 'failed', cut)]
    const stdout = await captureStdout(() =>
      reportResults([pair, single], both, SETTINGS, [], stage(analyses, { stopped: cause }))
    )
    expect(errorLines(stdout)).toEqual([
      `::error title=Analysis wait stopped::${cause.message}`,
      '::error::All 2 samples were uploaded and confirmed. 1 of 2 analyses complete: 1 failed. See the list above, the job summary and the file named by the results-file output.'
    ])
    expect(stdout).toContain(
      '  1 analysis was not waited for to the end: the wait stopped at the account-level failure above.'
    )
    expect(readFileSync(runner.summaryFile, 'utf8')).toContain(`> **Stopped:** ${cause.message}`)
  })

  it('a job cancelled during the wait says so first', async () => {
    const why = "The job was cancelled while One Codex's analysis was running."
    const analyses = [analysis(confirmedPair), analysis(confirmedSingle, 'cancelled', why)]
    const stdout = await captureStdout(() =>
      reportResults([pair, single], both, SETTINGS, [], stage(analyses, { cancelled: true }))
    )
    // A cancelled analysis gets no annotation of its own: the last line says it.
    expect(errorLines(stdout)).toEqual([
      '::error::The job was cancelled. All 2 samples were uploaded and confirmed. 1 of 2 analyses complete: 1 cancelled. See the list above, the job summary and the file named by the results-file output.'
    ])
    expect(JSON.parse(outputs().analyses)).toEqual(analyses)
  })

  function manyConfirmed(n: number): {
    samples: Sample[]
    results: UploadResults
    up: UploadedSample[]
  } {
    const samples: Sample[] = []
    const up: UploadedSample[] = []
    for (let i = 0; i < n; i++) {
      const name = `sample_${String(i).padStart(4, '0')}_with_a_long_descriptive_name.fastq.gz`
      samples.push({ file: file(name, 1000) })
      up.push({
        sample_id: `c${String(i).padStart(15, '0')}`,
        path: samples[i].file.path,
        filename: name,
        size: 1000
      })
    }
    return { samples, up, results: { outcomes: up.map(u => ok(u)) } }
  }

  it('5,000 confirmed samples leave room for every row of 30 analyses, within the summary budget', async () => {
    const { samples, up, results } = manyConfirmed(5000)
    const analyses = up.slice(0, 30).map(u => analysis(u))
    await captureStdout(() => reportResults(samples, results, SETTINGS, [], stage(analyses)))
    const summary = readFileSync(runner.summaryFile, 'utf8')
    expect(Buffer.byteLength(summary, 'utf8')).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    expect(summary).toMatch(/… and [\d,]+ more confirmed samples: /)
    const section = summary.slice(summary.indexOf('## One Codex analyses'))
    expect(section).toContain('**30 analyses: 30 complete (waited 1 min 1 s)**')
    for (const a of analyses) expect(section).toContain(`<code>${a.sample_id}</code>`)
    expect(section).not.toContain('more complete analyses')
  })

  it('5,000 samples and 5,000 analyses: both sections cut, each with its "… and N more" line', async () => {
    const { samples, up, results } = manyConfirmed(5000)
    await captureStdout(() =>
      reportResults(samples, results, SETTINGS, [], stage(up.map(u => analysis(u))))
    )
    const summary = readFileSync(runner.summaryFile, 'utf8')
    expect(Buffer.byteLength(summary, 'utf8')).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES)
    expect(summary).toMatch(/… and [\d,]+ more confirmed samples: /)
    const section = summary.slice(summary.indexOf('## One Codex analyses'))
    expect(section).toContain('**5,000 analyses: 5,000 complete (waited 1 min 1 s)**')
    expect(section).toMatch(/… and [\d,]+ more complete analyses: /)
    // About half the budget is theirs.
    expect(Buffer.byteLength(section, 'utf8')).toBeGreaterThan(SUMMARY_BUDGET_BYTES / 3)
  })
})
