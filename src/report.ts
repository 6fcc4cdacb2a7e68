import * as core from '@actions/core'
import { Outputs } from './constants.js'
import type { Problem, Sample } from './types.js'
import type { UploadResults } from './uploader.js'

/** Outputs when nothing was uploaded: empty arrays, so later steps can always parse them. */
export function setEmptyOutputs(): void {
  core.setOutput(Outputs.SampleIds, '[]')
  core.setOutput(Outputs.Samples, '[]')
  core.setOutput(Outputs.Failed, '[]')
}

/** One ::error line per problem, annotated with its file when it has one. */
export function reportProblems(problems: readonly Problem[]): void {
  for (const problem of problems)
    core.error(problem.message, problem.file ? { file: problem.file } : {})
}

/** Placeholder until the upload engine lands. */
export async function reportResults(
  _samples: readonly Sample[],
  _results: UploadResults
): Promise<void> {}
