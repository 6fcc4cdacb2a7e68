import * as core from '@actions/core'
import { printPlan } from './report/dry-run.js'
import { getInputs } from './inputs/input-helper.js'
import { planUploads } from './plan/planner.js'
import { reportProblems, reportResults, setEmptyOutputs } from './report/report.js'
import { uploadSamples } from './upload/uploader.js'

/**
 * The action: inputs → plan (discover, pair, validate) → upload → report.
 * Nothing is sent unless every input and every file passed validation.
 */
export async function run(): Promise<void> {
  try {
    const { settings, problems: inputProblems } = getInputs()
    const plan = await planUploads(settings)
    const problems = [...inputProblems, ...plan.problems]
    for (const warning of plan.warnings) core.warning(warning.message, { file: warning.file })

    if (problems.length > 0) {
      setEmptyOutputs()
      reportProblems(problems)
      core.setFailed(
        `${problems.length} problem${problems.length === 1 ? '' : 's'} found before upload; nothing was sent.`
      )
      return
    }
    if (plan.samples.length === 0) {
      setEmptyOutputs()
      return
    }
    if (settings.dryRun) {
      setEmptyOutputs()
      printPlan(plan, settings)
      return
    }

    const results = await uploadSamples(plan.samples, settings)
    await reportResults(plan.samples, results, settings.workspace)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
