// An init whose answer was lost may leave orphans: an attempt that got no answer (a 504 from a
// gateway, a connection dropped after the request was sent, the job cancelled while it was in
// flight) may still have made a sample. The route's API client counts and times its init calls;
// after such a sample, the samples left awaiting data under its name are cancelled.
import { cancelSample, findOrphans, withDeadline } from '../onecodex/cancel.js'
import type { OneCodexClient } from '../onecodex/client.js'
import { mayHaveBeenActedOn } from '../onecodex/connection.js'
import type { ListedSample } from '../onecodex/samples.js'
import type { RetryPolicy } from '../net/retry-helper.js'
import { sampleLabel } from '../shared/sample.js'
import type { Sample } from '../shared/types.js'

/** What the uploader sees of a sample's init calls (one whose answer was lost may leave orphans). */
export interface InitTrack {
  calls: number
  /** The API call, as One Codex names it (init_upload, init_multipart_upload). */
  call?: string
  firstAt?: number
  answeredAt?: number
  /**
   * Attempts that failed in a way that may still have made a sample: a 5xx, an answer that
   * could not be read, a failure after the request was sent in full. Not a 4xx, nor a failure
   * before the request went out.
   */
  uncertain: number
  /** Attempts still waiting for their answer (at a cancellation: may have made a sample). */
  inFlight: number
}

/** A fresh track: no init call yet. */
export const newInitTrack = (): InitTrack => ({ calls: 0, uncertain: 0, inFlight: 0 })

/** How many init attempts may have made a sample this run does not know of. */
export function unknownOutcomes(track: InitTrack): number {
  return track.uncertain + track.inFlight
}

/**
 * The API client as the route sees it: the same client, but every `init*` call (init_upload,
 * init_multipart_upload) is counted, timed and its failure classified, so the uploader knows
 * when an attempt may have made a sample it never heard of.
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
          track.inFlight++
          try {
            const answer = await method.apply(target, args)
            track.answeredAt = Date.now()
            return answer
          } catch (error) {
            if (mayHaveBeenActedOn(error)) track.uncertain++
            throw error
          } finally {
            track.inFlight--
          }
        }
      }
      return method.bind(target)
    }
  })
}

/** "once", "3 times". */
const times = (n: number): string => (n === 1 ? 'once' : `${n} times`)

export interface SweepContext {
  retry: RetryPolicy
  admin: OneCodexClient
  say: (line: string) => void
  warn: (line: string) => void
  /** Epoch ms by which the sweep must be over (job cancellation's clean-up budget). */
  deadline?: number
  /** Why the init's outcome is unknown, for the log: "before the job was cancelled". */
  why?: string
}

/**
 * After a sample one of whose init attempts may have made a sample without its answer
 * arriving: lists the samples with its filename and cancels those awaiting data that were
 * created since its first init, other than `keep`. When listing is impossible (or the deadline
 * comes first), warns with the count of possible orphans.
 */
export async function sweepOrphans(
  sample: Sample,
  inits: InitTrack,
  keep: string | undefined,
  context: SweepContext
): Promise<void> {
  const { retry, admin, say, warn, deadline } = context
  const name = sampleLabel(sample)
  const filename = sample.file.filename
  const call = inits.call ?? 'init_upload'
  const sent = `${call} was sent ${times(inits.calls)}${context.why ? ` ${context.why}` : ''}`
  const possible = Math.max(1, unknownOutcomes(inits))
  const mayBeLeft = `Up to ${possible} sample${possible === 1 ? '' : 's'} named ${filename} may be left awaiting data in One Codex.`
  const listing = await withDeadline(
    admin
      .listSamples({ filename }, retry, {
        label: `${name}: listing samples named ${filename} (an answer of ${call} was lost)`
      })
      .then(
        (listed): { listed: ListedSample[] } => ({ listed }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) })
      ),
    deadline,
    () => ({ error: 'the clean-up time after the job was cancelled ran out' })
  )
  if (!('listed' in listing)) {
    warn(
      `${name}: ${sent} and an attempt whose answer was lost may still have created a sample; listing samples to find them failed (${listing.error}). ${mayBeLeft}`
    )
    return
  }
  const { listed } = listing
  const orphans = findOrphans(listed, {
    filename,
    keep,
    initStartedAt: inits.firstAt ?? Date.now(),
    keptAnsweredAt: keep ? inits.answeredAt : undefined
  })
  if (orphans.length === 0) {
    say(`${name}: ${sent}; no extra sample was left behind.`)
    return
  }
  const results = await Promise.all(
    orphans.map(orphan => cancelSample(admin, retry, orphan.sampleId, name, deadline))
  )
  const left = results.flatMap((result, i) =>
    result.outcome === 'failed' ? [`${orphans[i].sampleId} (${result.error})`] : []
  )
  const ids = orphans.map(o => o.sampleId).join(', ')
  say(
    `${name}: ${sent} and left ${orphans.length} extra sample${orphans.length === 1 ? '' : 's'} awaiting data (${ids}); cancelled ${orphans.length - left.length} of them with cancel_upload.`
  )
  if (left.length > 0)
    warn(
      `${name}: could not cancel ${left.length} extra sample${left.length === 1 ? '' : 's'} left awaiting data by ${call} whose answer was lost: ${left.join('; ')}.`
    )
}
