import * as core from '@actions/core'
import type { Share } from '../plan/share.js'
import { Inputs } from '../shared/constants.js'
import { append } from '../shared/arrays.js'
import { formatBytes } from '../shared/format.js'
import { redactText } from '../shared/redact.js'
import { sampleBytes, sampleLabel } from '../shared/sample.js'
import type { Sample, Settings, UploadedSample } from '../shared/types.js'
import { keyForms } from '../onecodex/auth.js'
import { OneCodexClient } from '../onecodex/client.js'
import { AWAITING_DATA, type ListedSample } from '../onecodex/samples.js'
import { baseDelayFromEnv, RetryPolicy } from '../net/retry-helper.js'
import { UploadError } from '../shared/upload-error.js'
import { sampleEntry, type SampleOutcome, type UploadResults } from './outcome.js'

/**
 * Longest `where` JSON of one listing request, before URL encoding (names are plain ASCII
 * words, so encoding grows it little): keeps each request line well under the 8 KB most
 * servers and proxies accept.
 */
export const MAX_WHERE_CHARS = 3000

/** What One Codex already holds of a planned sample, and what it holds under its name that does not count. */
export interface ExistingMatch {
  /** The listed sample that counts as this one already uploaded (the oldest, when several). */
  match?: ListedSample
  /** Same name, same project (when set), not awaiting data, but another size. */
  otherSize: ListedSample[]
  /**
   * For a pair: same name, but R1's size alone (an earlier `paired: false` run, a manual upload
   * of R1). Such a sample may lack R2, so it does not count as the pair.
   */
  lacksMate: ListedSample[]
}

/**
 * The skip-existing rule: a listed sample counts as `sample` already uploaded when it has the
 * same filename (R1's for a pair, the merged name for lanes), is in `project` when one is set,
 * is not awaiting data, and its size equals the local size: for a pair the sum of both mates,
 * which is what One Codex records for a pair (init_upload's `size`). A sample with R1's name
 * and R1's size alone may hold R1 only: it is reported in `lacksMate`, never matched.
 */
export function matchExisting(
  sample: Sample,
  listed: readonly ListedSample[],
  project: string | undefined
): ExistingMatch {
  const size = sampleBytes(sample)
  const candidates = listed.filter(
    item =>
      item.filename === sample.file.filename &&
      item.visibility !== AWAITING_DATA &&
      (project === undefined || item.project === project)
  )
  const matches = candidates.filter(item => item.size === size).sort(byCreation)
  const lacksMate = sample.mate ? candidates.filter(item => item.size === sample.file.size) : []
  return {
    ...(matches[0] ? { match: matches[0] } : {}),
    otherSize: candidates.filter(item => item.size !== size && !lacksMate.includes(item)),
    lacksMate
  }
}

/** Oldest first; samples without a creation time last; then by id, so the choice is stable. */
function byCreation(a: ListedSample, b: ListedSample): number {
  const ta = a.createdAt ? Date.parse(a.createdAt) : Infinity
  const tb = b.createdAt ? Date.parse(b.createdAt) : Infinity
  if (ta !== tb) return ta < tb ? -1 : 1
  return a.sampleId < b.sampleId ? -1 : a.sampleId > b.sampleId ? 1 : 0
}

/**
 * Groups names into `where` queries (`{"filename": {"$in": [...]}}`) of at most
 * {@link MAX_WHERE_CHARS} characters each: few requests, none too long.
 */
export function filenameQueries(
  names: readonly string[],
  maxChars = MAX_WHERE_CHARS
): Record<string, unknown>[] {
  const queries: Record<string, unknown>[] = []
  let chunk: string[] = []
  const size = (list: string[]): number => JSON.stringify({ filename: { $in: list } }).length
  for (const name of [...new Set(names)]) {
    if (chunk.length > 0 && size([...chunk, name]) > maxChars) {
      queries.push({ filename: { $in: chunk } })
      chunk = []
    }
    chunk.push(name)
  }
  if (chunk.length > 0) queries.push({ filename: { $in: chunk } })
  return queries
}

