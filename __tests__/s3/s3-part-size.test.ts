import { describe, expect, it } from '@jest/globals'
import {
  MAX_OBJECT_BYTES,
  MAX_PART_BYTES,
  MAX_PARTS,
  MIN_PART_BYTES
} from '../../src/contract/spec.js'
import {
  DEFAULT_MIN_PART_BYTES,
  minPartBytesFromEnv,
  PART_BYTES_ENV,
  partBytesFor,
  partRanges,
  planParts,
  type PartRange
} from '../../src/s3/s3-part-size.js'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

describe('partBytesFor', () => {
  it('uses 32 MiB parts for every file up to 10,000 × 32 MiB', () => {
    expect(DEFAULT_MIN_PART_BYTES).toBe(32 * MiB)
    for (const size of [1, 32 * MiB, 5_000_000_001, 20_000_000_000, MAX_PARTS * 32 * MiB]) {
      expect(partBytesFor(size)).toBe(32 * MiB)
    }
  })

  it('grows the part (in whole MiB) once 32 MiB parts would exceed 10,000 parts', () => {
    const limit = MAX_PARTS * 32 * MiB
    expect(partBytesFor(limit + 1)).toBe(33 * MiB)
    expect(Math.ceil((limit + 1) / partBytesFor(limit + 1))).toBeLessThanOrEqual(MAX_PARTS)
    expect(partBytesFor(200 * GiB)).toBe(32 * MiB)
    expect(partBytesFor(400 * GiB)).toBe(41 * MiB)
  })

  it('keeps S3’s largest object (5 TiB) within 10,000 parts of at most 5 GiB', () => {
    const bytes = partBytesFor(MAX_OBJECT_BYTES)
    expect(bytes).toBe(525 * MiB)
    expect(bytes % MiB).toBe(0)
    expect(bytes).toBeLessThanOrEqual(MAX_PART_BYTES)
    expect(partRanges(MAX_OBJECT_BYTES, bytes)).toHaveLength(Math.ceil(MAX_OBJECT_BYTES / bytes))
    expect(Math.ceil(MAX_OBJECT_BYTES / bytes)).toBeLessThanOrEqual(MAX_PARTS)
  })

  it('never needs more than 10,000 parts, whatever the size up to 5 TiB', () => {
    for (let size = 1; size <= MAX_OBJECT_BYTES; size = Math.ceil(size * 1.37) + 12345) {
      const bytes = partBytesFor(size)
      expect(Math.ceil(size / bytes)).toBeLessThanOrEqual(MAX_PARTS)
      expect(bytes).toBeGreaterThanOrEqual(MIN_PART_BYTES)
    }
  })

  it('refuses a file over 5 TiB and a size that is not a positive whole number', () => {
    expect(() => partBytesFor(MAX_OBJECT_BYTES + 1)).toThrow(/object limit/)
    expect(() => partBytesFor(0)).toThrow(RangeError)
    expect(() => partBytesFor(1.5)).toThrow(RangeError)
  })

  it('takes a smaller minimum (tests), but never below S3’s 5 MiB', () => {
    expect(partBytesFor(16 * MiB, 5 * MiB)).toBe(5 * MiB)
    expect(partBytesFor(16 * MiB, 1024)).toBe(5 * MiB)
  })
})

describe('partRanges', () => {
  it('cuts a file into contiguous parts numbered from 1, the last one shorter', () => {
    expect(partRanges(11 * MiB + 3, 5 * MiB)).toEqual([
      { number: 1, start: 0, end: 5 * MiB },
      { number: 2, start: 5 * MiB, end: 10 * MiB },
      { number: 3, start: 10 * MiB, end: 11 * MiB + 3 }
    ])
    expect(partRanges(10 * MiB, 5 * MiB)).toHaveLength(2)
    expect(partRanges(1, 5 * MiB)).toEqual([{ number: 1, start: 0, end: 1 }])
  })

  it('refuses more than 10,000 parts', () => {
    expect(partRanges(MAX_PARTS * 5 * MiB, 5 * MiB)).toHaveLength(MAX_PARTS)
    expect(() => partRanges(MAX_PARTS * 5 * MiB + 1, 5 * MiB)).toThrow(/10000-part limit/)
  })
})

const lengths = (parts: readonly PartRange[]): number[] => parts.map(p => (p.end - p.start) / MiB)

