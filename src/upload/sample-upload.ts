// One sample's life cycle: started on its route, then confirmed, cancelled with the job, or
// failed; whatever it created on One Codex and did not confirm is cancelled.
import { formatBytes, formatDuration, formatRate } from '../shared/format.js'
import { redactText } from '../shared/redact.js'
import { withDisplayPaths } from '../shared/paths.js'
import { sampleBytes, sampleFiles, sampleLabel } from '../shared/sample.js'
import type { Route, Sample, Settings } from '../shared/types.js'
import type { AccountStop } from '../onecodex/account-stop.js'
import { keyForms } from '../onecodex/auth.js'
import { cancelSample, withDeadline, type CancelResult } from '../onecodex/cancel.js'
import type { OneCodexClient } from '../onecodex/client.js'
import type { RetryPolicy } from '../net/retry-helper.js'
import {
  newInitTrack,
  sweepOrphans,
  trackInits,
  unknownOutcomes,
  type InitTrack
} from './init-track.js'
import { ContentGate, ContentRejected } from './content-gate.js'
import { failureOf, sampleEntry, type SampleOutcome } from './outcome.js'
import type { UploadRoute } from './routes/route.js'

/** The note of a sample One Codex completed before the job's cancellation reached it. */
export const CANCELLED_AFTER_COMPLETION = 'the job was cancelled after this sample completed'

export interface Cancellation {
  /** Epoch ms the job was cancelled at, once it was. */
  at: number | undefined
}

export interface Engine {
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

export async function uploadOne(
  sample: Sample,
  settings: Settings,
  engine: Engine
): Promise<SampleOutcome> {
  const gate = newGate(sample, settings, engine)
  try {
    return await uploadChecked(sample, settings, engine, gate)
  } finally {
    // Whatever ended the sample, no scan of its files goes on reading.
    gate.close()
  }
}

/** The sample's content check (validate full or head: the scans hash the files either way). */
function newGate(sample: Sample, settings: Settings, engine: Engine): ContentGate {
  const secrets = keyForms(settings.apiKey)
  return new ContentGate({
    validate: settings.validate ?? 'full',
    workspace: settings.workspace,
    interleaved: settings.interleaved === true && !sample.mate,
    say: line => engine.log(redactText(line, secrets)),
    warn: line => engine.warn(redactText(line, secrets))
  })
}

async function uploadChecked(
  sample: Sample,
  settings: Settings,
  engine: Engine,
  gate: ContentGate
): Promise<SampleOutcome> {
  const { routes, policy, log, signal, cancellation } = engine
  const started = Date.now()
  const name = sampleLabel(sample)
  const total = sampleBytes(sample)
  // Server messages may echo the key or a policy back: every line of this sample, retry lines
  // included, and its error are scrubbed of them before they are shown.
  const secrets = keyForms(settings.apiKey)
  // …and name the sample's files by their workspace-relative paths (a failed read only knows
  // the absolute one).
  const files = sampleFiles(sample).flatMap(source => source.segments.map(s => s.path))
  const scrub = (text: string): string =>
    withDisplayPaths(redactText(text, secrets), files, settings.workspace)
  const say = (line: string): void => log(scrub(line))
  const warn = (line: string): void => engine.warn(scrub(line))
  const retry = policy.withLog(say)
  const route = sample.route ?? 'standard'
  const inits: InitTrack = newInitTrack()
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
      signal,
      gate
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

  const sweep = { retry, admin: engine.admin, say, warn }
  if (ended.kind === 'done') {
    const { result } = ended
    const durationMs = Date.now() - started
    say(
      `${name}: confirmed as sample ${result.sampleId} — ${formatBytes(total)} in ${formatDuration(durationMs)} (${formatRate(total, durationMs)}).`
    )
    if (unknownOutcomes(inits) > 0) await sweepOrphans(sample, inits, result.sampleId, sweep)
    const uploaded = sampleEntry(sample, result.sampleId, result.sha256, result.counts)
    uploaded.route = route
    return { ok: true, sample: uploaded, durationMs }
  }

  // The job was cancelled while this sample was in flight (a failure caused by the teardown
  // of its transfers counts as that too).
  if (ended.kind === 'aborted' || cancellation.at !== undefined) {
    const deadline = (cancellation.at ?? Date.now()) + engine.cleanupBudgetMs
    // An init in flight or in its retry backoff may have made a sample this run never heard
    // of: known now, before the teardown settles the call.
    const unknown = unknownOutcomes(inits) > 0
    // The route cleans up what it started on the storage side (AbortMultipartUpload) once its
    // transfers fail: wait for that too, within the budget, or the run may end before it is sent.
    const routeCleanup = withDeadline(
      sending.then(() => true),
      deadline,
      () => false
    )
    // Everything to clean up at once: the clean-up budget is shared.
    const [result, , cleaned] = await Promise.all([
      createdId
        ? cancelSample(engine.admin, retry, createdId, name, deadline)
        : Promise.resolve(undefined),
      unknown
        ? sweepOrphans(sample, inits, createdId, {
            ...sweep,
            deadline,
            why: 'before the job was cancelled'
          })
        : Promise.resolve(),
      routeCleanup
    ])
    if (!cleaned && route === 'multipart')
      warn(
        `${name}: the job was cancelled and aborting its S3 multipart upload did not finish within the ${formatDuration(engine.cleanupBudgetMs)} of clean-up time; an open multipart upload of ${sample.file.filename} may be left in One Codex's bucket, its parts kept until a lifecycle rule removes them.`
      )
    const durationMs = Date.now() - started
    if (createdId && result?.outcome === 'already complete') {
      // One Codex had completed the sample before the cancellation reached it.
      say(
        `${name}: confirmed as sample ${createdId}: ${CANCELLED_AFTER_COMPLETION} (cancel_upload: One Codex reports that its upload had already completed).`
      )
      const uploaded = sampleEntry(sample, createdId)
      uploaded.route = route
      uploaded.note = CANCELLED_AFTER_COMPLETION
      return { ok: true, sample: uploaded, durationMs }
    }
    let message = `cancelled: the job was cancelled while ${name} was uploading.`
    if (createdId && result) message += ` ${cancelNote(createdId, result)}`
    say(`${name}: ${scrub(message)}`)
    return {
      ok: false,
      failure: {
        ...failureOf(sample, scrub(message), 'cancelled'),
        ...(createdId ? { sample_id: createdId } : {}),
        ...(result ? { sample_cancelled: result.outcome === 'cancelled' } : {})
      },
      durationMs
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
    // One sentence for the cause, one for what became of its sample.
    message = `${message.replace(/\.?$/, '.')}${note}`
  }
  // The reason is told once, with the other failures at the end of the run.
  say(
    `${name}: failed after ${formatDuration(Date.now() - started)} (the reason is listed at the end).${note}`
  )
  // Also at an account-level stop (a 402 on confirm, every answer lost): the listing may work.
  if (unknownOutcomes(inits) > 0) await sweepOrphans(sample, inits, createdId, sweep)
  return {
    ok: false,
    failure: {
      ...failureOf(sample, message),
      // A file that failed the content check: the rule, as planning's refusals give it.
      ...(error instanceof ContentRejected ? { rule: scrub(error.rule) } : {}),
      ...(createdId ? { sample_id: createdId } : {}),
      ...(cancelled !== undefined ? { sample_cancelled: cancelled } : {})
    },
    durationMs: Date.now() - started,
    ...(accountLevel ? { accountLevel } : {})
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