/** The `samples` entry of a sample skipped because One Codex already holds it. */
export function existingEntry(sample: Sample, found: ListedSample): UploadedSample {
  const entry = sampleEntry(sample, found.sampleId)
  entry.existing = true
  return entry
}

export interface ExistingLookup {
  /** Plan index → the `samples` entry of a sample to skip. */
  readonly existing: ReadonlyMap<number, UploadedSample>
  /** How many listing requests were made (pages included). */
  readonly requests: number
}

export interface ExistingOptions {
  retryBaseDelayMs?: number
  socketTimeoutMs?: number
  log?: (line: string) => void
  /** Where warnings go (same-name, other-size samples). Default core.warning. */
  warn?: (line: string) => void
  /** Page size of the listing (tests use small pages). */
  perPage?: number
  /** The job's cancellation: aborts the listing in flight, and no further request is sent. */
  signal?: AbortSignal
}

/**
 * Asks One Codex which of `samples` it already holds: one listing per chunk of filenames, every
 * page followed, each request retried under the RetryPolicy. Read-only (safe in dry-run).
 * Throws an UploadError naming skip-existing when the listing fails after its retries: the
 * caller must then upload nothing, rather than risk duplicates.
 */
export async function findExisting(
  samples: readonly Sample[],
  settings: Settings,
  options: ExistingOptions = {}
): Promise<ExistingLookup> {
  const secrets = keyForms(settings.apiKey)
  const log = (line: string): void => (options.log ?? core.info)(redactText(line, secrets))
  const warn = (line: string): void => (options.warn ?? core.warning)(redactText(line, secrets))
  const policy = new RetryPolicy({
    maxAttempts: settings.maxAttempts,
    baseDelayMs: options.retryBaseDelayMs ?? baseDelayFromEnv(),
    log
  })
  const { signal } = options
  const api = new OneCodexClient(settings.apiUrl, settings.apiKey, {
    socketTimeoutMs: options.socketTimeoutMs,
    signal
  })
  const listed: ListedSample[] = []
  let requests = 0
  const counting = {
    execute: <T>(label: string, fn: (attempt: number) => Promise<T>): Promise<T> =>
      policy.execute(
        label,
        attempt => {
          requests++
          return fn(attempt)
        },
        { signal }
      )
  }
  try {
    const queries = filenameQueries(samples.map(s => s.file.filename))
    for (const [i, where] of queries.entries()) {
      const label = `${Inputs.SkipExisting}: listing samples${queries.length > 1 ? ` (query ${i + 1} of ${queries.length})` : ''}`
      append(listed, await api.listSamples(where, counting, { perPage: options.perPage, label }))
    }
  } catch (error) {
    if (signal?.aborted) throw cancelledLookup()
    const typed = error instanceof UploadError ? error : undefined
    // A key One Codex refuses (and the like) is said the way the whole run says it.
    // The listing's own words name skip-existing already: said once.
    const message = (
      typed?.account?.message ?? (error instanceof Error ? error.message : String(error))
    ).replace(new RegExp(`^${Inputs.SkipExisting}: `), '')
    throw new UploadError(
      redactText(
        `${Inputs.SkipExisting}: could not ask One Codex which samples it already holds: ${message.replace(/\.?$/, '.')} Nothing was uploaded: uploading without knowing that could make duplicates.`,
        secrets
      ),
      { retryable: false, account: typed?.account }
    )
  } finally {
    api.dispose()
  }

  const existing = new Map<number, UploadedSample>()
  samples.forEach((sample, index) => {
    const { match, otherSize, lacksMate } = matchExisting(
      sample,
      listed,
      // A sample-sheet row may put its sample in another project than the input.
      sample.init?.project ?? settings.project
    )
    const name = sampleLabel(sample)
    if (match) {
      existing.set(index, existingEntry(sample, match))
      log(
        `${name}: already in One Codex as sample ${match.sampleId} (${formatBytes(match.size ?? 0)}${match.createdAt ? `, created ${match.createdAt}` : ''}): ${settings.dryRun ? 'would be skipped (dry run)' : 'skipped'}.`
      )
      return
    }
    const again = settings.dryRun ? 'a real run would upload it again' : 'uploading it again'
    for (const held of lacksMate) {
      warn(
        `${name}: One Codex already holds sample ${held.sampleId} named ${sample.file.filename} with ${held.size} bytes, R1's size alone (this pair is ${sampleBytes(sample)} bytes with R2): it may lack R2 (an earlier run with paired: false, or an upload of R1 only), so ${again} as a new paired sample.`
      )
    }
    for (const other of otherSize) {
      warn(
        `${name}: One Codex already holds sample ${other.sampleId} named ${other.filename ?? sample.file.filename} with ${other.size === undefined ? 'an unknown size' : `${other.size} bytes`}, but this ${sample.mate ? 'pair has' : 'file has'} ${sampleBytes(sample)} bytes${sample.mate ? ' (both mates)' : ''}: ${again} as a new sample.`
      )
    }
  })
  return { existing, requests }
}

