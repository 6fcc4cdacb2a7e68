import * as core from '@actions/core'
import { isRetryable, UploadError } from '../shared/upload-error.js'

export interface RetryOptions {
  /** Attempts in total, the first included (input max-attempts). */
  maxAttempts: number
  /** Base of the exponential backoff (attempt n waits up to base·2^(n-1)). Default 1 s. */
  baseDelayMs?: number
  /** Cap of one backoff delay. Default 30 s. */
  maxDelayMs?: number
  /** Cap of a server's Retry-After. Default 60 s. */
  maxRetryAfterMs?: number
  /** Where "retrying" lines go. Default core.info. */
  log?: (message: string) => void
  /** Injected for tests. Should end early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
}

const DEFAULT_BASE_DELAY_MS = 1000
const DEFAULT_MAX_DELAY_MS = 30_000
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000

/** Undocumented, test-only: shortens the backoff base for end-to-end tests of the bundle. */
export const RETRY_BASE_ENV = 'ONECODEX_UPLOAD_RETRY_BASE_MS'

/** The backoff base: the test-only environment override when it is a number, else `fallback`. */
export function baseDelayFromEnv(fallback: number = DEFAULT_BASE_DELAY_MS): number {
  const raw = process.env[RETRY_BASE_ENV]
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return fallback
  return Number(raw.trim())
}

/**
 * One retry policy for every step: exponential backoff with full jitter, `maxAttempts` in total,
 * Retry-After honoured (capped). Only errors classified as retryable are tried again; anything
 * else (400/401/403/404, bad responses, our own checks) fails at once.
 */
export class RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly maxRetryAfterMs: number
  private readonly log: (message: string) => void
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  private readonly random: () => number

  constructor(private readonly options: RetryOptions) {
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts))
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS
    this.log = options.log ?? core.info
    this.sleep = options.sleep ?? abortableSleep
    this.random = options.random ?? Math.random
  }

  /** The same policy, its "retrying" lines going to `log` (e.g. one that scrubs secrets). */
  withLog(log: (message: string) => void): RetryPolicy {
    return new RetryPolicy({ ...this.options, log })
  }

  /**
   * Runs `fn` until it succeeds, a fatal error occurs, or attempts run out. `label` names the
   * step in log lines and in the final error (e.g. "reads.fq: storage upload"). When `signal`
   * aborts, a backoff delay in progress ends at once and no further attempt is made: a stopped
   * step leaves no timer behind to keep the process alive. An attempt that fails once `signal`
   * aborted ends the step as stopped (code ABORTED), without a "Retrying" line.
   */
  async execute<T>(
    label: string,
    fn: (attempt: number) => Promise<T>,
    options: { signal?: AbortSignal } = {}
  ): Promise<T> {
    const { signal } = options
    const stopped = (): UploadError =>
      new UploadError(`${label} was stopped.`, { code: 'ABORTED', retryable: false })
    for (let attempt = 1; ; attempt++) {
      // A stopped step starts no attempt, and a failure after the stop (often caused by it:
      // its sockets were torn down) is neither retried nor told as a retry.
      if (signal?.aborted) throw stopped()
      try {
        return await fn(attempt)
      } catch (error) {
        if (signal?.aborted) throw stopped()
        const message = error instanceof Error ? error.message : String(error)
        if (!isRetryable(error)) throw error
        if (attempt >= this.maxAttempts) {
          const note = this.maxAttempts > 1 ? ` (gave up after ${this.maxAttempts} attempts)` : ''
          const typed = error instanceof UploadError ? error : undefined
          // Inside the sentence: "… HTTP 503 (gave up after 3 attempts)." not "… 503. (gave …)".
          const said = message.endsWith('.')
            ? `${message.slice(0, -1)}${note}.`
            : `${message}${note}`
          throw new UploadError(said, {
            status: typed?.status,
            code: typed?.code,
            retryable: false
          })
        }
        const delay = this.delayFor(attempt, error)
        this.log(
          `${label}: attempt ${attempt} of ${this.maxAttempts} failed: ${message} Retrying in ${formatDelay(delay)}.`
        )
        await this.sleep(delay, signal)
        if (signal?.aborted) throw stopped()
      }
    }
  }

  /** Delay before attempt `attempt + 1`: Retry-After when given, else full-jitter backoff. */
  delayFor(attempt: number, error: unknown): number {
    const retryAfter = error instanceof UploadError ? error.retryAfterMs : undefined
    if (retryAfter !== undefined) return Math.min(retryAfter, this.maxRetryAfterMs)
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1))
    return Math.floor(this.random() * ceiling)
  }
}

/** Waits `ms`, or less when `signal` aborts; the timer is cleared either way. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal?.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
