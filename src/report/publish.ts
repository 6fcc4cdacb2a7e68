/**
 * What every outcome's report shares (the outcomes have a file each: upload-report.ts,
 * problems-report.ts, dry-run-report.ts, nothing-to-upload.ts). However a run ends (uploaded,
 * failed, refused before upload, dry run, nothing matched), every file is accounted for once,
 * inside GitHub's limits.
 * - The complete record goes to a JSON file under RUNNER_TEMP (output `results-file`).
 * - The list outputs fit GitHub's 1 MB together (output-budget.ts); `truncated` names any list
 *   that had to be cut. Every path in them is workspace-relative. `analyses` is one of them.
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
import type { Settings } from '../shared/types.js'
import { fitListOutputs, type ListOutput } from './output-budget.js'
import {
  RESULTS_FILE_VERSION,
  writeResultsFile,
  type ResultsRecord,
  type Totals
} from './results-file.js'
import { SUMMARY_BUDGET_BYTES } from './summary-budget.js'

/** What the report needs of the settings. */
export type ReportSettings = Pick<Settings, 'workspace' | 'apiUrl'>

export const HEADING = 'One Codex upload'
export const WHERE_TO_LOOK = 'the job summary and the file named by the results-file output'

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

export function emptyTotals(): Totals {
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

/** "Shard 2/8: 13 of 97 samples. " to lead a totals line; empty when the job is no shard. */
export function scopeLead(scope: string | undefined): string {
  return scope ? `${scope[0].toUpperCase()}${scope.slice(1)}. ` : ''
}

/**
 * Writes the results file, then sets the outputs: the list outputs fitted into GitHub's limit
 * (plan order kept; `truncated` names a list that was cut), `results-file` and `truncated`.
 * Returns the results file's path (undefined when it could not be written).
 */
export async function publish(
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
    ...(record.analyses ? [{ name: Outputs.Analyses, items: record.analyses }] : []),
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
export async function writeSummary(build: (limit: number) => string): Promise<void> {
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
