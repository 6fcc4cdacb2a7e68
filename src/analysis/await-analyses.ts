/**
 * Waiting for One Codex's analyses of a whole run at once. Each round asks about every sample
 * still waiting together: one sample listing for those whose analysis has not started (to learn
 * their primary classification), one classification listing for those running, each split by
 * the client only to keep request lines short. The first look is after 5 s (at once when some
 * samples were found by skip-existing: theirs finished long ago), then each wait is 1.5× the
 * last, at most 2 min, with ±20 % jitter, and the last look is at the timeout. Each finished
 * classification's results are fetched once.
 *
 * A line is logged when each analysis finishes, and every 5 min how many are still waiting.
 * 401/402 stop the wait (AnalysisStop). A round that fails after its retries is tried again
 * the next round; a refusal (another 4xx) is final for the samples it concerned. When `signal`
 * aborts, the wait returns at once with what it knows, the rest `cancelled`.
 */
import { abortableSleep } from '../net/retry-helper.js'
import { describeDuration } from '../inputs/duration.js'
import { formatDuration } from '../shared/format.js'
import { describeTop, topSpecies } from './top-species.js'
import type {
  AccountCause,
  AnalysisClient,
  AnalysisResult,
  AnalysisSample,
  ClassificationResults,
  ClientFailure
} from './types.js'

export interface AwaitOptions {
  client: AnalysisClient
  /** analysis-timeout: the last look is this long after the wait started. */
  timeoutMs: number
  signal?: AbortSignal
  /** Progress lines. */
  log: (line: string) => void
  /** A round that could not ask One Codex (it is tried again). Default: `log`. */
  warn?: (line: string) => void
  now?: () => number
  /** Should end early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
  /** Default 5 s. */
  firstLookMs?: number
  /** Default 2 min. */
  maxDelayMs?: number
  /** Default 5 min. */
  progressEveryMs?: number
  /** Results fetched at a time. Default 4. */
  resultsConcurrency?: number
}

export const FIRST_LOOK_MS = 5000
export const BACKOFF_FACTOR = 1.5
export const MAX_DELAY_MS = 120_000
/** Each wait is the scheduled one × (1 ± JITTER). */
export const JITTER = 0.2
export const PROGRESS_EVERY_MS = 300_000

/** 401/402 while waiting: the cause (said once) and what was known when the wait stopped. */
export class AnalysisStop extends Error {
  constructor(
    readonly issue: AccountCause,
    readonly analyses: AnalysisResult[]
  ) {
    super(issue.message)
    this.name = 'AnalysisStop'
  }
}

/** The reason of an entry the stop cut short (the report tells the stop's cause once). */
export function stoppedReason(cause: AccountCause): string {
  return `Stopped waiting for the analysis: ${cause.message}`
}

/** The wait before look `n + 1`, without jitter: 5 s, 7.5 s, 11.25 s, … at most 2 min. */
export function scheduledDelay(
  look: number,
  firstMs = FIRST_LOOK_MS,
  maxMs = MAX_DELAY_MS
): number {
  return Math.min(maxMs, firstMs * BACKOFF_FACTOR ** Math.max(0, look - 1))
}

interface Waiting {
  readonly sample: AnalysisSample
  classificationId: string | null
  /** Its classification completed and succeeded; its results are still to be read. */
  succeeded: boolean
  result?: AnalysisResult
}

const isPermanent = (error: unknown): boolean => {
  const status = (error as ClientFailure | null)?.status
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429
}
const accountOf = (error: unknown): AccountCause | undefined =>
  (error as ClientFailure | null)?.account
const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

const samplesText = (n: number): string => (n === 1 ? '1 sample' : `${n} samples`)
const analysesText = (n: number): string => (n === 1 ? '1 analysis' : `${n} analyses`)

/**
 * Waits for the analyses of `samples` (their primary classifications) and returns one entry
 * per sample, in their order. Throws AnalysisStop on 401/402.
 */
