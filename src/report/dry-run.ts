import * as core from '@actions/core'
import { describeSize } from '../shared/format.js'
import { buildRouteInitBody } from '../contract/init-body.js'
import { displayPath } from '../shared/paths.js'
import { sampleBytes, sampleFiles } from '../shared/sample.js'
import type { Plan, Source, Settings } from '../shared/types.js'

/**
 * Prints what a run would upload: each sample with its file(s), size, format and compression,
 * and the JSON body its init_upload would carry (the API key is never part of it), then a total.
 */
export function printPlan(plan: Plan, settings: Settings): void {
  const count = plan.samples.length
  const describe = (role: string, file: Source): string =>
    `  ${role}: ${displayPath(file.path, settings.workspace)} — ${describeSize(file.size)}, ${file.format}, ${file.compression === 'gzip' ? 'gzip-compressed' : 'uncompressed'}`

  let files = 0
  let bytes = 0
  core.startGroup(`Dry run: ${count} sample${count === 1 ? '' : 's'} planned`)
  try {
    plan.samples.forEach((sample, index) => {
      const route = sample.route ?? 'standard'
      core.info(
        `Sample ${index + 1} of ${count} (${sample.mate ? 'paired-end' : 'single file'}, ${route} route)`
      )
      core.info(describe(sample.mate ? 'R1' : 'file', sample.file))
      if (sample.mate) core.info(describe('R2', sample.mate))
      const call = route === 'multipart' ? 'init_multipart_upload' : 'init_upload'
      core.info(`  ${call} body: ${JSON.stringify(buildRouteInitBody(sample, settings))}`)
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
