/**
 * How a run ends, whatever happened (uploaded, failed, refused before upload, dry run, nothing
 * matched): every file accounted for once, inside GitHub's limits.
 * - The complete record goes to a JSON file under RUNNER_TEMP (output `results-file`).
 * - The list outputs fit GitHub's 1 MB together (output-budget.ts); `truncated` names any list
 *   that had to be cut. Every path in them is workspace-relative.
 * - The job summary stays under 1 MiB (summary-budget.ts): totals, failures, successes.
 * - At most 10 error annotations (annotation-cap.ts): an account-level cause once, then each
 *   failure, then one "… and N more" line, then the step's failure line. Every failure is also
 *   listed once, plainly, at the end of the log (the tally); the step's failure line counts.
 */
import * as core from '@actions/core'
import { statSync } from 'node:fs'
import * as path from 'node:path'
import { Outputs } from '../shared/constants.js'
import { formatCount } from '../shared/format.js'
import { displayPath } from '../shared/paths.js'
import { originOf } from '../shared/url-policy.js'
import type {
  FailedSample,
  Plan,
  Problem,
  Sample,
  Settings,
  UploadedSample
} from '../shared/types.js'
import type { UploadResults } from '../upload/uploader.js'
import {
  annotateCapped,
  ANNOTATIONS_SHOWN_PER_STEP,
  ERROR_ANNOTATION_LIMIT,
  type Annotation
} from './annotation-cap.js'
import { dryRunTotals } from './dry-run.js'
import { fitListOutputs, type ListOutput } from './output-budget.js'
import {
  RESULTS_FILE_VERSION,
  writeResultsFile,
  type PlannedRecord,
  type ResultsRecord,
  type Totals
} from './results-file.js'
import { SUMMARY_BUDGET_BYTES } from './summary-budget.js'
import { count, planSummary, problemsSummary, uploadSummary, type SummaryEntry } from './summary.js'

/** What the report needs of the settings. */
export type ReportSettings = Pick<Settings, 'workspace' | 'apiUrl'>

const HEADING = 'One Codex upload'
const WHERE_TO_LOOK = 'the job summary and the file named by the results-file output'

/** A path as the outputs give it: workspace-relative (with `/`) when inside the workspace. */
export function outputPath(file: string, workspace: string): string {
  return path.isAbsolute(file) ? displayPath(file, workspace) : file.split(path.sep).join('/')
}

/** A copy of an output entry with every path field (`path`, `*_path`, `*paths`) made relative. */
export function relativeEntry<T extends object>(entry: T, workspace: string): T {
  const copy = { ...entry } as Record<string, unknown>
  for (const [key, value] of Object.entries(copy)) {
    if ((key === 'path' || key.endsWith('_path')) && typeof value === 'string')
      copy[key] = outputPath(value, workspace)
    else if ((key === 'paths' || key.endsWith('_paths')) && Array.isArray(value))
      copy[key] = value.map(v => (typeof v === 'string' ? outputPath(v, workspace) : v))
  }
  return copy as T
}

function emptyTotals(): Totals {
  return {
    samples: 0,
    confirmed: 0,
    existing: 0,
    failed: 0,
    cancelled: 0,
    not_attempted: 0,
    refused: 0
  }
}

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

