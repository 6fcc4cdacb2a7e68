import { MAX_SINGLE_REQUEST_BYTES, MAX_UPLOAD_BYTES } from '../contract/spec.js'
import { Inputs, type UploadMethod } from '../shared/constants.js'
import { describeSize } from '../shared/format.js'
import { sampleFiles } from '../shared/sample.js'
import type { Problem, Route, Sample } from '../shared/types.js'

export interface RouteChoice {
  readonly route: Route
  readonly problems: readonly Problem[]
  readonly warnings: readonly Problem[]
}

/**
 * Picks the route of one sample. `auto` keeps the documented standard route for every sample
 * whose files are all at most 5 GB (what S3 takes in one request) and sends a sample with any
 * bigger file as an S3 multipart upload, as One Codex's own client does. A forced `standard`
 * keeps the standard route's 20 GB limit and warns above 5 GB. `display` turns a path into the
 * form used in messages.
 */
export function chooseRoute(
  sample: Sample,
  method: UploadMethod,
  display: (file: string) => string
): RouteChoice {
  const files = sampleFiles(sample)
  const biggest = files.reduce((a, b) => (b.size > a.size ? b : a))
  if (method === 'multipart') return { route: 'multipart', problems: [], warnings: [] }
  if (method === 'auto') {
    return {
      route: biggest.size > MAX_SINGLE_REQUEST_BYTES ? 'multipart' : 'standard',
      problems: [],
      warnings: []
    }
  }
  const problems: Problem[] = []
  const warnings: Problem[] = []
  for (const file of files) {
    const shown = display(file.path)
    if (file.size > MAX_UPLOAD_BYTES) {
      problems.push({
        file: shown,
        message: `${shown}: ${file.filename} is ${describeSize(file.size)}, larger than the ${describeSize(MAX_UPLOAD_BYTES)} limit of the standard upload (${Inputs.UploadMethod}: standard). Use ${Inputs.UploadMethod}: auto or multipart.`
      })
    } else if (file.size > MAX_SINGLE_REQUEST_BYTES) {
      warnings.push({
        file: shown,
        message: `${shown}: ${file.filename} is ${describeSize(file.size)}; S3 refuses a single request over ${describeSize(MAX_SINGLE_REQUEST_BYTES)}, so the standard route (${Inputs.UploadMethod}: standard) will likely fail for it. ${Inputs.UploadMethod}: auto sends it in parts.`
      })
    }
  }
  return { route: 'standard', problems, warnings }
}
