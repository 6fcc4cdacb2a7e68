/**
 * Noticing that no bytes move: one small timer per watched thing, woken only at its deadlines.
 *
 * Why not node's socket timeout: `socket.setTimeout` treats a write still draining at the first
 * expiry as activity and re-arms once (net.Socket#_onTimeout compares the write queue with its
 * size when the write was dispatched), so a body that stalls mid-write is given up only after
 * twice the timeout. The watchdog here counts what actually moved and fires after one.
 */
import type { ClientRequest } from 'node:http'
import type { Socket } from 'node:net'

/** Time and timers; tests pass a manual one. */
export interface Clock {
  now(): number
  /** Schedules `fn` after `ms`; the timer must not keep the process alive. */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: handle => clearTimeout(handle as NodeJS.Timeout)
}

export interface StallWatchdogOptions {
  /** No progress for this long: `onStall` is called once and the watchdog stops. */
  timeoutMs?: number
  onStall?: (idleMs: number) => void
  /** Every `idleEveryMs` without progress (30 s, 60 s, ...): `onIdle` with that duration. */
  idleEveryMs?: number
  onIdle?: (idleMs: number) => void
  /**
   * Read every `pollMs`: a value other than the last one counts as progress (e.g. bytes a
   * socket moved). Progress seen this way is dated when it is seen, so keep `pollMs` a small
   * fraction of `timeoutMs`.
   */
  probe?: () => number
  pollMs?: number
  clock?: Clock
}

/**
 * Calls `onIdle` every `idleEveryMs` and `onStall` once after `timeoutMs` in which nothing made
 * progress. Progress is `touch()` (cheap: one clock read, no timer work) or a change of the
 * `probe`. Stops by itself after `onStall`; call `stop()` when the watched thing ends.
 */
export class StallWatchdog {
  private readonly clock: Clock
  private last: number
  private lastProbe: number
  /** Idle marks reported since the last progress. */
  private marks = 0
  private marksSince: number
  private timer: unknown
  private stopped = false

  constructor(private readonly options: StallWatchdogOptions) {
    this.clock = options.clock ?? systemClock
    this.last = this.clock.now()
    this.marksSince = this.last
    this.lastProbe = options.probe?.() ?? 0
    this.schedule()
  }

  /** Something moved just now (`at`: the clock's reading of now, when the caller has it). */
  touch(at: number = this.clock.now()): void {
    this.last = at
  }

  /** Milliseconds since the last progress. */
  get idleMs(): number {
    return this.clock.now() - this.last
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule(): void {
    const { timeoutMs, idleEveryMs, probe, pollMs } = this.options
    const idle = this.clock.now() - this.last
    let wait = Infinity
    if (timeoutMs !== undefined) wait = Math.min(wait, timeoutMs - idle)
    if (idleEveryMs !== undefined && this.options.onIdle)
      wait = Math.min(wait, (this.marks + 1) * idleEveryMs - idle)
    if (probe && pollMs !== undefined) wait = Math.min(wait, pollMs)
    if (wait === Infinity) return
    this.timer = this.clock.setTimeout(() => this.check(), Math.max(1, wait))
  }

  private check(): void {
    this.timer = undefined
    if (this.stopped) return
    const now = this.clock.now()
    const { probe, timeoutMs, idleEveryMs, onIdle, onStall } = this.options
    if (probe) {
      const value = probe()
      if (value !== this.lastProbe) {
        this.lastProbe = value
        this.last = now
      }
    }
    if (this.last !== this.marksSince) {
      this.marksSince = this.last
      this.marks = 0
    }
    const idle = now - this.last
    if (timeoutMs !== undefined && idle >= timeoutMs) {
      this.stop()
      onStall?.(idle)
      return
    }
    if (idleEveryMs !== undefined && onIdle && idle >= (this.marks + 1) * idleEveryMs) {
      this.marks = Math.floor(idle / idleEveryMs)
      onIdle(this.marks * idleEveryMs)
      if (this.stopped) return
    }
    this.schedule()
  }
}

/**
 * Bytes a socket has moved so far: received, plus handed to the kernel (what was dispatched
 * minus what still waits in node's and libuv's queues). Grows while anything moves.
 */
export function socketProgress(socket: Socket): number {
  const queued = (socket as unknown as { _handle?: { writeQueueSize?: unknown } })._handle
    ?.writeQueueSize
  return (
    (socket.bytesRead || 0) +
    (socket.bytesWritten || 0) -
    socket.writableLength -
    (typeof queued === 'number' ? queued : 0)
  )
}

/** How often a request's socket is looked at: an eighth of the timeout, 50 ms to 5 s. */
export function pollInterval(timeoutMs: number): number {
  return Math.min(5000, Math.max(50, Math.floor(timeoutMs / 8)))
}

const stalls = new WeakMap<object, Error>()

/** The error a request was destroyed with because it stalled, if it was. */
export function stallErrorOf(request: object | undefined): Error | undefined {
  return request ? stalls.get(request) : undefined
}

/** `no bytes moved for 120 s`, code ETIMEDOUT (retryable). */
export function stallError(idleMs: number): NodeJS.ErrnoException {
  const seconds = idleMs >= 10_000 ? Math.round(idleMs / 1000) : Math.round(idleMs / 100) / 10
  const error: NodeJS.ErrnoException = new Error(`no bytes moved for ${seconds} s`)
  error.code = 'ETIMEDOUT'
  return error
}

/**
 * Destroys `request` with a retryable ETIMEDOUT error once nothing moved on it for
 * `idleTimeoutMs`, from the moment it has a socket: while connecting, sending, waiting and
 * receiving (not while it waits in an agent's queue for a free socket; a CONNECT through a proxy
 * has its own timeout). The watch ends with the request ('close').
 */
export function watchRequest(
  request: ClientRequest,
  idleTimeoutMs: number,
  clock: Clock = systemClock
): void {
  let watchdog: StallWatchdog | undefined
  let ended = false
  request.once('socket', (socket: Socket) => {
    if (ended) return
    watchdog = new StallWatchdog({
      timeoutMs: idleTimeoutMs,
      pollMs: pollInterval(idleTimeoutMs),
      probe: () => socketProgress(socket),
      clock,
      onStall: idleMs => {
        const error = stallError(idleMs)
        stalls.set(request, error)
        request.destroy(error)
      }
    })
  })
  request.once('close', () => {
    ended = true
    watchdog?.stop()
  })
}
