/**
 * Progress lines for one file's transfer: a line each time the next 10 % step is reached (never
 * two within 1 s, so a fast upload of a small file stays quiet), and a line after 5 s without
 * one, so a slow transfer of a large file never looks hung. Each line names the file, which keeps
 * concurrent uploads apart.
 */
import { formatBytes, formatRate } from '../shared/format.js'

export interface ProgressOptions {
  /** Percent between two step lines. Default 10. */
  stepPercent?: number
  /** Minimum time between two lines. Default 1 s. */
  minIntervalMs?: number
  /** A line at least this often while bytes move. Default 5 s. */
  heartbeatMs?: number
  now?: () => number
}

export class ProgressReporter {
  private readonly stepPercent: number
  private readonly minIntervalMs: number
  private readonly heartbeatMs: number
  private readonly now: () => number
  private startedAt = 0
  private lastLineAt = 0
  private nextStep = 0

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
    this.now = options.now ?? Date.now
    this.restart()
  }

  /** Starts counting again (a retry re-sends from byte 0). */
  restart(): void {
    this.startedAt = this.now()
    this.lastLineAt = this.startedAt
    this.nextStep = this.stepPercent
  }

  /** Call with the bytes sent so far; logs when a step or the heartbeat is due. */
  update(sentBytes: number): void {
    if (this.totalBytes <= 0 || sentBytes >= this.totalBytes) return
    const now = this.now()
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
}
