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
  partRanges
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

describe('minPartBytesFromEnv', () => {
  it('reads the test-only override, raised to 5 MiB, and ignores anything but a number', () => {
    expect(minPartBytesFromEnv({})).toBe(32 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: String(6 * MiB) })).toBe(6 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: '1000' })).toBe(5 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: '8MiB' })).toBe(32 * MiB)
    expect(minPartBytesFromEnv({ [PART_BYTES_ENV]: '' })).toBe(32 * MiB)
  })
})