/** "Shard 2/8: 13 of 97 samples. " to lead a totals line; empty when the job is no shard. */
function scopeLead(scope: string | undefined): string {
  return scope ? `${scope[0].toUpperCase()}${scope.slice(1)}. ` : ''
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
 * attempted."
 */
export function tallyLine(totals: Totals): string {
  const n = totals.samples
  const all = formatCount(n)
  const existing =
    totals.existing > 0
      ? ` (${formatCount(totals.existing)} of them already in One Codex, not sent again)`
      : ''
  if (n === 0) return 'No sample was planned.'
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
 * Writes the results file, then sets the outputs: the list outputs fitted into GitHub's limit
 * (plan order kept; `truncated` names a list that was cut), `results-file` and `truncated`.
 * Returns the results file's path (undefined when it could not be written).
 */
async function publish(
  record: Omit<ResultsRecord, 'version'>,
  extraLists: readonly ListOutput[] = []
): Promise<string | undefined> {
  let file: string | undefined
  try {
    // Further list outputs (a dry run's `plan`) go into the file whole, under their name.
    const extra = Object.fromEntries(extraLists.map(list => [list.name, list.items]))
    file = await writeResultsFile({ version: RESULTS_FILE_VERSION, ...record, ...extra })
  } catch (error) {
    core.warning(
      `The results file could not be written (${error instanceof Error ? error.message : String(error)}); the outputs and the job summary still hold what fits.`
    )
  }
  const fitted = fitListOutputs([
    { name: Outputs.SampleIds, items: record.sample_ids },
    { name: Outputs.Samples, items: record.samples },
    { name: Outputs.Failed, items: record.failed },
    ...extraLists
  ])
  const cut = fitted.filter(f => f.kept < f.total)
  for (const output of fitted) core.setOutput(output.name, output.value)
  core.setOutput(Outputs.ResultsFile, file ?? '')
  core.setOutput(Outputs.Truncated, JSON.stringify(cut.map(c => c.name)))
  if (cut.length > 0) {
    const what = cut
      .map(c => `${c.name} holds the first ${formatCount(c.kept)} of ${formatCount(c.total)}`)
      .join('; ')
    core.info(
      `Outputs cut to stay within GitHub's 1 MB for outputs: ${what}. ${file ? `The complete lists are in ${file} (output results-file).` : ''}`.trim()
    )
  }
  return file
}

/** Appends to the job summary (when the runner gives one), within what the step has left. */
async function writeSummary(build: (limit: number) => string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY
  if (!file) return
  let existing = 0
  try {
    existing = statSync(file).size
  } catch {
    existing = 0
  }
  const limit = SUMMARY_BUDGET_BYTES - existing
  if (limit < 1024) return
  try {
    await core.summary.addRaw(build(limit)).write()
  } catch (error) {
    core.summary.emptyBuffer()
    core.warning(
      `The job summary could not be written: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}

/** Planning warnings: at most 10 annotations (GitHub shows 10), the rest as plain lines. */
export function reportWarnings(warnings: readonly Problem[]): void {
  const items = warnings.map(w => ({
    message: w.message,
    properties: w.file ? { file: w.file } : {}
  }))
  const shown = annotateCapped(items, {
    limit: ANNOTATIONS_SHOWN_PER_STEP,
    more: n => `… and ${count(n, 'more warning')}, listed below and in the results file.`,
    emit: core.warning
  })
  for (const warning of warnings.slice(shown)) core.info(`Warning: ${warning.message}`)
}

/**
 * Reports an upload: outputs, results file, summary, annotations, the tally, and a failed step
 * when any sample did not end confirmed. `samples` are the planned samples, in the order of
 * `results.outcomes`.
 */
export async function reportResults(
  samples: readonly Sample[],
  results: UploadResults,
  settings: ReportSettings,
  warnings: readonly Problem[] = []
): Promise<void> {
  const workspace = settings.workspace
  const uploaded: UploadedSample[] = []
  const failed: FailedSample[] = []
  const entries: SummaryEntry[] = []
  const annotations: Annotation[] = []
  results.outcomes.forEach((outcome, index) => {
    const sample = samples[index]
    if (outcome.ok) {
      const entry = relativeEntry({ ...outcome.sample, ...lanePaths(sample) }, workspace)
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
  const file = await publish({
    outcome: failed.length > 0 ? 'failed' : 'uploaded',
    api_url: originOf(settings.apiUrl),
    totals,
    ...(results.scope ? { scope: results.scope } : {}),
    ...(results.stopped ? { stopped: results.stopped } : {}),
    sample_ids: uploaded.map(u => u.sample_id),
    samples: uploaded,
    failed,
    problems: [],
    warnings
  })
  await writeSummary(limit =>
    uploadSummary(
      {
        heading: HEADING,
        totals: `${scopeLead(results.scope)}${summaryTotals(totals)}`,
        stopped: results.stopped?.message,
        entries,
        apiUrl: settings.apiUrl
      },
      limit
    )
  )

  const tally = tallyLine(totals)
  if (failed.length === 0) {
    core.info(tally)
    if (file) core.info(`Complete record: ${file} (output results-file).`)
    return
  }

  const errors: Annotation[] = results.stopped
    ? [
        { message: results.stopped.message, properties: { title: 'Upload stopped' } },
        ...annotations
      ]
    : annotations
  annotateCapped(errors, {
    limit: ERROR_ANNOTATION_LIMIT,
    more: n =>
      `… and ${count(n, 'more failed sample')}: each is listed at the end of the log, in ${WHERE_TO_LOOK}.`,
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
  if (file) core.info(`Complete record: ${file} (output results-file).`)
  core.setFailed(
    `${results.cancelled ? 'The job was cancelled. ' : ''}${tally} See the list above, ${WHERE_TO_LOOK}.`
  )
}

/** For a sample whose file (or mate) is merged lanes: `paths` / `paired_end_paths`, every lane. */
function lanePaths(sample: Sample | undefined): Pick<UploadedSample, 'paths' | 'paired_end_paths'> {
  const all = (source: Sample['file'] | undefined): string[] | undefined =>
    source && source.segments.length > 1 ? source.segments.map(s => s.path) : undefined
  const paths = all(sample?.file)
  const mates = all(sample?.mate)
  return { ...(paths ? { paths } : {}), ...(mates ? { paired_end_paths: mates } : {}) }
}

/** Groups the problems by file: one `refused` entry per file, with the rule(s) it broke. */
function refusedEntries(problems: readonly Problem[], workspace: string): FailedSample[] {
  const byFile = new Map<string, Problem[]>()
  for (const problem of problems) {
    // A problem of several files (a name clash, a lane group) refuses each of them.
    for (const file of new Set([problem.file, ...(problem.files ?? [])])) {
      if (file) byFile.set(file, [...(byFile.get(file) ?? []), problem])
    }
  }
  return [...byFile].map(([file, list]) => {
    const rules = list.map(p =>
      p.message.startsWith(`${file}: `) ? p.message.slice(file.length + 2) : p.message
    )
    return relativeEntry<FailedSample>(
      {
        path: file,
        status: 'refused',
        error: list.map(p => p.message).join(' '),
        rule: rules.join(' ')
      },
      workspace
    )
  })
}

function notAttempted(sample: Sample, error: string, workspace: string): FailedSample {
  return relativeEntry<FailedSample>(
    {
      path: sample.file.path,
      ...(sample.mate ? { paired_end_path: sample.mate.path } : {}),
      status: 'not attempted',
      error
    },
    workspace
  )
}

/**
 * Reports a run refused before upload (inputs or files broke a rule): nothing was sent. `failed`
 * lists every refused file with its rule, and the samples held back by the others' problems
 * (`plan.heldBack`, and `plan.heldBackFiles` for the files of a sample that one of its own
 * files kept from planning) as not attempted.
 */
export async function reportProblems(
  problems: readonly Problem[],
  settings: ReportSettings,
  plan?: Plan
): Promise<void> {
  const workspace = settings.workspace
  const refused = refusedEntries(problems, workspace)
  const why = 'not attempted: other files or inputs broke a rule, so nothing was sent.'
  const held = [
    ...(plan?.heldBack ?? []).map(sample => notAttempted(sample, why, workspace)),
    // The files of a sample that another of its files (its mate, a lane) kept from planning.
    ...(plan?.heldBackFiles ?? []).map(file =>
      relativeEntry<FailedSample>({ path: file, status: 'not attempted', error: why }, workspace)
    )
  ]
  const failed = [...refused, ...held]
  const totals: Totals = {
    ...emptyTotals(),
    samples: held.length,
    not_attempted: held.length,
    refused: refused.length
  }
  const headline = `${count(problems.length, 'problem')} found before upload; nothing was sent.`
  await publish({
    outcome: 'refused',
    api_url: originOf(settings.apiUrl),
    totals,
    sample_ids: [],
    samples: [],
    failed,
    problems: problems.map(p => relativeEntry(p, workspace)),
    warnings: plan?.warnings ?? []
  })
  const files = [
    refused.length > 0 ? `${count(refused.length, 'file')} refused` : '',
    held.length > 0
      ? `${[
          plan?.heldBack?.length ? count(plan.heldBack.length, 'sample') : '',
          plan?.heldBackFiles?.length ? count(plan.heldBackFiles.length, 'file') : ''
        ]
          .filter(Boolean)
          .join(' and ')} held back`
      : ''
  ].filter(Boolean)
  await writeSummary(limit =>
    problemsSummary(
      {
        heading: HEADING,
        totals: `Nothing was sent: ${count(problems.length, 'problem')} found before upload.${files.length > 0 ? ` ${files.join(', ')}.` : ''}`,
        problems
      },
      limit
    )
  )
  annotateCapped(
    problems.map(p => ({ message: p.message, properties: p.file ? { file: p.file } : {} })),
    {
      limit: ERROR_ANNOTATION_LIMIT,
      more: n =>
        `… and ${count(n, 'more problem')}: each is listed at the end of the log, in ${WHERE_TO_LOOK}.`,
      emit: core.error
    }
  )
  core.info(`Problems found before upload (${formatCount(problems.length)}):`)
  for (const problem of problems) core.info(`  ${problem.message}`)
  core.setFailed(headline)
}

function plannedRecord(sample: Sample, workspace: string): PlannedRecord {
  return relativeEntry<PlannedRecord>(
    {
      path: sample.file.path,
      filename: sample.file.filename,
      size: sample.file.size,
      ...(sample.mate
        ? {
            paired_end_path: sample.mate.path,
            paired_end_filename: sample.mate.filename,
            paired_end_size: sample.mate.size
          }
        : {}),
      route: sample.route ?? 'standard'
    },
    workspace
  )
}

/**
 * Reports a dry run: empty upload outputs, the plan in the results file and the job summary.
 * `extraLists` are further list outputs (e.g. `plan`) fitted into the same budget; `scope` says
 * which share of the plan a shard's job covers (`plan` then holds that share).
 */
export async function reportDryRun(
  plan: Plan,
  settings: ReportSettings,
  extraLists: readonly ListOutput[] = [],
  scope?: string
): Promise<void> {
  const samples = plan.samples
  await publish(
    {
      outcome: 'dry-run',
      api_url: originOf(settings.apiUrl),
      totals: { ...emptyTotals(), samples: samples.length },
      ...(scope ? { scope } : {}),
      sample_ids: [],
      samples: [],
      failed: [],
      problems: [],
      warnings: plan.warnings,
      planned: samples.map(s => plannedRecord(s, settings.workspace))
    },
    extraLists
  )
  await writeSummary(limit =>
    planSummary(
      {
        heading: `${HEADING} (dry run)`,
        totals: `${scopeLead(scope)}Dry run: ${dryRunTotals(samples, settings.apiUrl)}`,
        samples
      },
      limit
    )
  )
}

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
