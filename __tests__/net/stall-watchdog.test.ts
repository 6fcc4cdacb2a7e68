import { describe, expect, it } from '@jest/globals'
import {
  pollInterval,
  socketProgress,
  StallWatchdog,
  stallError
} from '../../src/net/stall-watchdog.js'
import { isRetryable, networkError } from '../../src/shared/upload-error.js'
import { manualClock } from '../helpers/manual-clock.js'
import type { Socket } from 'node:net'

describe('StallWatchdog', () => {
  it('fires once, after exactly the timeout without progress, then stops', () => {
    const clock = manualClock()
    const stalls: number[] = []
    new StallWatchdog({ timeoutMs: 120_000, onStall: ms => stalls.push(ms), clock })
    clock.advance(119_999)
    expect(stalls).toEqual([])
    clock.advance(1)
    expect(stalls).toEqual([120_000])
    clock.advance(600_000)
    expect(stalls).toEqual([120_000])
    expect(clock.pending()).toBe(0)
  })

  it('counts the timeout from the last touch()', () => {
    const clock = manualClock()
    const stalls: number[] = []
    const watchdog = new StallWatchdog({ timeoutMs: 1000, onStall: ms => stalls.push(ms), clock })
    for (let i = 0; i < 10; i++) {
      clock.advance(900)
      watchdog.touch()
    }
    expect(stalls).toEqual([])
    clock.advance(999)
    expect(stalls).toEqual([])
    clock.advance(1)
    expect(stalls).toEqual([1000])
  })

  it('takes a change of the probe as progress, seen at the next poll', () => {
    const clock = manualClock()
    let moved = 0
    const stalls: number[] = []
    new StallWatchdog({
      timeoutMs: 1000,
      pollMs: 100,
      probe: () => moved,
      onStall: ms => stalls.push(ms),
      clock
    })
    clock.advance(950)
    moved += 4096 // bytes moved at 950 ms
    clock.advance(1000) // seen at the 1000 ms poll: the stall is due at 2000 ms
    expect(stalls).toEqual([])
    clock.advance(50)
    expect(stalls).toEqual([1000])
  })

  it('says how long nothing moved every idleEveryMs, starting over after progress', () => {
    const clock = manualClock()
    const idle: number[] = []
    const watchdog = new StallWatchdog({ idleEveryMs: 30_000, onIdle: ms => idle.push(ms), clock })
    clock.advance(95_000)
    expect(idle).toEqual([30_000, 60_000, 90_000])
    watchdog.touch()
    clock.advance(29_000)
    expect(idle).toHaveLength(3)
    clock.advance(1000)
    expect(idle).toEqual([30_000, 60_000, 90_000, 30_000])
    watchdog.stop()
    clock.advance(120_000)
    expect(idle).toHaveLength(4)
    expect(clock.pending()).toBe(0)
  })

  it('reports idle lines before the stall, and nothing after it', () => {
    const clock = manualClock()
    const events: string[] = []
    new StallWatchdog({
      timeoutMs: 120_000,
      onStall: ms => events.push(`stall ${ms}`),
      idleEveryMs: 30_000,
      onIdle: ms => events.push(`idle ${ms}`),
      clock
    })
    clock.advance(300_000)
    expect(events).toEqual(['idle 30000', 'idle 60000', 'idle 90000', 'stall 120000'])
  })

  it('stop() before the deadline means no call at all', () => {
    const clock = manualClock()
    let called = false
    const watchdog = new StallWatchdog({ timeoutMs: 10, onStall: () => (called = true), clock })
    watchdog.stop()
    clock.advance(1000)
    expect(called).toBe(false)
  })
})

describe('stall errors and polling', () => {
  it('is a retryable ETIMEDOUT that says how long nothing moved', () => {
    const error = networkError('Storage upload of big.fq', stallError(120_000))
    expect(error.message).toBe(
      'Storage upload of big.fq failed: no bytes moved for 120 s (ETIMEDOUT)'
    )
    expect(error.code).toBe('ETIMEDOUT')
    expect(isRetryable(error)).toBe(true)
    expect(stallError(1500).message).toBe('no bytes moved for 1.5 s')
  })

  it('polls an eighth of the timeout, between 50 ms and 5 s', () => {
    expect(pollInterval(120_000)).toBe(5000)
    expect(pollInterval(8000)).toBe(1000)
    expect(pollInterval(100)).toBe(50)
  })

  it('counts a socket as moving when bytes arrive or leave its queues', () => {
    const socket = {
      bytesRead: 10,
      bytesWritten: 5000,
      writableLength: 1000,
      _handle: { writeQueueSize: 3000 }
    } as unknown as Socket & { _handle: { writeQueueSize: number } }
    expect(socketProgress(socket)).toBe(10 + 5000 - 1000 - 3000)
    socket._handle.writeQueueSize = 2000 // the kernel took 1000 bytes
    expect(socketProgress(socket)).toBe(2010)
  })
})
