import { describe, expect, it } from '@jest/globals'
import { EventEmitter } from 'node:events'
import { CANCEL_SIGNALS, watchCancellation } from '../../src/upload/signals.js'

function fakeProcess(): EventEmitter & Pick<NodeJS.Process, 'on' | 'off'> {
  return new EventEmitter() as EventEmitter & Pick<NodeJS.Process, 'on' | 'off'>
}

describe('watchCancellation', () => {
  it('aborts on the first SIGINT, says so, and only notes later signals', () => {
    const emitter = fakeProcess()
    const lines: string[] = []
    const watch = watchCancellation({ emitter, log: l => lines.push(l), exit: () => {} })
    try {
      expect(watch.signal.aborted).toBe(false)
      emitter.emit('SIGINT', 'SIGINT')
      expect(watch.signal.aborted).toBe(true)
      expect(watch.cancelledAt()).toBeGreaterThan(0)
      expect(String(watch.signal.reason)).toContain('the job was cancelled (SIGINT)')
      emitter.emit('SIGTERM', 'SIGTERM')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(/^Received SIGINT: the job is being cancelled/)
      expect(lines[1]).toMatch(/^Received SIGTERM again/)
    } finally {
      watch.dispose()
    }
  })

  it('SIGTERM alone cancels too', () => {
    const emitter = fakeProcess()
    const watch = watchCancellation({ emitter, log: () => {}, exit: () => {} })
    emitter.emit('SIGTERM', 'SIGTERM')
    expect(watch.signal.aborted).toBe(true)
    watch.dispose()
  })

  it('exits as a last resort when clean-up overruns, unless disposed first', async () => {
    const emitter = fakeProcess()
    let exits = 0
    const watch = watchCancellation({ emitter, log: () => {}, exit: () => exits++, hardExitMs: 30 })
    const saved = process.exitCode
    const out = process.stdout.write
    process.stdout.write = (() => true) as typeof process.stdout.write
    try {
      emitter.emit('SIGINT', 'SIGINT')
      await new Promise(resolve => setTimeout(resolve, 80))
      expect(exits).toBe(1)
      expect(process.exitCode).toBe(1)
    } finally {
      process.stdout.write = out
      process.exitCode = saved
      watch.dispose()
    }

    const other = fakeProcess()
    let late = 0
    const quick = watchCancellation({
      emitter: other,
      log: () => {},
      exit: () => late++,
      hardExitMs: 30
    })
    other.emit('SIGINT', 'SIGINT')
    quick.dispose()
    await new Promise(resolve => setTimeout(resolve, 80))
    expect(late).toBe(0)
  })

  it('removes its handlers when disposed, so signals behave as before', () => {
    const emitter = fakeProcess()
    const watch = watchCancellation({ emitter, log: () => {}, exit: () => {} })
    for (const signal of CANCEL_SIGNALS) expect(emitter.listenerCount(signal)).toBe(1)
    watch.dispose()
    for (const signal of CANCEL_SIGNALS) expect(emitter.listenerCount(signal)).toBe(0)
    emitter.emit('SIGINT', 'SIGINT')
    expect(watch.signal.aborted).toBe(false)
  })
})

describe('watchCancellation taking over from the entry', () => {
  it('a signal held while the action was loading counts as the first: the run starts cancelled', async () => {
    const emitter = fakeProcess()
    const lines: string[] = []
    let exits = 0
    const at = Date.now() - 40
    const watch = watchCancellation({
      emitter,
      log: l => lines.push(l),
      exit: () => exits++,
      hardExitMs: 60,
      early: () => ({ signal: 'SIGTERM', at, repeats: 0 })
    })
    const saved = process.exitCode
    const out = process.stdout.write
    process.stdout.write = (() => true) as typeof process.stdout.write
    try {
      expect(watch.signal.aborted).toBe(true)
      expect(watch.cancelledAt()).toBe(at)
      expect(lines).toEqual([
        expect.stringMatching(/^Received SIGTERM while the action was starting/)
      ])
      // A later signal is a repeat.
      emitter.emit('SIGINT', 'SIGINT')
      expect(lines[1]).toMatch(/^Received SIGINT again/)
      // The last-resort exit counts from the held signal (60 ms after it, 40 of them gone).
      await new Promise(resolve => setTimeout(resolve, 45))
      expect(exits).toBe(1)
    } finally {
      process.stdout.write = out
      process.exitCode = saved
      watch.dispose()
    }
  })
})