export async function awaitAnalyses(
  samples: readonly AnalysisSample[],
  options: AwaitOptions
): Promise<AnalysisResult[]> {
  const { client, signal, log } = options
  const warn = options.warn ?? log
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? abortableSleep
  const random = options.random ?? Math.random
  const firstLookMs = options.firstLookMs ?? FIRST_LOOK_MS
  const maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS
  const progressEveryMs = options.progressEveryMs ?? PROGRESS_EVERY_MS
  const concurrency = Math.max(1, options.resultsConcurrency ?? 4)

  const started = now()
  const deadline = started + options.timeoutMs
  const all: Waiting[] = samples.map(sample => ({
    sample,
    classificationId: null,
    succeeded: false
  }))
  const waiting = (): Waiting[] => all.filter(w => !w.result)

  /** Records how `w` ended; a line for a finished analysis unless `quiet`. */
  const end = (
    w: Waiting,
    status: AnalysisResult['status'],
    error: string | null,
    results?: ClassificationResults,
    quiet = false
  ): void => {
    w.result = {
      sample_id: w.sample.sampleId,
      path: w.sample.path,
      filename: w.sample.filename,
      classification_id: w.classificationId,
      status,
      error,
      n_reads: results?.n_reads ?? null,
      top: results ? topSpecies(results.table) : []
    }
    if (quiet) return
    if (status === 'complete') {
      log(`${w.sample.filename}: analysis complete — ${describeTop(w.result.top)}`)
    } else if (status === 'failed') {
      log(`${w.sample.filename}: analysis failed — ${error} (sample ${w.sample.sampleId})`)
    }
  }
  const results = (): AnalysisResult[] => all.map(w => w.result as AnalysisResult)
  const stop = (cause: AccountCause): never => {
    for (const w of waiting()) {
      end(w, 'failed', stoppedReason(cause), undefined, true)
    }
    throw new AnalysisStop(cause, results())
  }

  /**
   * Handles an error of a call about `concerned`: 401/402 stop everything; a refusal ends the
   * samples concerned; anything else is said and tried again next round.
   */
  const failed = (error: unknown, concerned: Waiting[], what: string): void => {
    if (signal?.aborted) return
    const account = accountOf(error)
    if (account) stop(account)
    if (isPermanent(error)) {
      const reason = `One Codex refused to show ${what}: ${messageOf(error)}`
      warn(reason)
      for (const w of concerned) end(w, 'failed', reason, undefined, true)
      return
    }
    warn(
      `Could not ask One Codex about ${what} this round: ${messageOf(error)} Trying again next round.`
    )
  }

  const fetchResults = async (ready: Waiting[]): Promise<void> => {
    let next = 0
    let stopCause: AccountCause | undefined
    const worker = async (): Promise<void> => {
      while (next < ready.length && !signal?.aborted && !stopCause) {
        const w = ready[next++]
        const id = w.classificationId as string
        try {
          end(w, 'complete', null, await client.getResults(id, signal))
        } catch (error) {
          if (signal?.aborted) return
          stopCause ??= accountOf(error)
          if (stopCause) return
          if (isPermanent(error)) {
            end(
              w,
              'failed',
              `One Codex's analysis completed, but its results could not be read: ${messageOf(error)}`
            )
          } else {
            warn(
              `${w.sample.filename}: could not read the analysis results yet: ${messageOf(error)}`
            )
          }
        }
      }
    }
    // Every worker ends before a stop is passed on: no request is left running.
    await Promise.all(Array.from({ length: Math.min(concurrency, ready.length) }, worker))
    if (stopCause) stop(stopCause)
  }

  const look = async (): Promise<void> => {
    const unstarted = waiting().filter(w => w.classificationId === null)
    if (unstarted.length > 0) {
      try {
        const listed = await client.listSamples(
          unstarted.map(w => w.sample.sampleId),
          signal
        )
        const byId = new Map(listed.map(view => [view.sampleId, view]))
        for (const w of unstarted) {
          const view = byId.get(w.sample.sampleId)
          if (!view) {
            end(w, 'failed', `One Codex does not list sample ${w.sample.sampleId} (deleted?).`)
          } else if (view.classificationId !== null) {
            w.classificationId = view.classificationId
          } else if (view.visibility === 'awaiting data') {
            end(
              w,
              'failed',
              `Sample ${w.sample.sampleId}'s upload never completed: it gets no analysis.`
            )
          }
        }
      } catch (error) {
        failed(error, unstarted, `${samplesText(unstarted.length)}`)
      }
    }
    if (signal?.aborted) return

    const running = waiting().filter(w => w.classificationId !== null && !w.succeeded)
    if (running.length > 0) {
      try {
        const listed = await client.listClassifications(
          running.map(w => w.classificationId as string),
          signal
        )
        const byId = new Map(listed.map(view => [view.classificationId, view]))
        for (const w of running) {
          const view = byId.get(w.classificationId as string)
          if (!view?.complete) continue
          if (view.success) w.succeeded = true
          else end(w, 'failed', view.error || 'One Codex gave no reason.')
        }
      } catch (error) {
        failed(error, running, analysesText(running.length))
      }
    }
    if (signal?.aborted) return
    await fetchResults(waiting().filter(w => w.succeeded))
  }

  let lastProgress = started
  const progress = (): void => {
    const left = waiting()
    if (left.length === 0 || now() - lastProgress < progressEveryMs) return
    lastProgress = now()
    const notStarted = left.filter(w => w.classificationId === null).length
    log(
      `Waiting for One Codex's analyses: ${left.length} of ${all.length} not finished${
        notStarted > 0 ? ` (${notStarted} not started yet)` : ''
      } after ${formatDuration(now() - started)}; analysis-timeout is ${describeDuration(options.timeoutMs)}.`
    )
  }

  if (all.length > 0) {
    const first = samples.some(s => s.existing) ? 0 : firstLookMs
    let wait = Math.min(first, Math.max(0, deadline - now()))
    for (let lookNumber = 1; ; lookNumber++) {
      if (wait > 0) await sleep(wait, signal)
      if (signal?.aborted) break
      await look()
      if (signal?.aborted || waiting().length === 0 || now() >= deadline) break
      progress()
      const scheduled = scheduledDelay(
        first === 0 ? lookNumber : lookNumber + 1,
        firstLookMs,
        maxDelayMs
      )
      const jittered = scheduled * (1 - JITTER + 2 * JITTER * random())
      wait = Math.min(jittered, Math.max(0, deadline - now()))
    }
  }

  const limit = describeDuration(options.timeoutMs)
  for (const w of waiting()) {
    if (signal?.aborted) {
      end(
        w,
        'cancelled',
        w.classificationId === null
          ? 'The job was cancelled before One Codex started the analysis.'
          : "The job was cancelled while One Codex's analysis was running."
      )
    } else {
      end(
        w,
        'timed out',
        w.classificationId === null
          ? `One Codex did not start an analysis of this sample within analysis-timeout (${limit}).`
          : w.succeeded
            ? `One Codex's analysis completed, but its results could not be read within analysis-timeout (${limit}).`
            : `One Codex's analysis did not finish within analysis-timeout (${limit}).`
      )
    }
  }
  return results()
}
