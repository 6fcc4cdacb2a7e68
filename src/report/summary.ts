/**
 * The job summary's content, built against the byte budget (summary-budget.ts): totals first,
 * then what went wrong, then what went right, each table ending in "… and N more" when the
 * budget runs out. The complete record is in the results file, which every cut points to.
 */
import { formatBytes, formatCount, formatDuration } from '../shared/format.js'
import { sampleBytes, sampleFiles } from '../shared/sample.js'
import type {
  FailedSample,
  FileCounts,
  Problem,
  Sample,
  Source,
  UploadedSample
} from '../shared/types.js'
import { escapeHtml, html, SummaryBudget, type Cell, type TableSpec } from './summary-budget.js'

/** Bytes kept free for the tables that follow one (their "… and N more" lines). */
const TAIL_RESERVE = 1024

const SEE_RESULTS = 'the complete list is in the file named by the `results-file` output'

/** "1 sample", "2 samples". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : plural}`
}

/** One row of the upload summary: a planned sample and how it ended. */
export interface SummaryEntry {
  readonly sample?: Sample
  readonly durationMs: number
  readonly uploaded?: UploadedSample
  readonly failure?: FailedSample
}

/** The link to a sample in One Codex's web app, on api-url's host. */
export function sampleLink(apiUrl: string, sampleId: string): string {
  let origin: string
  try {
    origin = new URL(apiUrl).origin
  } catch {
    origin = 'https://app.onecodex.com'
  }
  return `${origin}/sample/${encodeURIComponent(sampleId)}`
}

function filesCell(sample: Sample | undefined, fallback: string): Cell {
  if (!sample) return fallback
  return html(
    sampleFiles(sample)
      .map(file => escapeHtml(file.filename))
      .join('<br>')
  )
}

/** A sample ID as a summary cell: code, linked to the sample in One Codex. */
export function idCell(apiUrl: string, sampleId: string): Cell {
  return html(
    `<a href="${escapeHtml(sampleLink(apiUrl, sampleId))}"><code>${escapeHtml(sampleId)}</code></a>`
  )
}

const STATUS_LABEL: Record<string, string> = {
  failed: '❌ failed',
  cancelled: '⛔ cancelled',
  'not attempted': '⏭️ not attempted',
  refused: '🚫 refused'
}

/** Reads of a sample as a cell: `1,000` for one file, `1,000 pairs` for a pair. */
function readsCell(reads: number | undefined, paired: boolean): string {
  if (reads === undefined) return ''
  return paired ? `${formatCount(reads)} pairs` : formatCount(reads)
}

export interface UploadSummary {
  readonly heading: string
  /** The totals line (plain text). */
  readonly totals: string
  /** The account-level cause that stopped the run, said once. */
  readonly stopped?: string
  readonly entries: readonly SummaryEntry[]
  readonly apiUrl: string
  /**
   * A section after the upload tables within the same `limit` (the analyses): the tables leave
   * `reserve` bytes free for it, and `text` gets what they left.
   */
  readonly after?: { readonly reserve: number; readonly text: (limit: number) => string }
}

/** The summary of an upload: totals, the samples not uploaded, then the confirmed ones. */
export function uploadSummary(spec: UploadSummary, limit: number): string {
  const budget = new SummaryBudget(limit - (spec.after?.reserve ?? 0))
  budget.add(`## ${spec.heading}\n`)
  budget.add(`**${spec.totals}**\n`)
  if (spec.stopped) budget.add(`> **Stopped:** ${escapeHtml(spec.stopped)}\n`, TAIL_RESERVE)

  const failed = spec.entries.filter(e => e.failure)
  const confirmed = spec.entries.filter(e => e.uploaded)
  budget.table(
    {
      heading: `### Not uploaded (${formatCount(failed.length)})`,
      header: ['File(s)', 'Size', 'Status', 'Reason'],
      items: failed,
      row: e => {
        const failure = e.failure as FailedSample
        const status = failure.status ?? 'failed'
        const size = e.sample ? formatBytes(sampleBytes(e.sample)) : ''
        return [
          filesCell(e.sample, failure.path),
          size,
          STATUS_LABEL[status] ?? status,
          failure.error
        ]
      },
      more: n => `… and ${count(n, 'more sample')} not uploaded: ${SEE_RESULTS}.`
    },
    confirmed.length > 0 ? TAIL_RESERVE : 0
  )
  // validate full: the reads the check counted in each sample.
  const counted = confirmed.some(e => e.uploaded?.reads !== undefined)
  budget.table({
    heading: `### Confirmed (${formatCount(confirmed.length)})`,
    header: ['File(s)', 'Size', ...(counted ? ['Reads'] : []), 'Sample ID', 'Status', 'Time'],
    items: confirmed,
    row: e => {
      const uploaded = e.uploaded as UploadedSample
      const size = e.sample ? formatBytes(sampleBytes(e.sample)) : formatBytes(uploaded.size)
      return [
        filesCell(e.sample, uploaded.filename),
        size,
        ...(counted ? [readsCell(uploaded.reads, uploaded.paired_end_filename !== undefined)] : []),
        idCell(spec.apiUrl, uploaded.sample_id),
        uploaded.existing
          ? '☑️ already in One Codex'
          : uploaded.note
            ? `✅ confirmed (${uploaded.note})`
            : '✅ confirmed',
        uploaded.existing ? '' : formatDuration(e.durationMs)
      ]
    },
    more: n => `… and ${count(n, 'more confirmed sample')}: ${SEE_RESULTS}.`
  })
  return `${budget.toString()}${spec.after?.text(limit - budget.size) ?? ''}`
}

/** The summary of a run refused before upload: what was wrong, nothing sent. */
export function problemsSummary(
  spec: { heading: string; totals: string; problems: readonly Problem[] },
  limit: number
): string {
  return singleTable(spec, limit, {
    heading: `### Problems (${formatCount(spec.problems.length)})`,
    header: ['File', 'Problem'],
    items: spec.problems,
    row: p => [p.file ?? '(inputs)', p.message],
    more: n => `… and ${count(n, 'more problem')}: ${SEE_RESULTS}.`
  })
}

/** The summary of a dry run: the plan, nothing sent. */
export function planSummary(
  spec: {
    heading: string
    totals: string
    samples: readonly Sample[]
    /** validate full: what the dry run's check counted in each source. */
    counts?: ReadonlyMap<Source | object, FileCounts>
  },
  limit: number
): string {
  const counts = spec.counts
  return singleTable(spec, limit, {
    heading: `### Planned samples (${formatCount(spec.samples.length)})`,
    header: ['File(s)', 'Size', ...(counts ? ['Reads'] : []), 'Type', 'Route'],
    items: spec.samples,
    row: sample => [
      filesCell(sample, sample.file.filename),
      formatBytes(sampleBytes(sample)),
      ...(counts ? [readsCell(counts.get(sample.file)?.reads, sample.mate !== undefined)] : []),
      sample.mate ? 'paired-end' : 'single file',
      sample.route ?? 'standard'
    ],
    more: n => `… and ${count(n, 'more planned sample')}: ${SEE_RESULTS}.`
  })
}

/** A summary of one table: the heading, the totals line in bold, then the table. */
function singleTable<T>(
  spec: { heading: string; totals: string },
  limit: number,
  table: TableSpec<T>
): string {
  const budget = new SummaryBudget(limit)
  budget.add(`## ${spec.heading}\n`)
  budget.add(`**${spec.totals}**\n`)
  budget.table(table)
  return budget.toString()
}
