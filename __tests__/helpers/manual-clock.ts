// Test helper: a Clock whose time moves only when the test says so (advance), running every
// timer that falls due on the way, in order.
import type { Clock } from '../../src/net/stall-watchdog.js'

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, running each timer due on the way at its own time. */
  advance(ms: number): void
  /** Timers still scheduled. */
  pending(): number
}

export function manualClock(start = 0): ManualClock {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; fn: () => void }>()
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++
      timers.set(id, { at: now + Math.max(0, ms), fn })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    advance(ms) {
      const until = now + ms
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined
        for (const entry of timers)
          if (entry[1].at <= until && (!due || entry[1].at < due[1].at)) due = entry
        if (!due) break
        timers.delete(due[0])
        now = due[1].at
        due[1].fn()
      }
      now = until
    },
    pending: () => timers.size
  }
}
