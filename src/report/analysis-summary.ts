/**
 * The job summary's section on One Codex's analyses, within the summary's byte budget: a
 * totals line, then the analyses that did not complete (failed, timed out, cancelled: file,
 * sample, status, reason), then the complete ones with their most abundant species as Unicode
 * block bars (they render in every browser and in the GitHub app). Each sample links to One
 * Codex. Pure: the caller writes the text.
 */
import type { AnalysisResult, AnalysisStatus, TopSpecies } from '../analysis/types.js'
import { formatPercent } from '../analysis/top-species.js'
import { formatCount, formatDuration } from '../shared/format.js'
import { escapeHtml, html, SummaryBudget, type Cell } from './summary-budget.js'
import { count, idCell } from './summary.js'

/** Species shown per sample (the `analyses` output has up to 10). */
export const SUMMARY_SPECIES = 5
/** A bar of abundance 1 is this many full blocks. */
const BAR_WIDTH = 10
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']
const TAIL_RESERVE = 1024
const SEE_OUTPUT = 'every analysis is in the `analyses` output and the file named by `results-file`'

/** An abundance in 0..1 as a bar of eighth blocks: 0.52 → "█████▎"; any share > 0 shows. */
export function abundanceBar(fraction: number, width = BAR_WIDTH): string {
  const eighths = Math.round(Math.min(1, Math.max(0, fraction)) * width * 8)
  const shown = fraction > 0 ? Math.max(1, eighths) : 0
  return '█'.repeat(Math.floor(shown / 8)) + EIGHTHS[shown % 8]
}

const STATUS_LABEL: Record<AnalysisStatus, string> = {
  complete: '✅ complete',
  failed: '❌ failed',
  'timed out': '⏱️ timed out',
  cancelled: '⛔ cancelled'
}
/** Failures first, then what ran out of time, then what the job's cancellation cut short. */
const PROBLEM_ORDER: readonly AnalysisStatus[] = ['failed', 'timed out', 'cancelled']

function speciesCell(top: readonly TopSpecies[]): Cell {
  if (top.length === 0) return 'no species identified'
  const lines = top.slice(0, SUMMARY_SPECIES).map(s => {
    const bar = s.abundance === null ? '' : `<code>${abundanceBar(s.abundance)}</code> `
    return `${bar}${escapeHtml(formatPercent(s.abundance))} <i>${escapeHtml(s.name)}</i>`
  })
  const more = top.length - SUMMARY_SPECIES
  if (more > 0) lines.push(`<sub>+ ${count(more, 'more species', 'more species')}</sub>`)
  return html(lines.join('<br>'))
}

export interface AnalysisSummary {
  readonly analyses: readonly AnalysisResult[]
  readonly apiUrl: string
  /** Default "One Codex analyses". */
  readonly heading?: string
  /** How long the wait took. */
  readonly waitedMs?: number
  /** The account-level cause that stopped the wait (401/402), said once. */
  readonly stopped?: string
}

/** "30 analyses: 27 complete, 2 failed, 1 timed out (waited 14 min 3 s)". */
export function analysisTotals(analyses: readonly AnalysisResult[], waitedMs?: number): string {
  const parts = (['complete', ...PROBLEM_ORDER] as AnalysisStatus[])
    .map(status => [status, analyses.filter(a => a.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${formatCount(n)} ${status}`)
  const waited = waitedMs === undefined ? '' : ` (waited ${formatDuration(waitedMs)})`
  return `${count(analyses.length, 'analysis', 'analyses')}${parts.length ? `: ${parts.join(', ')}` : ''}${waited}`
}

/** Adds the analyses section to `budget` (e.g. after the upload summary). */
export function addAnalysisSummary(budget: SummaryBudget, spec: AnalysisSummary): void {
  budget.add(`## ${spec.heading ?? 'One Codex analyses'}\n`, TAIL_RESERVE)
  budget.add(`**${analysisTotals(spec.analyses, spec.waitedMs)}**\n`, TAIL_RESERVE)
  if (spec.stopped) budget.add(`> **Stopped:** ${escapeHtml(spec.stopped)}\n`, TAIL_RESERVE)

  const problems = PROBLEM_ORDER.flatMap(status => spec.analyses.filter(a => a.status === status))
  const complete = spec.analyses.filter(a => a.status === 'complete')
  budget.table(
    {
      heading: `### Not complete (${formatCount(problems.length)})`,
      header: ['File', 'Sample', 'Status', 'Reason'],
      items: problems,
      row: a => [
        a.filename,
        idCell(spec.apiUrl, a.sample_id),
        STATUS_LABEL[a.status],
        a.error ?? ''
      ],
      more: n => `… and ${count(n, 'more analysis', 'more analyses')} not complete: ${SEE_OUTPUT}.`
    },
    complete.length > 0 ? TAIL_RESERVE : 0
  )
  budget.table({
    heading: `### Complete (${formatCount(complete.length)})`,
    header: ['File', 'Sample', 'Reads', 'Most abundant species'],
    items: complete,
    row: a => [
      a.filename,
      idCell(spec.apiUrl, a.sample_id),
      a.n_reads === null ? '' : formatCount(a.n_reads),
      speciesCell(a.top)
    ],
    more: n =>
      `… and ${count(n, 'more complete analysis', 'more complete analyses')}: ${SEE_OUTPUT}.`
  })
}

/** The analyses section on its own, within `limit` bytes. */
export function analysisSummary(spec: AnalysisSummary, limit?: number): string {
  const budget = new SummaryBudget(limit)
  addAnalysisSummary(budget, spec)
  return budget.toString()
}
