/**
 * The analyses' part of an upload's report (`wait-for-analysis: true`), which upload-report.ts
 * weaves into its own: the job summary's section after the upload tables, an error annotation
 * for each analysis that failed or timed out (within the step's cap, after the upload's own),
 * the list at the end of the log, and the tally that joins the step's last line. The
 * `analyses` output is published with the other lists (publish.ts).
 */
import { stoppedReason } from '../analysis/await-analyses.js'
import type { AnalysisResult, AnalysisStatus } from '../analysis/types.js'
import type { AnalysisStage } from '../analysis/wait-stage.js'
import { formatCount } from '../shared/format.js'
import { analysisSummary, type AnalysisSummary } from './analysis-summary.js'
import type { Annotation } from './annotation-cap.js'
import { count } from './summary.js'

const PROBLEMS: readonly AnalysisStatus[] = ['failed', 'timed out', 'cancelled']

/** The analyses that did not complete (failed, timed out, cancelled). */
export function notComplete(stage: AnalysisStage | undefined): AnalysisResult[] {
  return stage ? stage.analyses.filter(a => a.status !== 'complete') : []
}

/** True for an entry the account-level stop cut short: the stop's one error covers it. */
function cutByStop(stage: AnalysisStage, analysis: AnalysisResult): boolean {
  return stage.stopped !== undefined && analysis.error === stoppedReason(stage.stopped)
}

/**
 * "All 3 analyses are complete.", "1 of 3 analyses complete: 1 failed, 1 timed out.": the
 * line that follows the upload's tally.
 */
export function analysisTally(stage: AnalysisStage): string {
  const n = stage.analyses.length
  if (n === 0) return 'No sample was confirmed, so no analysis was awaited.'
  const complete = n - notComplete(stage).length
  if (complete === n)
    return n === 1
      ? "The sample's analysis is complete."
      : `All ${formatCount(n)} analyses are complete.`
  const parts = PROBLEMS.map(
    status => [status, stage.analyses.filter(a => a.status === status).length] as const
  )
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${formatCount(n)} ${status}`)
  return `${formatCount(complete)} of ${count(n, 'analysis', 'analyses')} complete: ${parts.join(', ')}.`
}

/** "S1_R1_001.fastq.gz (sample 4f0c…): analysis failed: <One Codex's reason>". */
export function describeAnalysisProblem(analysis: AnalysisResult): string {
  return `${analysis.filename} (sample ${analysis.sample_id}): analysis ${analysis.status}: ${analysis.error ?? 'no reason given'}`
}

/**
 * The error annotations of the wait: its account-level stop once, then each analysis that
 * failed or timed out on its own (a cancelled one is told by the step's last line), on its file.
 */
export function analysisAnnotations(stage: AnalysisStage): Annotation[] {
  const annotations: Annotation[] = stage.stopped
    ? [{ message: stage.stopped.message, properties: { title: 'Analysis wait stopped' } }]
    : []
  for (const analysis of stage.analyses) {
    if (analysis.status !== 'failed' && analysis.status !== 'timed out') continue
    if (cutByStop(stage, analysis)) continue
    annotations.push({
      message: describeAnalysisProblem(analysis),
      properties: {
        title: analysis.status === 'failed' ? 'Analysis failed' : 'Analysis timed out',
        file: analysis.path
      }
    })
  }
  return annotations
}

/** The list at the end of the log: each analysis not complete, once (those the stop cut short as a count). */
export function logAnalysisProblems(stage: AnalysisStage, info: (line: string) => void): void {
  const problems = notComplete(stage)
  if (problems.length === 0) return
  const own = problems.filter(a => !cutByStop(stage, a))
  info(`Analyses not complete (${formatCount(problems.length)}):`)
  for (const analysis of own) info(`  ${analysis.path}: ${describeAnalysisProblem(analysis)}`)
  const cut = problems.length - own.length
  if (cut > 0)
    info(
      `  ${count(cut, 'analysis was', 'analyses were')} not waited for to the end: the wait stopped at the account-level failure above.`
    )
}

function summarySpec(stage: AnalysisStage, apiUrl: string): AnalysisSummary {
  return {
    analyses: stage.analyses,
    apiUrl,
    waitedMs: stage.waitedMs,
    ...(stage.stopped ? { stopped: stage.stopped.message } : {})
  }
}

/**
 * The analyses section of the job summary, to follow the upload tables within the same limit:
 * `reserve` is what it takes when given at most half of `limit` (what the upload tables leave
 * free for it), `text` writes it within what they left.
 */
export function analysisSection(
  stage: AnalysisStage,
  apiUrl: string,
  limit: number
): { reserve: number; text: (limit: number) => string } {
  const spec = summarySpec(stage, apiUrl)
  return {
    reserve: Buffer.byteLength(analysisSummary(spec, Math.floor(limit / 2)), 'utf8'),
    text: left => analysisSummary(spec, left)
  }
}
