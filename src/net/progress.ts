/**
 * Progress lines for one file's transfer: a line each time the next 10 % step is reached (never
 * two within 1 s, so a fast upload of a small file stays quiet), and a line after 5 s without
 * one, so a slow transfer of a large file never looks hung. While no byte moves at all, a line
 * every 30 s says so ("big.fq: 0 B/s for 30 s, waiting"), until bytes move again or the stall
 * timeout gives the attempt up. Each line names the file, which keeps concurrent uploads apart.
 */
import { formatBytes, formatRate } from '../shared/format.js'
import { StallWatchdog, systemClock, type Clock } from './stall-watchdog.js'

export interface ProgressOptions {
  /** Percent between two step lines. Default 10. */
  stepPercent?: number
  /** Minimum time between two lines. Default 1 s. */
  minIntervalMs?: number
  /** A line at least this often while bytes move. Default 5 s. */
  heartbeatMs?: number
  /** A "0 B/s" line this often while no byte moves (between start() and stop()). Default 30 s. */
  idleEveryMs?: number
  /** Time and timers (tests pass a manual clock). */
  clock?: Clock
  /** The time alone, when no idle lines are wanted from a manual clock. */
  now?: () => number
}

export class ProgressReporter {
  private readonly stepPercent: number
  private readonly minIntervalMs: number
  private readonly heartbeatMs: number
  private readonly idleEveryMs: number
  private readonly clock: Clock
  private readonly now: () => number
  /** `now` reads the watchdog's clock: one reading serves both. */
  private readonly oneClock: boolean
  private startedAt = 0
  private lastLineAt = 0
  private nextStep = 0
  private sent = 0
  private watchdog?: StallWatchdog

  /** `label` prefixes each line (the file name); `log` receives the lines. */
  constructor(
    private readonly label: string,
    private readonly totalBytes: number,
    private readonly log: (line: string) => void,
    options: ProgressOptions = {}
  ) {
    this.stepPercent = options.stepPercent ?? 10
    this.minIntervalMs = options.minIntervalMs ?? 1000
    this.heartbeatMs = options.heartbeatMs ?? 5000
    this.idleEveryMs = options.idleEveryMs ?? 30_000
    this.clock = options.clock ?? systemClock
    this.now = options.now ?? (() => this.clock.now())
    this.oneClock = options.now === undefined
    this.reset()
  }

  /**
   * Starts (or, for a retry that re-sends from byte 0, starts over) counting, and the "0 B/s"
   * lines while nothing moves. Call stop() when the attempt ends, however it ends.
   */
  start(): void {
    this.reset()
    this.watchdog?.stop()
    this.watchdog = new StallWatchdog({
      idleEveryMs: this.idleEveryMs,
      onIdle: idleMs => this.log(this.idleLine(idleMs)),
      clock: this.clock
    })
  }

  /** The same as start(). */
  restart(): void {
    this.start()
  }

  /** Ends the "0 B/s" lines (the attempt is over: done, failed, or waiting for a retry). */
  stop(): void {
    this.watchdog?.stop()
    this.watchdog = undefined
  }

  /**
   * Call with the bytes sent so far (once per chunk: one clock reading, no timer work); logs
   * when a step or the heartbeat is due.
   */
  update(sentBytes: number): void {
    const now = this.now()
    this.watchdog?.touch(this.oneClock ? now : undefined)
    this.sent = sentBytes
    if (this.totalBytes <= 0 || sentBytes >= this.totalBytes) return
    const percent = (sentBytes * 100) / this.totalBytes
    const sinceLast = now - this.lastLineAt
    const stepDue = percent >= this.nextStep && sinceLast >= this.minIntervalMs
    const heartbeatDue = sinceLast >= this.heartbeatMs
    if (!stepDue && !heartbeatDue) return
    this.lastLineAt = now
    this.nextStep = (Math.floor(percent / this.stepPercent) + 1) * this.stepPercent
    this.log(
      `${this.label}: ${formatBytes(sentBytes)} of ${formatBytes(this.totalBytes)} (${Math.floor(percent)} %), ${formatRate(sentBytes, now - this.startedAt)}`
    )
  }

  private reset(): void {
    this.startedAt = this.now()
    this.lastLineAt = this.startedAt
    this.nextStep = this.stepPercent
    this.sent = 0
  }

  private idleLine(idleMs: number): string {
    const seconds = idleMs >= 10_000 ? Math.round(idleMs / 1000) : Math.round(idleMs / 100) / 10
    if (this.totalBytes > 0 && this.sent >= this.totalBytes)
      return `${this.label}: all ${formatBytes(this.totalBytes)} sent, no answer for ${seconds} s, waiting`
    return `${this.label}: 0 B/s for ${seconds} s (${formatBytes(this.sent)} of ${formatBytes(this.totalBytes)} sent), waiting`
  }
}