/** The rules S3 and the route need of any plan: contiguous, numbered, sized within bounds. */
function expectValidPlan(parts: readonly PartRange[], size: number, partBytes: number): void {
  const wrong: string[] = []
  if (parts.length === 0 || parts.length > MAX_PARTS) wrong.push(`${parts.length} parts`)
  let start = 0
  for (const [i, part] of parts.entries()) {
    const length = part.end - part.start
    if (part.number !== i + 1) wrong.push(`part ${i + 1} numbered ${part.number}`)
    if (part.start !== start)
      wrong.push(`part ${part.number} starts at ${part.start}, not ${start}`)
    if (length <= 0 || length > partBytes) wrong.push(`part ${part.number}: ${length} bytes`)
    if (i < parts.length - 1 && length < MIN_PART_BYTES)
      wrong.push(`part ${part.number}: ${length} bytes, under 5 MiB`)
    start = part.end
  }
  if (start !== size) wrong.push(`the parts end at ${start}, the file at ${size}`)
  expect({ size, wrong }).toEqual({ size, wrong: [] })
}

describe('planParts', () => {
  it('2 GiB, 32 MiB parts, 8 at a time: 32 MiB while 8 remain, then shorter, then one even round', () => {
    const parts = planParts(2 * GiB, 32 * MiB, 8)
    expectValidPlan(parts, 2 * GiB, 32 * MiB)
    expect(lengths(parts)).toEqual([
      ...Array(57).fill(32),
      28,
      25,
      22,
      19,
      17,
      15,
      13,
      11,
      10,
      8,
      ...Array(8).fill(7)
    ])
    // Up to the first shortened part the plan is the equal one: part n starts at (n - 1) × 32 MiB.
    expect(parts.slice(0, 58).every(p => p.start === (p.number - 1) * 32 * MiB)).toBe(true)
  })

  it('a file of at most 8 parts of 32 MiB goes in one round of 8 equal parts (never under 5 MiB)', () => {
    expect(lengths(planParts(64 * MiB, 32 * MiB, 8))).toEqual(Array(8).fill(8))
    expect(lengths(planParts(100 * MiB, 32 * MiB, 8))).toEqual([13, 13, 13, 13, 12, 12, 12, 12])
    expect(lengths(planParts(256 * MiB, 32 * MiB, 8))).toEqual(Array(8).fill(32))
    expect(lengths(planParts(12 * MiB, 32 * MiB, 8))).toEqual([6, 6])
    expect(planParts(5 * MiB + 1, 32 * MiB, 8)).toEqual([{ number: 1, start: 0, end: 5 * MiB + 1 }])
    expect(planParts(1, 32 * MiB, 8)).toEqual([{ number: 1, start: 0, end: 1 }])
    // The bytes under a MiB go to the last part.
    const odd = planParts(64 * MiB + 3, 32 * MiB, 8)
    expect(odd.map(p => p.end - p.start)).toEqual([...Array(7).fill(8 * MiB), 8 * MiB + 3])
  })

  it('a part count that is not a multiple of 8 (3 GB) still ends in one even round', () => {
    const parts = planParts(3_000_000_000, 32 * MiB, 8)
    expectValidPlan(parts, 3_000_000_000, 32 * MiB)
    const last = parts.slice(-8).map(p => p.end - p.start)
    expect(Math.max(...last) - Math.min(...last)).toBeLessThan(2 * MiB)
    expect(Math.max(...last)).toBeLessThan(8 * MiB)
    // Shorter and shorter towards the end.
    const sizes = parts.map(p => p.end - p.start)
    for (let i = 1; i < sizes.length - 1; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1])
  })

  it('is the equal plan when the parts cannot be shortened (5 MiB) or there is one part at a time', () => {
    for (const size of [1, 5 * MiB, 15 * MiB + 12345, 100 * MiB + 7, 3 * GiB]) {
      expect(planParts(size, 5 * MiB, 8)).toEqual(partRanges(size, 5 * MiB))
      expect(planParts(size, 5 * MiB, 3)).toEqual(partRanges(size, 5 * MiB))
    }
  })

  it('stays within S3’s rules for every size up to 5 TiB, and is the same every time', () => {
    for (let size = 1; size <= MAX_OBJECT_BYTES; size = Math.ceil(size * 1.37) + 12345) {
      const partBytes = partBytesFor(size)
      const parts = planParts(size, partBytes, 8)
      expectValidPlan(parts, size, partBytes)
      expect(planParts(size, partBytes, 8)).toEqual(parts)
    }
    // 5 TiB: 525 MiB parts are already 9,987; the shortened tail would pass 10,000.
    const largest = planParts(MAX_OBJECT_BYTES, partBytesFor(MAX_OBJECT_BYTES), 8)
    expect(largest).toEqual(partRanges(MAX_OBJECT_BYTES, partBytesFor(MAX_OBJECT_BYTES)))
  })
})

describe('minPartBytesFromEnv', () => {
  it('reads the test-only override, raised to 5 MiB, and ignores anything but a number', () => {
    expect(minPartBytesFromEnv({})).toBe(32 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: String(6 * MiB) })).toBe(6 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: '1000' })).toBe(5 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: '8MiB' })).toBe(32 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: '' })).toBe(32 * MiB)
  })
})
