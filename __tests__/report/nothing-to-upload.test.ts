// reportNothingToUpload: a run whose patterns matched no file.
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { reportNothingToUpload } from '../../src/report/nothing-to-upload.js'
import { captureStdout } from '../helpers/fixtures.js'
import { SETTINGS, useReportRunner } from '../helpers/report.js'

const runner = useReportRunner()
const { outputs, resultsFile } = runner

describe('reportNothingToUpload', () => {
  it('nothing matched: empty outputs, a one-line summary, a results file', async () => {
    await captureStdout(() => reportNothingToUpload(SETTINGS))
    expect(outputs()).toMatchObject({ 'sample-ids': '[]', samples: '[]', failed: '[]' })
    expect(readFileSync(runner.summaryFile, 'utf8')).toContain('nothing was uploaded')
    expect(resultsFile().outcome).toBe('nothing to upload')
  })
})
