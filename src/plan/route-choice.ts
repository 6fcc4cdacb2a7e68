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

const MiB = 1024 * 1024

/**
 * `upload-method: auto` sends a sample by the multipart route when its largest file (either mate
 * of a pair; merged lanes count as the one file they become) is at least this big, by the
 * standard route below it. Measured (`npm run bench`, WAN auto threshold: the whole action run,
 * 100 MB/s per connection, medians of 5, standard / multipart wall seconds): 48 MiB 0.82 / 0.82
 * at 0 ms round trip and 0.90 / 1.02 at 30 ms; 64 MiB 0.99 / 0.84 and 1.07 / 0.99; 100 MiB
 * 1.35 / 0.84 and 1.45 / 0.99. Multipart wins from 64 MiB at both round trips, and by more the
 * bigger the file (a 2 GiB file: about 6x the standard route). Below it the multipart route's
 * fixed cost (loading the S3 SDK, CreateMultipartUpload, CompleteMultipartUpload, the callback:
 * 0.17-0.23 s) outweighs what parallel parts buy. On a starved CPU the crossover moved up to
 * 100 MiB; either way the two routes differ by under 0.5 s there.
 */
export const AUTO_MULTIPART_MIN_BYTES = 64 * MiB

export interface RouteChoice {
  readonly route: Route
  readonly problems: readonly Problem[]
  readonly warnings: readonly Problem[]
}

/**
 * Picks the route of one sample. `auto` takes the multipart route (as One Codex's own client
 * does for every file) for a sample whose largest file is at least AUTO_MULTIPART_MIN_BYTES, the
 * standard route below it; with `interleaved` set it keeps the standard route up to 5 GB (what S3
 * takes in one request), since init_multipart_upload cannot carry that field. A forced
 * `standard` keeps the standard route's 20 GB limit and warns above 5 GB. A sample on the
 * multipart route is refused when AWS_ENDPOINT_URL_S3 is set to a destination that may not have
 * the keys. It warns when `interleaved` is set, which init_multipart_upload does not take.
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
  if (method === 'multipart' || (method === 'auto' && autoTakesMultipart(biggest.size, options)))
    return multipartChoice(sample, display, options)
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

/** `auto`'s rule for a sample whose largest file has `biggest` bytes. */
function autoTakesMultipart(biggest: number, options: { interleaved?: boolean }): boolean {
  if (biggest > MAX_SINGLE_REQUEST_BYTES) return true
  return options.interleaved === undefined && biggest >= AUTO_MULTIPART_MIN_BYTES
}

function multipartChoice(
  sample: Sample,
  display: (file: string) => string,
  options: { interleaved?: boolean; env?: NodeJS.ProcessEnv }
): RouteChoice {
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
