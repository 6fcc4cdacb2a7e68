import type { OneCodexClient } from './client.js'
import { AWAITING_DATA, type ListedSample } from './samples.js'
import type { RetryPolicy } from '../net/retry-helper.js'

/** How a cancel_upload ended: done, not needed (the upload had completed), or not done. */
export type CancelResult =
  { outcome: 'cancelled' | 'already complete' } | { outcome: 'failed'; error: string }

/** Rejects (well, resolves to `fallback`) once `deadline` (epoch ms) passes. */
export function withDeadline<T>(
  work: Promise<T>,
  deadline: number | undefined,
  fallback: () => T
): Promise<T> {
  if (deadline === undefined) return work
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<T>(resolve => {
    timer = setTimeout(() => resolve(fallback()), Math.max(0, deadline - Date.now()))
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

/**
 * cancel_upload for `sampleId`, retried under `retry`, best effort: never throws. "Upload
 * already successful" is not a failure. `deadline` bounds the whole attempt (job cancellation).
 */
export async function cancelSample(
  api: OneCodexClient,
  retry: RetryPolicy,
  sampleId: string,
  what: string,
  deadline?: number
): Promise<CancelResult> {
  const work = retry
    .execute(`${what}: cancel_upload of sample ${sampleId}`, () => api.cancelUpload(sampleId, what))
    .then(
      (outcome): CancelResult => ({ outcome }),
      (error: unknown): CancelResult => ({
        outcome: 'failed',
        error: error instanceof Error ? error.message : String(error)
      })
    )
  return withDeadline(work, deadline, () => ({
    outcome: 'failed',
    error: `cancel_upload of sample ${sampleId} did not finish in time`
  }))
}

/** Parses One Codex's `created_at`; a time without a zone is taken as UTC. NaN when unreadable. */
export function parseCreatedAt(text: string | undefined): number {
  if (!text) return NaN
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text.trim()) ? text.trim() : `${text.trim()}Z`
  return Date.parse(zoned)
}

/** Allowance for created_at being rounded (to the second) on One Codex's side. */
export const CREATED_AT_SLACK_MS = 1000

export interface OrphanQuery {
  /** The upload filename (R1's for a pair) whose init_upload was retried. */
  filename: string
  /** The sample this run keeps (or already cancelled): never an orphan. */
  keep?: string
  /** Runner time (epoch ms) the sample's first init request was sent. */
  initStartedAt: number
  /** Runner time the init that created `keep` answered: with its created_at, the clock offset. */
  keptAnsweredAt?: number
}

/**
 * The orphans among `listed`: samples with the filename, awaiting data, created since the
 * sample's first init request (on One Codex's clock, offset estimated from the kept sample
 * when it is listed), other than the one kept. Samples from before the step are never orphans.
 */
export function findOrphans(listed: readonly ListedSample[], query: OrphanQuery): ListedSample[] {
  const kept = listed.find(item => item.sampleId === query.keep)
  const keptCreated = parseCreatedAt(kept?.createdAt)
  // created_at is One Codex's clock; the kept sample was created before its answer arrived, so
  // this offset is at most the true one: the window below can only grow, never miss an orphan.
  const offset =
    query.keptAnsweredAt !== undefined && Number.isFinite(keptCreated)
      ? Math.min(0, keptCreated - query.keptAnsweredAt)
      : 0
  const since = query.initStartedAt + offset - CREATED_AT_SLACK_MS
  return listed.filter(item => {
    if (item.sampleId === query.keep || item.filename !== query.filename) return false
    if (item.visibility !== AWAITING_DATA) return false
    const created = parseCreatedAt(item.createdAt)
    return Number.isFinite(created) && created >= since
  })
}
