// The report of an upload: every sample confirmed, skipped as existing, failed, cancelled or
// not attempted; the tally at the end of the log; a failed step when any sample did not end
// confirmed. With wait-for-analysis, the analyses too (analysis-report.ts): the step also
// fails when one did not complete.
import * as core from '@actions/core'
import type { AnalysisStage } from '../analysis/wait-stage.js'
import { formatCount } from '../shared/format.js'
import { originOf } from '../shared/url-policy.js'
import type { FailedSample, Problem, Sample, UploadedSample } from '../shared/types.js'
import type { UploadResults } from '../upload/uploader.js'
import {
  analysisAnnotations,
  analysisSection,
  analysisTally,
  logAnalysisProblems,
  notComplete
} from './analysis-report.js'
import { annotateCapped, ERROR_ANNOTATION_LIMIT, type Annotation } from './annotation-cap.js'
import {
  HEADING,
  publish,
  relativeEntry,
  scopeLead,
  WHERE_TO_LOOK,
  writeSummary,
  type ReportSettings
} from './publish.js'
import type { Totals } from './results-file.js'
import { count, uploadSummary, type SummaryEntry } from './summary.js'

function totalsOf(
  samples: number,
  uploaded: readonly UploadedSample[],
  failed: readonly FailedSample[]
): Totals {
  const of = (status: string): number =>
    failed.filter(f => (f.status ?? 'failed') === status).length
  return {
    samples,
    confirmed: uploaded.length,
    existing: uploaded.filter(u => u.existing).length,
    failed: of('failed'),
    cancelled: of('cancelled'),
    not_attempted: of('not attempted'),
    refused: of('refused')
  }
}

/** "2 failed, 1 not attempted". */
function breakdown(totals: Totals): string {
  return [
    totals.failed > 0 ? `${formatCount(totals.failed)} failed` : '',
    totals.cancelled > 0 ? `${formatCount(totals.cancelled)} cancelled` : '',
    totals.not_attempted > 0 ? `${formatCount(totals.not_attempted)} not attempted` : ''
  ]
    .filter(Boolean)
    .join(', ')
}

/**
 * The run's one-line tally: "All 3 samples were uploaded and confirmed.", "The sample was not
 * uploaded: 1 failed.", "197 of 200 samples were uploaded and confirmed: 2 failed, 1 not
 * attempted."; for a shard that got no sample "Shard 2/4: 0 of 96 planned samples; this job has
 * nothing to upload." (`scope` names the share).
 */
export function tallyLine(totals: Totals, scope?: string): string {
  const n = totals.samples
  const all = formatCount(n)
  const existing =
    totals.existing > 0
      ? ` (${formatCount(totals.existing)} of them already in One Codex, not sent again)`
      : ''
  if (n === 0)
    return scope
      ? `${scope[0].toUpperCase()}${scope.slice(1)}; this job has nothing to upload.`
      : 'No sample was planned.'
  if (totals.confirmed >= n)
    return n === 1
      ? `The sample was uploaded and confirmed${existing}.`
      : `All ${all} samples were uploaded and confirmed${existing}.`
  const head =
    totals.confirmed === 0
      ? n === 1
        ? 'The sample was not uploaded'
        : `None of the ${all} samples was uploaded`
      : `${formatCount(totals.confirmed)} of ${all} samples were uploaded and confirmed${existing}`
  const parts = breakdown(totals)
  return `${head}${parts ? `: ${parts}` : ''}.`
}

/** The summary's totals: "2 of 3 samples confirmed. 1 failed." */
function summaryTotals(totals: Totals): string {
  const n = totals.samples
  const parts = breakdown(totals)
  const existing =
    totals.existing > 0 ? ` ${formatCount(totals.existing)} already in One Codex.` : ''
  return `${formatCount(totals.confirmed)} of ${count(n, 'sample')} confirmed.${existing}${parts ? ` ${parts[0].toUpperCase()}${parts.slice(1)}.` : ''}`
}

/**
 * Reports an upload: outputs, results file, summary, annotations, the tally, and a failed step
 * when any sample did not end confirmed. `samples` are the planned samples, in the order of
 * `results.outcomes`. `analysis` is the wait for the analyses (wait-for-analysis), reported
 * after the upload's parts; the step also fails when one did not complete.
 */