/** The error of a lookup the job's cancellation stopped. */
function cancelledLookup(): UploadError {
  return new UploadError(
    `${Inputs.SkipExisting}: the job was cancelled while asking One Codex which samples it already holds.`,
    { code: 'ABORTED', retryable: false }
  )
}

/** True for the error of a lookup the job's cancellation stopped. */
export function isCancelledLookup(error: unknown): boolean {
  return error instanceof UploadError && error.code === 'ABORTED'
}

/**
 * What the skip-existing stage found: the samples to skip (`found`, absent without
 * skip-existing), or why the lookup failed (`failed`): then nothing may be uploaded;
 * `cancelled` when the job's cancellation stopped it.
 */
export interface ExistingStage {
  found?: ExistingLookup
  failed?: string
  cancelled?: boolean
}

/**
 * The skip-existing stage: a read-only lookup before any upload. When it fails, its reason is
 * said as an error (a 401/402 as the account-level cause, naming the input to check) and the
 * stage says why nothing will be uploaded.
 */
export async function lookUpExisting(
  share: Share,
  settings: Settings,
  options: Pick<ExistingOptions, 'signal'> = {}
): Promise<ExistingStage> {
  try {
    return settings.skipExisting
      ? { found: await findExisting(share.samples, settings, options) }
      : {}
  } catch (error) {
    // Not an error of its own: the cancellation is said once, when the signal came.
    if (isCancelledLookup(error))
      return { failed: 'the job was cancelled before this sample started.', cancelled: true }
    const reason =
      error instanceof UploadError && error.account
        ? error.account.message
        : error instanceof Error
          ? error.message
          : String(error)
    core.error(reason)
    return {
      failed: `${Inputs.SkipExisting} could not ask One Codex which samples it already holds (see the error above).`
    }
  }
}

/**
 * The upload's results with the skipped samples put back in plan order: `share` is the plan (or
 * this shard's part of it), `results` the outcomes of the samples that were not skipped, in order.
 */
export function withExisting(
  share: readonly Sample[],
  existing: ReadonlyMap<number, UploadedSample> | undefined,
  results: UploadResults
): UploadResults {
  if (!existing || existing.size === 0) return results
  const uploaded = results.outcomes[Symbol.iterator]()
  const outcomes: SampleOutcome[] = share.map((_, index) => {
    const found = existing.get(index)
    if (found) return { ok: true, sample: found, durationMs: 0 }
    const next = uploaded.next()
    if (next.done) throw new Error('internal: fewer upload outcomes than samples to upload')
    return next.value
  })
  return { ...results, outcomes }
}

/**
 * Dry run with skip-existing: the same read-only lookup, then which samples a real run would
 * skip and which it would upload. Nothing is sent but the listing requests.
 */
export async function previewExisting(
  share: readonly Sample[],
  settings: Settings,
  options: ExistingOptions = {}
): Promise<ExistingLookup> {
  const log = options.log ?? core.info
  const lookup = await findExisting(share, settings, options)
  const skipped = lookup.existing.size
  log(
    `Dry run with ${Inputs.SkipExisting}: ${skipped} of ${share.length} sample${share.length === 1 ? ' is' : 's are'} already in One Codex and would be skipped; ${share.length - skipped} would be uploaded (${lookup.requests} read-only listing request${lookup.requests === 1 ? '' : 's'} made).`
  )
  return lookup
}
