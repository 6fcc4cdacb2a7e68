import * as core from '@actions/core'
import { CANCEL_SIGNALS, takeEarlySignals, type EarlySignal } from '../shared/early-signals.js'

export { CANCEL_SIGNALS }

/**
 * Everything must be done within 10 s of the first signal: clean-up (cancel_upload) gets this
 * much, leaving time to write outputs and the summary.
 */
export const CLEANUP_BUDGET_MS = 5000
/** Last resort: exit (outputs written so far stay written) this long after the first signal. */
export const HARD_EXIT_MS = 9000

export interface JobCancellation {
  /** Aborted on the first SIGINT/SIGTERM. */
  readonly signal: AbortSignal
  /** Epoch ms of the first signal, once there was one. */
  readonly cancelledAt: () => number | undefined
  /** Removes the handlers and the last-resort timer. */
  dispose(): void
}

export interface WatchOptions {
  /** Default process. */
  emitter?: Pick<NodeJS.Process, 'on' | 'off'>
  log?: (line: string) => void
  /** Last-resort exit after {@link HARD_EXIT_MS}. Default process.exit(1). */
  exit?: () => void
  hardExitMs?: number
  /**
   * What the entry's early handlers caught before the watch took over. Default: taken from
   * them (which also removes them) once the watch's own handlers are in place.
   */
  early?: () => EarlySignal | undefined
}

/**
 * Watches for the runner's cancellation signals. The first one aborts `signal` (the uploader
 * stops starting samples, aborts transfers, cancels unconfirmed samples) and arms a last-resort
 * exit; later ones only say they were received. While watched, a signal no longer kills the
 * process at once, so the run can clean up and report. A signal the entry held while the action
 * was loading counts as the first one: the run then starts cancelled.
 */
export function watchCancellation(options: WatchOptions = {}): JobCancellation {
  const emitter = options.emitter ?? process
  const log = options.log ?? core.info
  const controller = new AbortController()
  let cancelledAt: number | undefined
  let timer: NodeJS.Timeout | undefined
  const cancel = (signal: NodeJS.Signals, at: number, early: boolean): void => {
    cancelledAt = at
    log(
      early
        ? `Received ${signal} while the action was starting: the job is being cancelled. Nothing is sent; outputs are written with every sample not attempted.`
        : `Received ${signal}: the job is being cancelled. No new sample starts; transfers in flight are aborted and their samples cancelled on One Codex; outputs are written for what finished.`
    )
    const left = (options.hardExitMs ?? HARD_EXIT_MS) - (Date.now() - at)
    timer = setTimeout(
      () => {
        process.exitCode = 1
        core.error('The job was cancelled and clean-up did not finish in time: exiting.')
        ;(options.exit ?? (() => process.exit(1)))()
      },
      Math.max(0, left)
    )
    timer.unref()
    controller.abort(new Error(`the job was cancelled (${signal})`))
  }
  const handler = (signal: NodeJS.Signals): void => {
    if (cancelledAt !== undefined) {
      log(`Received ${signal} again: still cleaning up; exiting within seconds.`)
      return
    }
    cancel(signal, Date.now(), false)
  }
  // Ours first, then the entry's early ones off: no signal can fall in between.
  for (const signal of CANCEL_SIGNALS) emitter.on(signal, handler)
  const early = (options.early ?? takeEarlySignals)()
  if (early && cancelledAt === undefined) cancel(early.signal, early.at, true)
  return {
    signal: controller.signal,
    cancelledAt: () => cancelledAt,
    dispose: () => {
      for (const signal of CANCEL_SIGNALS) emitter.off(signal, handler)
      if (timer) clearTimeout(timer)
    }
  }
}
