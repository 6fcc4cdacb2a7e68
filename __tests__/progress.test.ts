import { describe, expect, it } from '@jest/globals'
import { ProgressReporter } from '../src/progress.js'

/** A reporter on a manual clock; returns it, the lines and a clock setter. */
function reporter(total: number) {
  let now = 0
  const lines: string[] = []
  const progress = new ProgressReporter('big.fq', total, line => lines.push(line), {
    now: () => now
  })
  return { progress, lines, at: (ms: number) => (now = ms) }
}

const MB = 1_000_000

describe('ProgressReporter', () => {
  it('logs each new 10 % step, but no two lines within 5 s', () => {
    const { progress, lines, at } = reporter(1000 * MB)
    at(1000)
    progress.update(150 * MB) // 15 % after 1 s: too soon
    at(6000)
    progress.update(160 * MB) // 16 %, 6 s: a line
    at(7000)
    progress.update(250 * MB) // 25 %, 1 s later: too soon
    at(12_000)
    progress.update(290 * MB) // 29 %, 6 s later: a line
    at(18_000)
    progress.update(295 * MB) // still in the 20 % step: no line
    expect(lines).toEqual([
      'big.fq: 160.0 MB of 1.0 GB (16 %), 26.7 MB/s',
      'big.fq: 290.0 MB of 1.0 GB (29 %), 24.2 MB/s'
    ])
  })

  it('writes a heartbeat line after 60 s without one, and none at 100 %', () => {
    const { progress, lines, at } = reporter(1000 * MB)
    at(61_000)
    progress.update(1 * MB)
    at(62_000)
    progress.update(1000 * MB)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('(0 %)')
  })

  it('starts over after restart() (a retry sends from byte 0)', () => {
    const { progress, lines, at } = reporter(100 * MB)
    at(10_000)
    progress.update(50 * MB)
    at(11_000)
    progress.restart()
    at(20_000)
    progress.update(20 * MB)
    expect(lines[1]).toBe('big.fq: 20.0 MB of 100.0 MB (20 %), 2.2 MB/s')
  })
})