export async function reportResults(
  samples: readonly Sample[],
  results: UploadResults,
  settings: ReportSettings,
  warnings: readonly Problem[] = [],
  analysis?: AnalysisStage
): Promise<void> {
  const workspace = settings.workspace
  const uploaded: UploadedSample[] = []
  const failed: FailedSample[] = []
  const entries: SummaryEntry[] = []
  const annotations: Annotation[] = []
  results.outcomes.forEach((outcome, index) => {
    const sample = samples[index]
    if (outcome.ok) {
      const entry = relativeEntry(outcome.sample, workspace)
      uploaded.push(entry)
      entries.push({ sample, durationMs: outcome.durationMs, uploaded: entry })
      return
    }
    const entry = relativeEntry(
      { ...outcome.failure, status: outcome.failure.status ?? 'failed' },
      workspace
    )
    failed.push(entry)
    entries.push({ sample, durationMs: outcome.durationMs, failure: entry })
    // The failures that stopped the run are told once, by the stop's cause.
    if (entry.status === 'failed' && !outcome.accountLevel)
      annotations.push({
        message: entry.error,
        properties: { title: 'Upload failed', file: entry.path }
      })
  })
  const totals = totalsOf(results.outcomes.length, uploaded, failed)
  const analysisFailed = notComplete(analysis).length > 0
  const file = await publish({
    outcome: failed.length > 0 || analysisFailed ? 'failed' : 'uploaded',
    api_url: originOf(settings.apiUrl),
    totals,
    ...(results.scope ? { scope: results.scope } : {}),
    ...(results.stopped ? { stopped: results.stopped } : {}),
    sample_ids: uploaded.map(u => u.sample_id),
    samples: uploaded,
    failed,
    problems: [],
    warnings,
    ...(analysis ? { analyses: analysis.analyses } : {})
  })
  await writeSummary(limit =>
    uploadSummary(
      {
        heading: HEADING,
        totals:
          totals.samples === 0
            ? tallyLine(totals, results.scope)
            : `${scopeLead(results.scope)}${summaryTotals(totals)}`,
        stopped: results.stopped?.message,
        entries,
        apiUrl: settings.apiUrl,
        ...(analysis ? { after: analysisSection(analysis, settings.apiUrl, limit) } : {})
      },
      limit
    )
  )

  const tally = tallyLine(totals, results.scope)
  const analysisLine = analysis ? ` ${analysisTally(analysis)}` : ''
  if (failed.length === 0 && !analysisFailed) {
    if (!results.cancelled) {
      core.info(tally)
      if (analysisLine) core.info(analysisLine.trim())
    }
    if (file) core.info(`Complete record: ${file} (output results-file).`)
    // Every sample had completed when the job was cancelled: the step still ends cancelled.
    if (results.cancelled) core.setFailed(`The job was cancelled. ${tally}${analysisLine}`)
    return
  }

  const ofAnalyses = analysis ? analysisAnnotations(analysis) : []
  const errors: Annotation[] = results.stopped
    ? [
        { message: results.stopped.message, properties: { title: 'Upload stopped' } },
        ...annotations,
        ...ofAnalyses
      ]
    : [...annotations, ...ofAnalyses]
  annotateCapped(errors, {
    limit: ERROR_ANNOTATION_LIMIT,
    more: n =>
      `… and ${count(n, ofAnalyses.length > 0 ? 'more failure' : 'more failed sample')}: each is listed at the end of the log, in ${WHERE_TO_LOOK}.`,
    emit: core.error
  })

  // The tally: each sample that was tried and not uploaded, once; the rest as a count.
  const listed = failed.filter(f => f.status !== 'not attempted')
  if (listed.length > 0) {
    core.info(`Not uploaded (${formatCount(listed.length)}):`)
    for (const failure of listed) core.info(`  ${failure.path}: ${failure.error}`)
  }
  if (totals.not_attempted > 0) {
    const first = failed.find(f => f.status === 'not attempted')
    const why = results.stopped
      ? 'the run stopped at the account-level failure above'
      : results.cancelled
        ? 'the job was cancelled'
        : (first?.error.replace(/^not attempted: /, '').replace(/\.$/, '') ?? 'not started')
    core.info(
      `${count(totals.not_attempted, 'sample was', 'samples were')} not attempted (${why}); each is in the failed output and the results file.`
    )
  }
  if (analysis) logAnalysisProblems(analysis, core.info)
  if (file) core.info(`Complete record: ${file} (output results-file).`)
  const cancelled = results.cancelled || analysis?.cancelled
  core.setFailed(
    `${cancelled ? 'The job was cancelled. ' : ''}${tally}${analysisLine} See the list above, ${WHERE_TO_LOOK}.`
  )
}
