// The report of a dry run: empty upload outputs, the plan in the results file and the job
// summary.
import * as core from '@actions/core'
import { wouldAwait } from '../analysis/wait-stage.js'
import { Inputs } from '../shared/constants.js'
import { originOf } from '../shared/url-policy.js'
import type { Share } from '../plan/share.js'
import type { Plan, Sample, Settings } from '../shared/types.js'
import { UploadError } from '../shared/upload-error.js'
import { isCancelledLookup, previewExisting } from '../upload/existing.js'
import { checkFiles, type CheckedCounts } from '../verify/check-files.js'
import { dryRunTotals, planOutput, printDryRunTotals, printPlan } from './dry-run.js'
import { reportProblems } from './problems-report.js'
import type { ListOutput } from './output-budget.js'
import {
  emptyTotals,
  HEADING,
  publish,
  relativeEntry,
  scopeLead,
  writeSummary,
  type ReportSettings
} from './publish.js'
import type { PlannedRecord } from './results-file.js'
import { planSummary } from './summary.js'

/**
 * The dry-run stage: the plan of this job's share printed, what One Codex already holds of it
 * (with skip-existing; read-only), what wait-for-analysis would wait for, and the report.
 * Nothing is uploaded, nothing awaited. A lookup that fails or that the job's cancellation
 * (`signal`) stops still ends in the report, and fails the step.
 */
export async function dryRun(
  share: Share,
  plan: Plan,
  settings: Settings,
  options: { signal?: AbortSignal } = {}
): Promise<void> {
  // validate full: every file checked first (nothing sent); a failure fails the dry run.
  const checked =
    (settings.validate ?? 'full') === 'full' ? await checkFiles(share.samples, settings) : undefined
  if (checked && checked.problems.length > 0)
    return await reportProblems(checked.problems, settings, {
      ...plan,
      samples: share.samples,
      warnings: [...plan.warnings, ...checked.warnings],
      heldBack: checked.passed
    })
  const counts = checked?.counts
  printPlan({ ...plan, samples: share.samples }, settings, share.scope, counts)
  let stopped: string | undefined
  let skipped: ReadonlySet<number> | undefined
  if (settings.skipExisting) {
    try {
      const lookup = await previewExisting(share.samples, settings, { signal: options.signal })
      skipped = new Set(lookup.existing.keys())
    } catch (error) {
      if (isCancelledLookup(error))
        stopped = `The job was cancelled during the ${Inputs.SkipExisting} lookup of the dry run.`
      else {
        core.error(
          error instanceof UploadError && error.account
            ? error.account.message
            : error instanceof Error
              ? error.message
              : String(error)
        )
        stopped = `The dry run's ${Inputs.SkipExisting} lookup failed (see the error above).`
      }
    }
  }
  const awaiting = settings.waitForAnalysis
    ? wouldAwait(share.samples.length, settings.analysisTimeoutMs)
    : undefined
  if (awaiting) core.info(awaiting)
  await reportDryRun(
    { ...plan, samples: share.samples, warnings: [...plan.warnings, ...(checked?.warnings ?? [])] },
    settings,
    {
      extraLists: [planOutput(share.samples, settings, counts)],
      scope: share.scope,
      stopped,
      skipped,
      awaiting,
      counts
    }
  )
  // The last line: what a real run would do (after the lookup, with skip-existing).
  if (stopped) core.setFailed(stopped)
  else if (skipped) printDryRunTotals(share.samples, settings.apiUrl, share.scope, skipped)
}

export interface DryRunReport {
  /** Further list outputs (e.g. `plan`) fitted into the same budget. */
  extraLists?: readonly ListOutput[]
  /** Which share of the plan a shard's job covers (`plan` then holds that share). */
  scope?: string
  /** Why the dry run failed (its skip-existing lookup failed or was cancelled). */
  stopped?: string
  /** With skip-existing: the plan indexes One Codex already holds. */
  skipped?: ReadonlySet<number>
  /** What wait-for-analysis would wait for. */
  awaiting?: string
  /** validate full: the reads and bases counted in each file. */
  counts?: CheckedCounts
}

/** Reports a dry run: empty upload outputs, the plan in the results file and the job summary. */
export async function reportDryRun(
  plan: Plan,
  settings: ReportSettings,
  report: DryRunReport = {}
): Promise<void> {
  const { extraLists = [], scope, stopped, skipped, awaiting, counts } = report
  const samples = plan.samples
  await publish(
    {
      outcome: 'dry-run',
      api_url: originOf(settings.apiUrl),
      totals: { ...emptyTotals(), samples: samples.length, existing: skipped?.size ?? 0 },
      ...(scope ? { scope } : {}),
      sample_ids: [],
      samples: [],
      failed: [],
      problems: [],
      warnings: plan.warnings,
      planned: samples.map(s => plannedRecord(s, settings.workspace, counts))
    },
    extraLists
  )
  await writeSummary(limit =>
    planSummary(
      {
        heading: `${HEADING} (dry run)`,
        totals: `${stopped ? `${stopped} ` : ''}${scopeLead(scope)}Dry run: ${dryRunTotals(samples, settings.apiUrl, skipped)}${awaiting ? ` ${awaiting}` : ''}`,
        samples,
        counts
      },
      limit
    )
  )
}

function plannedRecord(sample: Sample, workspace: string, counts?: CheckedCounts): PlannedRecord {
  const r1 = counts?.get(sample.file)
  const r2 = sample.mate ? counts?.get(sample.mate) : undefined
  return relativeEntry<PlannedRecord>(
    {
      path: sample.file.path,
      filename: sample.file.filename,
      size: sample.file.size,
      ...(r1 ? { reads: r1.reads, bases: r1.bases } : {}),
      ...(sample.mate
        ? {
            paired_end_path: sample.mate.path,
            paired_end_filename: sample.mate.filename,
            paired_end_size: sample.mate.size,
            ...(r2 ? { paired_end_reads: r2.reads, paired_end_bases: r2.bases } : {})
          }
        : {}),
      route: sample.route ?? 'standard'
    },
    workspace
  )
}
