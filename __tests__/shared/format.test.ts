import { describe, expect, it } from '@jest/globals'
import {
  describeSize,
  formatBytes,
  formatCount,
  formatDuration,
  formatRate
} from '../../src/shared/format.js'

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [4816, '4.8 kB'],
    [1_500_000, '1.5 MB'],
    [2 * 1024 ** 3, '2.1 GB'],
    [20 * 1000 ** 3, '20.0 GB']
  ])('%d bytes read as %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text))
})

describe('describeSize', () => {
  it('adds the exact byte count for messages about limits', () => {
    expect(describeSize(999)).toBe('999 B (999 bytes)')
    expect(describeSize(4816)).toBe('4.8 kB (4,816 bytes)')
    expect(describeSize(20_000_000_001)).toBe('20.0 GB (20,000,000,001 bytes)')
  })
})

describe('formatRate and formatDuration', () => {
  it('quotes throughput in MB/s and never divides by zero', () => {
    expect(formatRate(50_000_000, 2000)).toBe('25.0 MB/s')
    expect(formatRate(1, 0)).toBe('– MB/s')
  })
  it('reads durations in s, min and h', () => {
    expect(formatDuration(1234)).toBe('1.2 s')
    expect(formatDuration(125_000)).toBe('2 min 5 s')
    expect(formatDuration(3 * 3600_000 + 60_000)).toBe('3 h 1 min')
  })
})

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [4816, '4,816'],
    [20_000_000_001, '20,000,000,001'],
    [-1234567, '-1,234,567'],
    [1234.5, '1,234.5']
  ])('%d → %s, as en-US grouping would', (n, text) => {
    expect(formatCount(n)).toBe(text)
    expect(formatCount(n)).toBe(n.toLocaleString('en-US'))
  })
})
