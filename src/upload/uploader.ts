import * as core from '@actions/core'
import { formatBytes, formatDuration, formatRate } from '../shared/format.js'
import { redactText } from '../shared/redact.js'
import { sampleBytes, sampleLabel } from '../shared/sample.js'
import type { FailedSample, FailureStatus, Route, Sample, Settings } from '../shared/types.js'
import { AccountStop } from '../onecodex/account-stop.js'
import { keyForms } from '../onecodex/auth.js'
import { cancelSample, findOrphans, withDeadline, type CancelResult } from '../onecodex/cancel.js'
import { MultipartRoute } from './routes/multipart-route.js'
import { OneCodexClient } from '../onecodex/client.js'
import { sampleEntry, type SampleOutcome, type UploadResults } from './outcome.js'
import { baseDelayFromEnv, RetryPolicy } from '../net/retry-helper.js'
import type { UploadRoute } from './routes/route.js'
import { CLEANUP_BUDGET_MS } from './signals.js'
import { StandardRoute } from './routes/standard-route.js'

export type { SampleOutcome, UploadResults } from './outcome.js'

/** Results where no sample was started, each failed entry saying `reason` ("not attempted"). */
export function notAttempted(samples: readonly Sample[], reason: string): UploadResults {
  return {
    outcomes: samples.map(sample => ({
      ok: false,
      failure: failureOf(sample, `not attempted: ${reason}`, 'not attempted'),
      durationMs: 0
    }))
  }
}

export interface UploadOptions {
  /** Backoff base of the retry policy (tests use a few ms). Default 1 s, or the env override. */
  retryBaseDelayMs?: number
  /** Abort a transfer when no bytes move for this long. Default 120 s. */
  socketTimeoutMs?: number
  /** Where log lines go. Default core.info. */
  log?: (line: string) => void
  /** Where warnings go (possible orphans left behind). Default core.warning. */
  warn?: (line: string) => void
  /**
   * Aborted when the job is cancelled: no new sample starts, transfers in flight are aborted,
   * samples created but not confirmed are cancelled on One Codex, within `cleanupBudgetMs`.
   */
  signal?: AbortSignal
  /** How long cancel_upload calls may take once `signal` aborted. Default 5 s. */
  cleanupBudgetMs?: number
}

/**
 * Uploads every sample (init_upload → storage POST of each file → confirm_upload) with up to
 * `settings.concurrency` samples in flight. A failing sample never stops the others: each ends
 * as an outcome, in plan order. Nothing is left behind on One Codex: a sample created by a
 * sample that then failed is cancelled, and so are the extra samples a retried init created.
 */
export async function uploadSamples(
  samples: readonly Sample[],
  settings: Settings,
  options: UploadOptions = {}
): Promise<UploadResults> {
  const log = options.log ?? core.info
  const policy = new RetryPolicy({
    maxAttempts: settings.maxAttempts,
    baseDelayMs: options.retryBaseDelayMs ?? baseDelayFromEnv(),
    log
  })
  // The routes' client carries the uploads' API calls and is torn down on cancellation (that
  // aborts requests in flight); clean-up calls (cancel_upload, listings) have their own.
  const api = new OneCodexClient(settings.apiUrl, settings.apiKey, {
    socketTimeoutMs: options.socketTimeoutMs
  })
  const admin = new OneCodexClient(settings.apiUrl, settings.apiKey, {
    socketTimeoutMs: options.socketTimeoutMs
  })
  const routes: Record<Route, UploadRoute> = {
    standard: new StandardRoute({ socketTimeoutMs: options.socketTimeoutMs }),
    multipart: new MultipartRoute({ socketTimeoutMs: options.socketTimeoutMs })
  }
  let disposed = false
  const disposeTransfers = (): void => {
    if (disposed) return
    disposed = true
    api.dispose()
    for (const route of Object.values(routes)) route.dispose()
  }
  const signal = options.signal
  const cancellation: Cancellation = { at: undefined }
  const onAbort = (): void => {
    cancellation.at = Date.now()
    // Destroys the sockets of every transfer and API call in flight: the routes stop at once.
    disposeTransfers()
  }
  if (signal?.aborted) cancellation.at = Date.now()
  else signal?.addEventListener('abort', onAbort, { once: true })

  const engine: Engine = {
    api,
    admin,
    routes,
    policy,
    log,
    warn: options.warn ?? core.warning,
    signal,
    cancellation,
    cleanupBudgetMs: options.cleanupBudgetMs ?? CLEANUP_BUDGET_MS,
    stop: new AccountStop()
  }
  // Groups keep one sample's lines together; they only stay readable one sample at a time.
  const grouped = settings.concurrency === 1 || samples.length === 1
  const outcomes: SampleOutcome[] = new Array(samples.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < samples.length && !signal?.aborted && !engine.stop.stopped) {
      const index = next++
      const sample = samples[index]
      if (grouped) core.startGroup(`Upload ${sampleLabel(sample)}`)
      try {
        outcomes[index] = await uploadOne(sample, settings, engine)
      } finally {
        if (grouped) core.endGroup()
      }
    }
  }
  try {
    const workers = Math.max(1, Math.min(settings.concurrency, samples.length))
    await Promise.all(Array.from({ length: workers }, worker))
  } finally {
    signal?.removeEventListener('abort', onAbort)
    disposeTransfers()
    admin.dispose()
  }
  const stopped = engine.stop.cause
  const notStarted = stopped
    ? `not attempted: the run stopped at an account-level failure; check the ${stopped.input} input.`
    : 'not attempted: the job was cancelled before this sample started.'
  for (let index = 0; index < samples.length; index++) {
    outcomes[index] ??= {
      ok: false,
      failure: failureOf(samples[index], notStarted, 'not attempted'),
      durationMs: 0
    }
  }
  return {
    outcomes,
    ...(cancellation.at !== undefined ? { cancelled: true } : {}),
    ...(stopped ? { stopped } : {})
  }
}

