import * as core from '@actions/core'
import { describeSize } from './format.js'
import { buildInitBody } from './init-body.js'
import { displayPath } from './paths.js'
import { sampleBytes, sampleFiles } from './sample.js'
import type { Plan, SampleFile, Settings } from './types.js'

/**
 * Prints what a run would upload: each sample with its file(s), size, format and compression,
 * and the JSON body its init_upload would carry (the API key is never part of it), then a total.
 */
export function printPlan(plan: Plan, settings: Settings): void {
  const count = plan.samples.length
  const describe = (role: string, file: SampleFile): string =>
    `  ${role}: ${displayPath(file.path, settings.workspace)} — ${describeSize(file.size)}, ${file.format}, ${file.compression === 'gzip' ? 'gzip-compressed' : 'uncompressed'}`

  let files = 0
  let bytes = 0
  core.startGroup(`Dry run: ${count} sample${count === 1 ? '' : 's'} planned`)
  try {
    plan.samples.forEach((sample, index) => {
      core.info(`Sample ${index + 1} of ${count} (${sample.mate ? 'paired-end' : 'single file'})`)
      core.info(describe(sample.mate ? 'R1' : 'file', sample.file))
      if (sample.mate) core.info(describe('R2', sample.mate))
      core.info(`  init_upload body: ${JSON.stringify(buildInitBody(sample, settings))}`)
      files += sampleFiles(sample).length
      bytes += sampleBytes(sample)
    })
  } finally {
    core.endGroup()
  }
  core.info(
    `Dry run: ${count} sample${count === 1 ? '' : 's'} (${files} file${files === 1 ? '' : 's'}, ${describeSize(bytes)}) would be uploaded to ${originOf(settings.apiUrl)}; nothing was sent.`
  )
}

/** The URL's origin only: never echo credentials a URL might carry. */
function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return 'the API'
  }
}
