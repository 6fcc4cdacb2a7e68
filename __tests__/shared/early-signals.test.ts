import { describe, expect, it } from '@jest/globals'
import { EventEmitter } from 'node:events'
import {
  CANCEL_SIGNALS,
  holdEarlySignals,
  takeEarlySignals
} from '../../src/shared/early-signals.js'

function fakeProcess(): EventEmitter & Pick<NodeJS.Process, 'on' | 'off'> {
  return new EventEmitter() as EventEmitter & Pick<NodeJS.Process, 'on' | 'off'>
}

describe('holdEarlySignals / takeEarlySignals', () => {
  it('holds the first signal and counts the others until taken; then its handlers are gone', () => {
    const emitter = fakeProcess()
    holdEarlySignals(emitter)
    holdEarlySignals(emitter) // idempotent
    for (const signal of CANCEL_SIGNALS) expect(emitter.listenerCount(signal)).toBe(1)
    const before = Date.now()
    emitter.emit('SIGTERM', 'SIGTERM')
    emitter.emit('SIGINT', 'SIGINT')
    const early = takeEarlySignals()
    expect(early).toMatchObject({ signal: 'SIGTERM', repeats: 1 })
    expect(early!.at).toBeGreaterThanOrEqual(before)
    for (const signal of CANCEL_SIGNALS) expect(emitter.listenerCount(signal)).toBe(0)
    expect(takeEarlySignals()).toBeUndefined()
  })

  it('hands over nothing when no signal came, or when nothing was held', () => {
    expect(takeEarlySignals()).toBeUndefined()
    const emitter = fakeProcess()
    holdEarlySignals(emitter)
    expect(takeEarlySignals()).toBeUndefined()
    expect(emitter.listenerCount('SIGINT')).toBe(0)
  })
})
