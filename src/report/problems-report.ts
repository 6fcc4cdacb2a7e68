// The report of a run refused before upload (inputs or files broke a rule: nothing was sent),
// and the planning warnings of any run.
import * as core from '@actions/core'
import { formatCount } from '../shared/format.js'
import { originOf } from '../shared/url-policy.js'
import type { FailedSample, Plan, Problem, Sample } from '../shared/types.js'
import {
  annotateCapped,
  ANNOTATIONS_SHOWN_PER_STEP,
  ERROR_ANNOTATION_LIMIT
} from './annotation-cap.js'
import {
  emptyTotals,
  HEADING,
  publish,
  relativeEntry,
  WHERE_TO_LOOK,
  writeSummary,
  type ReportSettings
} from './publish.js'
import { failureOf } from '../upload/outcome.js'
import type { Totals } from './results-file.js'
import { count, problemsSummary } from './summary.js'

/** What planning noted that does not stop the run: its warnings, then its notices. */
export function reportPlanNotes(plan: Plan): void {
  reportWarnings(plan.warnings)
  for (const notice of plan.notices ?? []) core.notice(notice.message)
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

/** Groups the problems by file: one `refused` entry per file, with the rule(s) it broke. */
function refusedEntries(problems: readonly Problem[], workspace: string): FailedSample[] {
  const byFile = new Map<string, Problem[]>()
  for (const problem of problems) {
    // A problem of several files (a name clash, a lane group) refuses each of them.
    for (const file of new Set([problem.file, ...(problem.files ?? [])])) {
      if (!file) continue
      const list = byFile.get(file)
      if (list) list.push(problem)
      else byFile.set(file, [problem])
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
  return relativeEntry<FailedSample>(failureOf(sample, error, 'not attempted'), workspace)
}
