import { MAX_SINGLE_REQUEST_BYTES, MAX_UPLOAD_BYTES } from '../contract/spec.js'
import { Inputs, type UploadMethod } from '../shared/constants.js'
import { describeSize } from '../shared/format.js'
import { sampleFiles, sampleLabel } from '../shared/sample.js'
import type { Problem, Route, Sample } from '../shared/types.js'
import { insecureUrlReason } from '../shared/url-policy.js'

/**
 * The environment variable that points the multipart route at another S3 endpoint than AWS's
 * (tests, an S3-compatible mirror). The AWS SDK's own name for it; no other AWS_* setting is
 * read (not AWS_ENDPOINT_URL, not a profile): the temporary keys belong to One Codex's bucket.
 */
export const S3_ENDPOINT_ENV = 'AWS_ENDPOINT_URL_S3'

/** Where the multipart route sends S3 requests: AWS (no `url`), an override, or a problem. */
export interface S3EndpointChoice {
  /** The override's origin, e.g. `https://s3.example.org:9000`. */
  readonly url?: string
  /** Why the override may not be used. */
  readonly problem?: string
}

/**
 * Reads AWS_ENDPOINT_URL_S3: unset or empty means AWS's own endpoint; otherwise it must be an
 * https origin (plain http only on loopback hosts, as for every destination), without
 * credentials, path or query.
 */
export function s3EndpointChoice(env: NodeJS.ProcessEnv = process.env): S3EndpointChoice {
  const raw = env[S3_ENDPOINT_ENV]?.trim()
  if (!raw) return {}
  const reason = insecureUrlReason(raw, S3_ENDPOINT_ENV)
  if (reason) return { problem: `${reason} It would receive the temporary upload keys.` }
  const url = new URL(raw)
  if (url.username || url.password || url.search || url.hash || url.pathname.replace(/\/+$/, ''))
    return {
      problem: `${S3_ENDPOINT_ENV} "${url.origin}" must be a bare origin (scheme, host, port): no user, path, query or fragment.`
    }
  return { url: url.origin }
}

export interface RouteChoice {
  readonly route: Route
  readonly problems: readonly Problem[]
  readonly warnings: readonly Problem[]
}

/**
 * Picks the route of one sample. `auto` keeps the documented standard route for every sample
 * whose files are all at most 5 GB (what S3 takes in one request) and sends a sample with any
 * bigger file as an S3 multipart upload, as One Codex's own client does. A forced `standard`
 * keeps the standard route's 20 GB limit and warns above 5 GB. A sample on the multipart route
 * is refused when AWS_ENDPOINT_URL_S3 is set to a destination that may not have the keys.
 * It warns when `interleaved` is set, which init_multipart_upload does not take.
 * `display` turns a path into the form used in messages; `env` is where AWS_ENDPOINT_URL_S3 is
 * read (tests pass their own).
 */
export function chooseRoute(
  sample: Sample,
  method: UploadMethod,
  display: (file: string) => string,
  options: { interleaved?: boolean; env?: NodeJS.ProcessEnv } = {}
): RouteChoice {
  const files = sampleFiles(sample)
  const biggest = files.reduce((a, b) => (b.size > a.size ? b : a))
  if (method === 'multipart' || (method === 'auto' && biggest.size > MAX_SINGLE_REQUEST_BYTES)) {
    const { problem } = s3EndpointChoice(options.env)
    const shown = display(sample.file.path)
    return {
      route: 'multipart',
      problems: problem ? [{ file: shown, message: `${shown}: ${problem}` }] : [],
      warnings:
        options.interleaved === undefined
          ? []
          : [
              {
                file: shown,
                message: `${shown}: ${Inputs.Interleaved}: ${options.interleaved} is not sent for ${sampleLabel(sample)}: it goes by the multipart route, whose init_multipart_upload takes no interleaved field.`
              }
            ]
    }
  }
  if (method === 'auto') return { route: 'standard', problems: [], warnings: [] }
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
