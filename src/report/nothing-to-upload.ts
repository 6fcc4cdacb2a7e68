// The report of a run with nothing to upload: no file matched the files patterns.
import { originOf } from '../shared/url-policy.js'
import type { Plan } from '../shared/types.js'
import { emptyTotals, HEADING, publish, writeSummary, type ReportSettings } from './publish.js'

/** Reports a run with nothing to upload (no file matched, if-no-files-found warn or ignore). */
export async function reportNothingToUpload(settings: ReportSettings, plan?: Plan): Promise<void> {
  await publish({
    outcome: 'nothing to upload',
    api_url: originOf(settings.apiUrl),
    totals: emptyTotals(),
    sample_ids: [],
    samples: [],
    failed: [],
    problems: [],
    warnings: plan?.warnings ?? []
  })
  await writeSummary(
    () => `## ${HEADING}\n**No file matched the files patterns: nothing was uploaded.**\n`
  )
}
