// The report of a dry run: empty upload outputs, the plan in the results file and the job
// summary.
import * as core from '@actions/core'
import { wouldAwait } from '../analysis/wait-stage.js'
import { originOf } from '../shared/url-policy.js'
import type { Share } from '../plan/share.js'
import type { Plan, Sample, Settings } from '../shared/types.js'
import type { CheckedCounts, FilesChecked } from '../verify/check-files.js'
import { previewExisting } from '../upload/existing.js'
import { dryRunTotals, planOutput, printPlan } from './dry-run.js'
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
 * Nothing is uploaded, nothing awaited.
 */
export async function dryRun(
  share: Share,
  plan: Plan,
  settings: Settings,
  checked?: FilesChecked
): Promise<void> {
  const counts = checked?.counts
  printPlan({ ...plan, samples: share.samples }, settings, share.scope, counts)
  if (settings.skipExisting) await previewExisting(share.samples, settings)
  const awaiting = settings.waitForAnalysis
    ? wouldAwait(share.samples.length, settings.analysisTimeoutMs)
    : undefined
  if (awaiting) core.info(awaiting)
  await reportDryRun(
    { ...plan, samples: share.samples, warnings: [...plan.warnings, ...(checked?.warnings ?? [])] },
    settings,
    [planOutput(share.samples, settings, counts)],
    share.scope,
    awaiting,
    counts
  )
}

/**
 * Reports a dry run: empty upload outputs, the plan in the results file and the job summary.
 * `extraLists` are further list outputs (e.g. `plan`) fitted into the same budget; `scope` says
 * which share of the plan a shard's job covers (`plan` then holds that share); `awaiting` what
 * wait-for-analysis would wait for.
 */
export async function reportDryRun(
  plan: Plan,
  settings: ReportSettings,
  extraLists: readonly ListOutput[] = [],
  scope?: string,
  awaiting?: string,
  counts?: CheckedCounts
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
      planned: samples.map(s => plannedRecord(s, settings.workspace, counts))
    },
    extraLists
  )
  await writeSummary(limit =>
    planSummary(
      {
        heading: `${HEADING} (dry run)`,
        totals: `${scopeLead(scope)}Dry run: ${dryRunTotals(samples, settings.apiUrl)}${awaiting ? ` ${awaiting}` : ''}`,
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
