/** parseDuration and describeDuration (src/inputs/duration.ts), as analysis-timeout reads them. */
import { describe, expect, it } from '@jest/globals'
import { ANALYSIS_TIMEOUT, describeDuration, parseDuration } from '../../src/inputs/duration.js'

const parse = (raw: string): ReturnType<typeof parseDuration> =>
  parseDuration(raw, 'analysis-timeout', ANALYSIS_TIMEOUT)

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['', 60 * 60_000],
    ['90s', 90_000],
    ['45m', 45 * 60_000],
    ['45min', 45 * 60_000],
    ['2h', 2 * 3_600_000],
    ['2H', 2 * 3_600_000],
    [' 30 ', 30 * 60_000],
    ['1.5h', 90 * 60_000],
    ['6h', 6 * 3_600_000],
    ['360', 6 * 3_600_000],
    ['10 m', 10 * 60_000]
  ])('"%s" is %i ms', (raw, ms) => {
    expect(parse(raw)).toEqual({ ok: true, ms })
  })

  it.each<[string, string]>([
    [
      'soon',
      'Input analysis-timeout is "soon": it must be a duration such as 90s, 45m or 2h, or a number of minutes.'
    ],
    [
      '1d',
      'Input analysis-timeout is "1d": it must be a duration such as 90s, 45m or 2h, or a number of minutes.'
    ],
    [
      '-5m',
      'Input analysis-timeout is "-5m": it must be a duration such as 90s, 45m or 2h, or a number of minutes.'
    ],
    [
      '1h30m',
      'Input analysis-timeout is "1h30m": it must be a duration such as 90s, 45m or 2h, or a number of minutes.'
    ],
    ['0', 'Input analysis-timeout is "0": it must be longer than 0.'],
    [
      '7h',
      'Input analysis-timeout is "7h": it may be at most 6 h (a job\'s time limit on GitHub-hosted runners).'
    ],
    [
      '361',
      'Input analysis-timeout is "361": it may be at most 6 h (a job\'s time limit on GitHub-hosted runners).'
    ]
  ])('refuses "%s"', (raw, problem) => {
    expect(parse(raw)).toEqual({ ok: false, problem })
  })
})

describe('describeDuration', () => {
  it.each<[number, string]>([
    [90_000, '1 min 30 s'],
    [45_000, '45 s'],
    [45 * 60_000, '45 min'],
    [3_600_000, '1 h'],
    [90 * 60_000, '1 h 30 min'],
    [6 * 3_600_000, '6 h']
  ])('%i ms → %s', (ms, text) => {
    expect(describeDuration(ms)).toBe(text)
  })
})
