import * as core from '@actions/core'
import { Outputs } from '../shared/constants.js'
import { formatBytes, formatDuration } from '../shared/format.js'
import { displayPath } from '../shared/paths.js'
import { sampleBytes, sampleFiles } from '../shared/sample.js'
import type { FailedSample, Problem, Sample, UploadedSample } from '../shared/types.js'
import type { UploadResults } from '../upload/uploader.js'

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

/**
 * Reports the upload: the three outputs (plan order), a job summary table when the runner
 * provides GITHUB_STEP_SUMMARY, an ::error annotation per failed file, and a failed step when
 * any sample failed. `workspace` makes annotation paths repository-relative.
 */
export async function reportResults(
  samples: readonly Sample[],
  results: UploadResults,
  workspace: string = process.env.GITHUB_WORKSPACE || process.cwd()
): Promise<void> {
  const uploaded: UploadedSample[] = []
  const failed: FailedSample[] = []
  for (const outcome of results.outcomes) {
    if (outcome.ok) uploaded.push(outcome.sample)
    else failed.push(outcome.failure)
  }
  core.setOutput(Outputs.SampleIds, JSON.stringify(uploaded.map(s => s.sample_id)))
  core.setOutput(Outputs.Samples, JSON.stringify(uploaded))
  core.setOutput(Outputs.Failed, JSON.stringify(failed))

  if (process.env.GITHUB_STEP_SUMMARY) await writeSummary(samples, results)

  const total = results.outcomes.length
  core.info(
    `Uploaded and confirmed ${uploaded.length} of ${total} sample${total === 1 ? '' : 's'}.`
  )
  if (failed.length === 0) return
  for (const failure of failed) {
    core.error(failure.error, {
      title: 'Upload failed',
      file: displayPath(failure.path, workspace)
    })
  }
  core.setFailed(
    [
      `${failed.length} of ${total} sample${total === 1 ? '' : 's'} failed to upload:`,
      ...failed.map(f => `- ${f.path}: ${f.error}`)
    ].join('\n')
  )
}

async function writeSummary(samples: readonly Sample[], results: UploadResults): Promise<void> {
  const header = ['File(s)', 'Size', 'Sample ID', 'Status', 'Time'].map(data => ({
    data,
    header: true
  }))
  const rows = results.outcomes.map((outcome, index) => {
    const sample = samples[index]
    const files = sample
      ? sampleFiles(sample)
          .map(f => escapeHtml(f.filename))
          .join('<br>')
      : ''
    const size = sample ? formatBytes(sampleBytes(sample)) : ''
    const time = formatDuration(outcome.durationMs)
    return outcome.ok
      ? [files, size, `<code>${escapeHtml(outcome.sample.sample_id)}</code>`, '✅ confirmed', time]
      : [files, size, '', `❌ ${escapeHtml(outcome.failure.error)}`, time]
  })
  const ok = results.outcomes.filter(o => o.ok).length
  await core.summary
    .addHeading('One Codex upload', 2)
    .addRaw(`${ok} of ${results.outcomes.length} samples confirmed.`, true)
    .addTable([header, ...rows])
    .write()
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}
