// A retried init may leave orphans: an attempt whose answer was lost (a 504 from a gateway, a
// reset) may still have created a sample. The route's API client counts and times its init
// calls; after such a sample, the samples left awaiting data under its name are cancelled.
import { cancelSample, findOrphans } from '../onecodex/cancel.js'
import type { OneCodexClient } from '../onecodex/client.js'
import type { RetryPolicy } from '../net/retry-helper.js'
import { sampleLabel } from '../shared/sample.js'
import type { Sample } from '../shared/types.js'

/** What the uploader sees of a sample's init calls (a retried init may leave orphans). */
export interface InitTrack {
  calls: number
  /** The API call, as One Codex names it (init_upload, init_multipart_upload). */
  call?: string
  firstAt?: number
  answeredAt?: number
}

/**
 * The API client as the route sees it: the same client, but every `init*` call (init_upload,
 * init_multipart_upload) is counted and timed, so the uploader knows when an init was retried.
 */
export function trackInits(api: OneCodexClient, track: InitTrack): OneCodexClient {
  return new Proxy(api, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => unknown
      if (typeof property === 'string' && /^init[A-Z]/.test(property)) {
        return async (...args: unknown[]): Promise<unknown> => {
          track.calls++
          track.call ??= property.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`)
          track.firstAt ??= Date.now()
          const answer = await method.apply(target, args)
          track.answeredAt = Date.now()
          return answer
        }
      }
      return method.bind(target)
    }
  })
}

/**
 * After a sample whose init was sent more than once: an attempt whose answer was lost (a 504
 * from a gateway, a reset) may still have created a sample. Lists the samples with its filename
 * and cancels those awaiting data that were created since its first init, other than `keep`.
 * When listing is impossible, warns with the count of possible orphans.
 */
export async function sweepOrphans(
  sample: Sample,
  inits: InitTrack,
  keep: string | undefined,
  retry: RetryPolicy,
  admin: OneCodexClient,
  say: (line: string) => void,
  warn: (line: string) => void
): Promise<void> {
  const name = sampleLabel(sample)
  const filename = sample.file.filename
  const possible = inits.calls - (keep ? 1 : 0)
  let listed
  try {
    listed = await admin.listSamples({ filename }, retry, {
      label: `${name}: listing samples named ${filename} (${inits.call ?? 'init_upload'} was retried)`
    })
  } catch (error) {
    warn(
      `${name}: ${inits.call ?? 'init_upload'} was sent ${inits.calls} times and an attempt whose answer was lost may still have created a sample; listing samples to find them failed (${error instanceof Error ? error.message : String(error)}). Up to ${possible} sample${possible === 1 ? '' : 's'} named ${filename} may be left awaiting data in One Codex.`
    )
    return
  }
  const orphans = findOrphans(listed, {
    filename,
    keep,
    initStartedAt: inits.firstAt ?? Date.now(),
    keptAnsweredAt: keep ? inits.answeredAt : undefined
  })
  if (orphans.length === 0) {
    say(
      `${name}: ${inits.call ?? 'init_upload'} was sent ${inits.calls} times; no extra sample was left behind.`
    )
    return
  }
  const left: string[] = []
  for (const orphan of orphans) {
    const result = await cancelSample(admin, retry, orphan.sampleId, name)
    if (result.outcome === 'failed') left.push(`${orphan.sampleId} (${result.error})`)
  }
  const ids = orphans.map(o => o.sampleId).join(', ')
  say(
    `${name}: ${inits.call ?? 'init_upload'} was sent ${inits.calls} times and left ${orphans.length} extra sample${orphans.length === 1 ? '' : 's'} awaiting data (${ids}); cancelled ${orphans.length - left.length} of them with cancel_upload.`
  )
  if (left.length > 0)
    warn(
      `${name}: could not cancel ${left.length} extra sample${left.length === 1 ? '' : 's'} left awaiting data by a retried ${inits.call ?? 'init_upload'}: ${left.join('; ')}.`
    )
}
