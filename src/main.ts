import * as core from '@actions/core'
import { awaitRunAnalyses } from './analysis/wait-stage.js'
import { getInputs } from './inputs/input-helper.js'
import { planUploads } from './plan/planner.js'
import { shareOf } from './plan/share.js'
import { dryRun } from './report/dry-run-report.js'
import { reportNothingToUpload } from './report/nothing-to-upload.js'
import { reportPlanNotes, reportProblems } from './report/problems-report.js'
import { reportResults } from './report/upload-report.js'
import { lookUpExisting } from './upload/existing.js'
import { watchCancellation } from './upload/signals.js'
import { uploadShare } from './upload/uploader.js'
import { prepareMultipartRoute } from './upload/routes/multipart-route.js'

/**
 * The action: inputs → plan (discover, pair, validate) → shard → (dry run: check every file's
 * content, print the plan) → look up existing → upload (each file's content checked as it
 * streams, the sample confirmed once it passed) →
 * wait for the analyses (wait-for-analysis) → report. Nothing is sent unless every input and
 * every file passed validation.
 */
export async function run(): Promise<void> {
  // From here on SIGINT/SIGTERM (a cancelled job) no longer kill the process at once.
  const cancellation = watchCancellation()
  try {
    const { settings, problems: inputProblems } = getInputs()
    const plan = await planUploads(settings)
    reportPlanNotes(plan)
    // Outputs, summary and results file name every refused file; the step fails.
    const problems = [...inputProblems, ...plan.problems]
    if (problems.length > 0) return await reportProblems(problems, settings, plan)
    if (plan.samples.length === 0) return await reportNothingToUpload(settings, plan)

    const share = shareOf(plan, settings)
    const { signal } = cancellation
    if (settings.dryRun) return await dryRun(share, plan, settings, { signal })
    prepareMultipartRoute(share.samples)
    const existing = await lookUpExisting(share, settings, { signal })
    const results = await uploadShare(share, existing, settings, { signal })
    const analyses = await awaitRunAnalyses(results, settings, { signal })
    await reportResults(share.samples, results, settings, plan.warnings, analyses)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  } finally {
    cancellation.dispose()
    // A cancelled job exits now that its outputs and summary are written, whatever transfer
    // may still be winding down (the runner kills the process soon after SIGTERM).
    if (cancellation.cancelledAt() !== undefined) process.exit(1)
  }
}