interface Cancellation {
  /** Epoch ms the job was cancelled at, once it was. */
  at: number | undefined
}

interface Engine {
  api: OneCodexClient
  admin: OneCodexClient
  routes: Record<Route, UploadRoute>
  policy: RetryPolicy
  log: (line: string) => void
  warn: (line: string) => void
  signal?: AbortSignal
  cancellation: Cancellation
  cleanupBudgetMs: number
  /** Stops the run at the first account-level failure (401, 402, api-url unreachable). */
  stop: AccountStop
}

/** What the uploader sees of a sample's init calls (a retried init may leave orphans). */
interface InitTrack {
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
function trackInits(api: OneCodexClient, track: InitTrack): OneCodexClient {
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

function failureOf(sample: Sample, error: string, status?: FailureStatus): FailedSample {
  return {
    path: sample.file.path,
    error,
    ...(sample.mate ? { paired_end_path: sample.mate.path } : {}),
    ...(status ? { status } : {})
  }
}

/**
 * Resolves when `signal` aborts (never, without one). `release` drops its listener: one per
 * sample would otherwise pile up on the job's signal for the whole run.
 */
function whenAborted(signal: AbortSignal | undefined): {
  aborted: Promise<void>
  release: () => void
} {
  let release = (): void => undefined
  const aborted = new Promise<void>(resolve => {
    if (!signal) return
    if (signal.aborted) return resolve()
    const onAbort = (): void => resolve()
    signal.addEventListener('abort', onAbort, { once: true })
    release = () => signal.removeEventListener('abort', onAbort)
  })
  return { aborted, release }
}

/** The words for what cancel_upload did, appended to a failure's message. */
function cancelNote(sampleId: string, result: CancelResult): string {
  switch (result.outcome) {
    case 'cancelled':
      return `Sample ${sampleId} was cancelled on One Codex (cancel_upload), so it is not left awaiting data.`
    case 'already complete':
      return `cancel_upload of sample ${sampleId}: One Codex reports that its upload had already completed.`
    default:
      return `cancel_upload of sample ${sampleId} failed too (${result.error}); it may be left awaiting data in One Codex.`
  }
}

async function uploadOne(
  sample: Sample,
  settings: Settings,
  engine: Engine
): Promise<SampleOutcome> {
  const { routes, policy, log, signal, cancellation } = engine
  const started = Date.now()
  const name = sampleLabel(sample)
  const total = sampleBytes(sample)
  // Server messages may echo the key or a policy back: every line of this sample, retry lines
  // included, and its error are scrubbed of them before they are shown.
  const secrets = keyForms(settings.apiKey)
  const scrub = (text: string): string => redactText(text, secrets)
  const say = (line: string): void => log(scrub(line))
  const warn = (line: string): void => engine.warn(scrub(line))
  const retry = policy.withLog(say)
  const route = sample.route ?? 'standard'
  const inits: InitTrack = { calls: 0 }
  let createdId: string | undefined
  say(
    `${name}: starting upload of ${formatBytes(total)}${route === 'standard' ? '' : ` (${route} route)`}.`
  )
  const sending = routes[route]
    .send(sample, {
      settings,
      api: trackInits(engine.api, inits),
      retry,
      say,
      warn,
      secrets,
      onCreated: id => {
        createdId = id
      },
      signal
    })
    .then(
      result => ({ kind: 'done' as const, result }),
      (error: unknown) => ({ kind: 'error' as const, error })
    )
  const abort = whenAborted(signal)
  const ended = await Promise.race([
    sending,
    abort.aborted.then(() => ({ kind: 'aborted' as const }))
  ]).finally(abort.release)

  if (ended.kind === 'done') {
    const { result } = ended
    const durationMs = Date.now() - started
    say(
      `${name}: confirmed as sample ${result.sampleId} — ${formatBytes(total)} in ${formatDuration(durationMs)} (${formatRate(total, durationMs)}).`
    )
    if (inits.calls > 1)
      await sweepOrphans(sample, inits, result.sampleId, retry, engine, say, warn)
    const uploaded = sampleEntry(sample, result.sampleId, result.sha256)
    uploaded.route = route
    return { ok: true, sample: uploaded, durationMs }
  }

  // The job was cancelled while this sample was in flight (a failure caused by the teardown
  // of its transfers counts as that too).
  if (ended.kind === 'aborted' || cancellation.at !== undefined) {
    const deadline = (cancellation.at ?? Date.now()) + engine.cleanupBudgetMs
    // The route cleans up what it started on the storage side (AbortMultipartUpload) once its
    // transfers fail: wait for that too, within the budget, or the run may end before it is sent.
    const routeCleanup = withDeadline(
      sending.then(() => undefined),
      deadline,
      () => undefined
    )
    let message = `cancelled: the job was cancelled while ${name} was uploading.`
    let cancelled: boolean | undefined
    if (createdId) {
      const result = await cancelSample(engine.admin, retry, createdId, name, deadline)
      message += ` ${cancelNote(createdId, result)}`
      cancelled = result.outcome === 'cancelled'
    }
    await routeCleanup
    const possible = inits.calls - (createdId ? 1 : 0)
    if (inits.calls > 1 && possible > 0)
      warn(
        `${name}: ${inits.call ?? 'init_upload'} was sent ${inits.calls} times before the job was cancelled; up to ${possible} more sample${possible === 1 ? '' : 's'} named ${sample.file.filename} may be left awaiting data in One Codex (no time was left to look for them).`
      )
    say(`${name}: ${scrub(message)}`)
    return {
      ok: false,
      failure: {
        ...failureOf(sample, scrub(message), 'cancelled'),
        ...(createdId ? { sample_id: createdId } : {}),
        ...(cancelled !== undefined ? { sample_cancelled: cancelled } : {})
      },
      durationMs: Date.now() - started
    }
  }

  const { error } = ended
  const accountLevel = engine.stop.consider(error, engine.api)
  let message = scrub(error instanceof Error ? error.message : String(error))
  let cancelled: boolean | undefined
  let note = ''
  if (createdId) {
    const result = await cancelSample(engine.admin, retry, createdId, name)
    cancelled = result.outcome === 'cancelled'
    note = ` ${scrub(cancelNote(createdId, result))}`
    message += note
  }
  // The reason is told once, with the other failures at the end of the run.
  say(
    `${name}: failed after ${formatDuration(Date.now() - started)} (the reason is listed at the end).${note}`
  )
  // An account-level failure (api-url unreachable, key refused) would fail the listing too.
  if (inits.calls > 1 && !accountLevel)
    await sweepOrphans(sample, inits, createdId, retry, engine, say, warn)
  return {
    ok: false,
    failure: {
      ...failureOf(sample, message),
      ...(createdId ? { sample_id: createdId } : {}),
      ...(cancelled !== undefined ? { sample_cancelled: cancelled } : {})
    },
    durationMs: Date.now() - started,
    ...(accountLevel ? { accountLevel } : {})
  }
}

/**
 * After a sample whose init was sent more than once: an attempt whose answer was lost (a 504
 * from a gateway, a reset) may still have created a sample. Lists the samples with its filename
 * and cancels those awaiting data that were created since its first init, other than `keep`.
 * When listing is impossible, warns with the count of possible orphans.
 */
async function sweepOrphans(
  sample: Sample,
  inits: InitTrack,
  keep: string | undefined,
  retry: RetryPolicy,
  engine: Engine,
  say: (line: string) => void,
  warn: (line: string) => void
): Promise<void> {
  const name = sampleLabel(sample)
  const filename = sample.file.filename
  const possible = inits.calls - (keep ? 1 : 0)
  let listed
  try {
    listed = await engine.admin.listSamples({ filename }, retry, {
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
    const result = await cancelSample(engine.admin, retry, orphan.sampleId, name)
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
