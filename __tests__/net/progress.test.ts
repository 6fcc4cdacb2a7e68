import { describe, expect, it } from '@jest/globals'
import { ProgressReporter } from '../../src/net/progress.js'
import { manualClock } from '../helpers/manual-clock.js'

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
  it('logs each new 10 % step, but no two lines within 1 s', () => {
    const { progress, lines, at } = reporter(1000 * MB)
    at(500)
    progress.update(150 * MB) // 15 % after 0.5 s: too soon
    at(1500)
    progress.update(160 * MB) // 16 % at 1.5 s: a line
    at(1800)
    progress.update(250 * MB) // 25 %, 0.3 s later: too soon
    at(3000)
    progress.update(290 * MB) // 29 %, 1.5 s later: a line
    at(4000)
    progress.update(295 * MB) // still in the 20 % step, 1 s later: no line
    expect(lines).toEqual([
      'big.fq: 160.0 MB of 1.0 GB (16 %), 106.7 MB/s',
      'big.fq: 290.0 MB of 1.0 GB (29 %), 96.7 MB/s'
    ])
  })

  it('writes a line after 5 s without one, even within a 10 % step, and none at 100 %', () => {
    const { progress, lines, at } = reporter(1000 * MB)
    at(4900)
    progress.update(1 * MB) // 4.9 s: not yet
    at(5000)
    progress.update(2 * MB) // 5 s without a line: one
    at(9000)
    progress.update(3 * MB) // 4 s later: not yet
    at(10_000)
    progress.update(4 * MB) // 5 s later: one
    at(10_500)
    progress.update(1000 * MB) // done: the uploader's own line says so
    expect(lines).toEqual([
      'big.fq: 2.0 MB of 1.0 GB (0 %), 0.4 MB/s',
      'big.fq: 4.0 MB of 1.0 GB (0 %), 0.4 MB/s'
    ])
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

  it('says "0 B/s for 30 s, waiting" every 30 s while no byte moves, until bytes move again', () => {
    const clock = manualClock()
    const lines: string[] = []
    const progress = new ProgressReporter('big.fastq', 2000 * MB, line => lines.push(line), {
      clock
    })
    progress.start()
    clock.advance(2000)
    progress.update(20 * MB) // 10 MB/s for 2 s, then nothing
    lines.length = 0
    clock.advance(29_999)
    expect(lines).toEqual([])
    clock.advance(1)
    expect(lines).toEqual(['big.fastq: 0 B/s for 30 s (20.0 MB of 2.0 GB sent), waiting'])
    clock.advance(30_000)
    expect(lines[1]).toBe('big.fastq: 0 B/s for 60 s (20.0 MB of 2.0 GB sent), waiting')
    progress.update(21 * MB) // bytes move again: a progress line, and the count starts over
    expect(lines[2]).toBe('big.fastq: 21.0 MB of 2.0 GB (1 %), 0.3 MB/s')
    clock.advance(29_000)
    expect(lines).toHaveLength(3)
    clock.advance(1000)
    expect(lines[3]).toBe('big.fastq: 0 B/s for 30 s (21.0 MB of 2.0 GB sent), waiting')
  })

  it('says it is waiting for the answer once every byte went out, and is silent once stopped', () => {
    const clock = manualClock()
    const lines: string[] = []
    const progress = new ProgressReporter('reads.fq', 100 * MB, line => lines.push(line), {
      clock
    })
    progress.start()
    progress.update(100 * MB)
    clock.advance(30_000)
    expect(lines).toEqual(['reads.fq: all 100.0 MB sent, no answer for 30 s, waiting'])
    progress.stop()
    clock.advance(600_000)
    expect(lines).toHaveLength(1)
    expect(clock.pending()).toBe(0)
  })

  it('has no idle line between attempts: a retry starts counting from its own start', () => {
    const clock = manualClock()
    const lines: string[] = []
    const progress = new ProgressReporter('x.fq', 100 * MB, line => lines.push(line), { clock })
    progress.start()
    clock.advance(10_000)
    progress.stop() // the attempt failed; the retry policy waits
    clock.advance(25_000)
    progress.start()
    clock.advance(29_000)
    expect(lines).toEqual([])
    clock.advance(1000)
    expect(lines).toEqual(['x.fq: 0 B/s for 30 s (0 B of 100.0 MB sent), waiting'])
  })
})
