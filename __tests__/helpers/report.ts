// The report tests' runner: one workspace for the whole test file (core.summary remembers the
// summary path it first used), a fresh GITHUB_OUTPUT, step summary and RUNNER_TEMP for each
// test; and the planned samples and outcomes the report tests report on.
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { parseOutputFile } from '../../sandbox/runner.js'
import type { ResultsRecord } from '../../src/report/results-file.js'
import type { FailedSample, Sample, Source, UploadedSample } from '../../src/shared/types.js'
import type { SampleOutcome } from '../../src/upload/uploader.js'
import { sourceAt, tempWorkspace } from './fixtures.js'

export interface ReportRunner {
  /** The GITHUB_STEP_SUMMARY file of the running test. */
  readonly summaryFile: string
  /** The RUNNER_TEMP of the running test (not created). */
  readonly runnerTemp: string
  /** The outputs written to the GITHUB_OUTPUT file, name → value. */
  outputs(): Record<string, string>
  /** The results file the outputs name. */
  resultsFile(): ResultsRecord
}

/** Registers the hooks of a report test file; call once at its top level. */
export function useReportRunner(): ReportRunner {
  let ws: ReturnType<typeof tempWorkspace>
  let outputFile: string
  let summaryFile: string
  let runnerTemp: string
  const saved = { ...process.env }

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

  const outputs = (): Record<string, string> => parseOutputFile(readFileSync(outputFile, 'utf8'))
  return {
    get summaryFile() {
      return summaryFile
    },
    get runnerTemp() {
      return runnerTemp
    },
    outputs,
    resultsFile: () => JSON.parse(readFileSync(outputs()['results-file'], 'utf8')) as ResultsRecord
  }
}

export const errorLines = (stdout: string): string[] =>
  stdout.split('\n').filter(line => line.startsWith('::error'))

// The workspace the sample paths lie in (report only computes paths; nothing is read).
export const WORKSPACE = path.resolve('/github/workspace')
export const SETTINGS = { workspace: WORKSPACE, apiUrl: 'https://app.onecodex.com' }

export const file = (name: string, size: number): Source =>
  sourceAt(path.join(WORKSPACE, 'reads', name), size, 'gzip')

export const pair: Sample = { file: file('s1_R1.fq.gz', 1000), mate: file('s1_R2.fq.gz', 2000) }
export const single: Sample = { file: file('s2.fq.gz', 500) }
export const broken: Sample = { file: file('s3<b>.fq.gz', 10) }

export const confirmedPair: UploadedSample = {
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
export const confirmedSingle: UploadedSample = {
  sample_id: 'aaaa000000000002',
  path: single.file.path,
  filename: 's2.fq.gz',
  size: 500,
  sha256: 'c'.repeat(64)
}

export const ok = (sample: UploadedSample, durationMs = 10): SampleOutcome => ({
  ok: true,
  sample,
  durationMs
})
export const fail = (
  failure: FailedSample,
  extra: { accountLevel?: boolean } = {}
): SampleOutcome => ({
  ok: false,
  failure,
  durationMs: 20,
  ...extra
})
