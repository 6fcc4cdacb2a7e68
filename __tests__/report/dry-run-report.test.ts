// reportDryRun: the outputs, results file and summary of a dry run.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { reportDryRun } from '../../src/report/dry-run-report.js'
import { captureStdout } from '../helpers/fixtures.js'
import { pair, SETTINGS, single, useReportRunner } from '../helpers/report.js'

const runner = useReportRunner()
const { outputs, resultsFile } = runner

describe('reportDryRun', () => {
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
    const summary = readFileSync(runner.summaryFile, 'utf8')
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
      reportDryRun({ samples: [single], problems: [], warnings: [] }, SETTINGS, {
        extraLists: [{ name: 'plan', items }]
      })
    )
    const cut = JSON.parse(outputs().plan) as unknown[]
    expect(cut.length).toBeLessThan(items.length)
    expect(JSON.parse(outputs().truncated)).toEqual(['plan'])
    expect(resultsFile()).toMatchObject({ outcome: 'dry-run', plan: items })
  })
})
