import * as core from '@actions/core'
import { planOutput, printPlan } from './report/dry-run.js'
import { getInputs } from './inputs/input-helper.js'
import { planUploads } from './plan/planner.js'
import {
  reportDryRun,
  reportNothingToUpload,
  reportProblems,
  reportResults,
  reportWarnings
} from './report/report.js'
import { notAttempted, uploadSamples } from './upload/uploader.js'
import { describeShare, selectShard } from './plan/shard.js'
import { findExisting, previewExisting, withExisting } from './upload/existing.js'
import { watchCancellation } from './upload/signals.js'
import { UploadError } from './shared/upload-error.js'
import { Inputs } from './shared/constants.js'

/**
 * The action: inputs → plan (discover, pair, validate) → upload → report.
 * Nothing is sent unless every input and every file passed validation.
 */
export async function run(): Promise<void> {
  // From here on SIGINT/SIGTERM (a cancelled job) no longer kill the process at once.
  const cancellation = watchCancellation()
  try {
    const { settings, problems: inputProblems } = getInputs()
    const plan = await planUploads(settings)
    const problems = [...inputProblems, ...plan.problems]
    reportWarnings(plan.warnings)
    for (const notice of plan.notices ?? []) core.notice(notice.message)

    if (problems.length > 0) {
      // Outputs, summary and results file name every refused file; the step fails.
      await reportProblems(problems, settings, plan)
      return
    }
    if (plan.samples.length === 0) {
      await reportNothingToUpload(settings, plan)
      return
    }
    // Every shard validated the whole plan above; each uploads only its share.
    const share = selectShard(plan.samples, settings.shard)
    const scope = settings.shard && describeShare(settings.shard, share.length, plan.samples.length)
    if (scope) core.info(`${scope[0].toUpperCase()}${scope.slice(1)}.`)
    if (settings.dryRun) {
      printPlan({ ...plan, samples: share }, settings, scope)
      if (settings.skipExisting) await previewExisting(share, settings)
      await reportDryRun(
        { ...plan, samples: share },
        settings,
        [planOutput(share, settings)],
        scope
      )
      return
    }

    // skip-existing: a read-only lookup before any upload; when it fails nothing is uploaded.
    let found: Awaited<ReturnType<typeof findExisting>> | undefined
    try {
      found = settings.skipExisting ? await findExisting(share, settings) : undefined
    } catch (error) {
      // A 401/402 carries the account-level cause, naming the input to check.
      const reason =
        error instanceof UploadError && error.account
          ? error.account.message
          : error instanceof Error
            ? error.message
            : String(error)
      core.error(reason)
      const why = `${Inputs.SkipExisting} could not ask One Codex which samples it already holds (see the error above).`
      await reportResults(
        share,
        { ...notAttempted(share, why), ...(scope ? { scope } : {}) },
        settings,
        plan.warnings
      )
      return
    }
    const toUpload = found ? share.filter((_, index) => !found.existing.has(index)) : share
    const results = await uploadSamples(toUpload, settings, { signal: cancellation.signal })
    await reportResults(
      share,
      { ...withExisting(share, found?.existing, results), ...(scope ? { scope } : {}) },
      settings,
      plan.warnings
    )
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  } finally {
    cancellation.dispose()
    // A cancelled job exits now that its outputs and summary are written, whatever transfer
    // may still be winding down (the runner kills the process soon after SIGTERM).
    if (cancellation.cancelledAt() !== undefined) process.exit(1)
  }
}
