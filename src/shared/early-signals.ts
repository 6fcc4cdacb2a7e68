/**
 * The cancellation signals caught while the action is still loading. The bundle takes a while
 * to load (~100–200 ms on a runner): a SIGINT/SIGTERM in that window would kill the process
 * before the run's own handlers exist, leaving no outputs and no summary. The entry installs
 * these handlers first (this module imports nothing), then loads the rest; the run's
 * cancellation watch (upload/signals.ts) takes over from them, honouring a signal that came early.
 */

/** GitHub's runner sends SIGINT to cancel a job, then SIGTERM 7.5 s later, then kills it. */
export const CANCEL_SIGNALS: readonly NodeJS.Signals[] =
  process.platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM']

/** The first signal caught before the run's watch took over, and how many more came. */
export interface EarlySignal {
  readonly signal: NodeJS.Signals
  /** Epoch ms it arrived at. */
  readonly at: number
  /** Signals received after it, still early. */
  readonly repeats: number
}

type Emitter = Pick<NodeJS.Process, 'on' | 'off'>

interface Held {
  readonly emitter: Emitter
  readonly handler: (signal: NodeJS.Signals) => void
  first?: { signal: NodeJS.Signals; at: number }
  repeats: number
}

let held: Held | undefined

/**
 * Installs handlers that only note the cancellation signals (a signal then no longer kills the
 * process). Idempotent. The entry calls it before importing anything else.
 */
export function holdEarlySignals(emitter: Emitter = process): void {
  if (held) return
  const state: Held = {
    emitter,
    repeats: 0,
    handler: signal => {
      if (state.first) state.repeats++
      else state.first = { signal, at: Date.now() }
    }
  }
  for (const signal of CANCEL_SIGNALS) emitter.on(signal, state.handler)
  held = state
}

/**
 * Removes the early handlers (the caller has installed its own first, so no signal falls in
 * between) and returns the signal they caught, if any. Undefined also when none were installed
 * (e.g. run() started in-process by a test).
 */
export function takeEarlySignals(): EarlySignal | undefined {
  const state = held
  if (!state) return undefined
  held = undefined
  for (const signal of CANCEL_SIGNALS) state.emitter.off(signal, state.handler)
  return state.first ? { ...state.first, repeats: state.repeats } : undefined
}
