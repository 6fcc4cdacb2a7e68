import * as core from '@actions/core'

/** GitHub's runner sends SIGINT to cancel a job, then SIGTERM 7.5 s later, then kills it. */
export const CANCEL_SIGNALS: readonly NodeJS.Signals[] =
  process.platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM']

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
}

/**
 * Watches for the runner's cancellation signals. The first one aborts `signal` (the uploader
 * stops starting samples, aborts transfers, cancels unconfirmed samples) and arms a last-resort
 * exit; later ones only say they were received. While watched, a signal no longer kills the
 * process at once, so the run can clean up and report.
 */
export function watchCancellation(options: WatchOptions = {}): JobCancellation {
  const emitter = options.emitter ?? process
  const log = options.log ?? core.info
  const controller = new AbortController()
  let cancelledAt: number | undefined
  let timer: NodeJS.Timeout | undefined
  const handler = (signal: NodeJS.Signals): void => {
    if (cancelledAt !== undefined) {
      log(`Received ${signal} again: still cleaning up; exiting within seconds.`)
      return
    }
    cancelledAt = Date.now()
    log(
      `Received ${signal}: the job is being cancelled. No new sample starts; transfers in flight are aborted and their samples cancelled on One Codex; outputs are written for what finished.`
    )
    timer = setTimeout(() => {
      process.exitCode = 1
      core.error('The job was cancelled and clean-up did not finish in time: exiting.')
      ;(options.exit ?? (() => process.exit(1)))()
    }, options.hardExitMs ?? HARD_EXIT_MS)
    timer.unref()
    controller.abort(new Error(`the job was cancelled (${signal})`))
  }
  for (const signal of CANCEL_SIGNALS) emitter.on(signal, handler)
  return {
    signal: controller.signal,
    cancelledAt: () => cancelledAt,
    dispose: () => {
      for (const signal of CANCEL_SIGNALS) emitter.off(signal, handler)
      if (timer) clearTimeout(timer)
    }
  }
}
