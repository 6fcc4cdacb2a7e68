// reportResults: the report of an upload, whatever its samples' outcomes.
import { describe, expect, it } from '@jest/globals'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { reportResults, tallyLine } from '../../src/report/upload-report.js'
import type { FailedSample, Sample, UploadedSample } from '../../src/shared/types.js'
import type { SampleOutcome, UploadResults } from '../../src/upload/uploader.js'
import { captureStdout } from '../helpers/fixtures.js'
import {
  errorLines,
  WORKSPACE,
  SETTINGS,
  file,
  pair,
  single,
  broken,
  confirmedPair,
  confirmedSingle,
  ok,
  fail,
  useReportRunner
} from '../helpers/report.js'

const runner = useReportRunner()
const { outputs, resultsFile } = runner

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
    expect(path.dirname(outputs()['results-file'])).toBe(path.resolve(runner.runnerTemp))
    expect(resultsFile()).toMatchObject({
      version: 1,
      outcome: 'uploaded',
      api_url: 'https://app.onecodex.com',
      totals: { samples: 2, confirmed: 2, failed: 0, not_attempted: 0 },
      sample_ids: ['aaaa000000000001', 'aaaa000000000002'],
      samples: [relativePair, relativeSingle],
      failed: []
    })
    const summary = readFileSync(runner.summaryFile, 'utf8')
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
    expect(readFileSync(runner.summaryFile, 'utf8')).toContain(
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
    const summary = readFileSync(runner.summaryFile, 'utf8')
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
    const summary = readFileSync(runner.summaryFile, 'utf8')
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
    writeFileSync(runner.summaryFile, '')
    await captureStdout(() =>
      reportResults([single], { outcomes: [ok(confirmedSingle)] }, SETTINGS)
    )
    expect(readFileSync(runner.summaryFile, 'utf8')).toBe('')
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
    const summary = readFileSync(runner.summaryFile, 'utf8')
    expect(Buffer.byteLength(summary)).toBeLessThan(1024 * 1024)
    // Every failure made it into the summary before the successes were cut.
    for (const failure of record.failed) expect(summary).toContain(failure.error)
    expect(summary).toMatch(
      /… and [\d,]+ more confirmed samples: the complete list is in the file named by the `results-file` output\./
    )
  })

  it('leaves room for what an earlier write put in the summary file', async () => {
    writeFileSync(runner.summaryFile, 'x'.repeat(900_000))
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
    expect(statSync(runner.summaryFile).size).toBeLessThan(1024 * 1024)
  })
})
