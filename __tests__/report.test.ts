import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { parseOutputFile } from '../sandbox/runner.js'
import { reportResults, setEmptyOutputs } from '../src/report/report.js'
import type { Sample, Source } from '../src/shared/types.js'
import type { UploadResults } from '../src/upload/uploader.js'
import { captureStdout, tempWorkspace } from './helpers/fixtures.js'

let ws: ReturnType<typeof tempWorkspace>
let outputFile: string
let summaryFile: string
const saved = { ...process.env }

// One directory for the whole file: core.summary remembers the summary path it first used.
beforeAll(() => {
  ws = tempWorkspace('ocu-report-')
})
afterAll(() => ws.remove())
beforeEach(() => {
  outputFile = ws.write('github_output', '')
  summaryFile = ws.write('step_summary', '')
  process.env.GITHUB_OUTPUT = outputFile
  process.env.GITHUB_STEP_SUMMARY = summaryFile
})
afterEach(() => {
  process.env = { ...saved }
  process.exitCode = 0
})

/** The outputs written to the GITHUB_OUTPUT file, name → value. */
const outputs = (): Record<string, string> => parseOutputFile(readFileSync(outputFile, 'utf8'))

// The workspace the sample paths lie in (report only computes paths; nothing is read).
const WORKSPACE = path.resolve('/github/workspace')

function file(name: string, size: number): Source {
  return {
    path: path.join(WORKSPACE, 'reads', name),
    filename: name,
    size,
    segments: [{ path: path.join(WORKSPACE, 'reads', name), size }],
    format: 'FASTQ',
    compression: 'gzip'
  }
}

const pair: Sample = { file: file('s1_R1.fq.gz', 1000), mate: file('s1_R2.fq.gz', 2000) }
const single: Sample = { file: file('s2.fq.gz', 500) }
const broken: Sample = { file: file('s3<b>.fq.gz', 10) }

const confirmedPair = {
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
const confirmedSingle = {
  sample_id: 'aaaa000000000002',
  path: single.file.path,
  filename: 's2.fq.gz',
  size: 500,
  sha256: 'c'.repeat(64)
}

describe('reportResults', () => {
  it('sets the three outputs in plan order and writes a summary table', async () => {
    const results: UploadResults = {
      outcomes: [
        { ok: true, sample: confirmedPair, durationMs: 1500 },
        { ok: true, sample: confirmedSingle, durationMs: 800 }
      ]
    }
    const stdout = await captureStdout(() => reportResults([pair, single], results, WORKSPACE))
    expect(outputs()).toEqual({
      'sample-ids': JSON.stringify(['aaaa000000000001', 'aaaa000000000002']),
      samples: JSON.stringify([confirmedPair, confirmedSingle]),
      failed: '[]'
    })
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary).toContain('2 of 2 samples confirmed.')
    expect(summary).toContain(
      '<th>File(s)</th><th>Size</th><th>Sample ID</th><th>Status</th><th>Time</th>'
    )
    expect(summary).toContain(
      '<td>s1_R1.fq.gz<br>s1_R2.fq.gz</td><td>3.0 kB</td><td><code>aaaa000000000001</code></td><td>✅ confirmed</td><td>1.5 s</td>'
    )
    expect(stdout).not.toContain('::error')
    expect(process.exitCode ?? 0).toBe(0)
  })

  it('names every failure: failed output, ::error annotation per file, failed step with a count', async () => {
    const results: UploadResults = {
      outcomes: [
        { ok: true, sample: confirmedSingle, durationMs: 10 },
        {
          ok: false,
          failure: {
            path: broken.file.path,
            error: 'init_upload for s3<b>.fq.gz failed with HTTP 400 (Bad <name>).'
          },
          durationMs: 20
        }
      ]
    }
    const stdout = await captureStdout(() => reportResults([single, broken], results, WORKSPACE))
    expect(JSON.parse(outputs().failed)).toEqual([
      {
        path: broken.file.path,
        error: 'init_upload for s3<b>.fq.gz failed with HTTP 400 (Bad <name>).'
      }
    ])
    expect(JSON.parse(outputs()['sample-ids'])).toEqual(['aaaa000000000002'])
    expect(stdout).toContain(
      '::error title=Upload failed,file=reads/s3<b>.fq.gz::init_upload for s3<b>.fq.gz failed'
    )
    expect(stdout).toContain('::error::1 of 2 samples failed to upload:%0A- ')
    expect(process.exitCode).toBe(1)
    const summary = readFileSync(summaryFile, 'utf8')
    expect(summary).toContain('1 of 2 samples confirmed.')
    expect(summary).toContain(
      '❌ init_upload for s3&lt;b&gt;.fq.gz failed with HTTP 400 (Bad &lt;name&gt;).'
    )
    expect(summary).not.toContain('<b>')
  })

  it('writes no summary when GITHUB_STEP_SUMMARY is unset', async () => {
    delete process.env.GITHUB_STEP_SUMMARY
    writeFileSync(summaryFile, '')
    await captureStdout(() =>
      reportResults(
        [single],
        { outcomes: [{ ok: true, sample: confirmedSingle, durationMs: 1 }] },
        WORKSPACE
      )
    )
    expect(readFileSync(summaryFile, 'utf8')).toBe('')
    expect(JSON.parse(outputs().samples)).toHaveLength(1)
  })
})

describe('setEmptyOutputs', () => {
  it('sets empty JSON arrays', async () => {
    setEmptyOutputs()
    expect(outputs()).toEqual({ 'sample-ids': '[]', samples: '[]', failed: '[]' })
  })
})
