/**
 * How a file is cut into the parts of an S3 multipart upload, and how many go at once.
 */
import { MAX_OBJECT_BYTES, MAX_PART_BYTES, MAX_PARTS, MIN_PART_BYTES } from '../contract/spec.js'

const MiB = 1024 * 1024

/**
 * Smallest part size the route uses: 32 MiB, measured. Under a 100 MB/s-per-connection cap
 * (`npm run bench`, WAN profile, 2 GiB, 8 parts in flight) 16 MiB parts reached 5.4-5.9x one
 * `curl -F` and kept 6.4-7.0 of the 8 connections busy: the gap between one part's end and the
 * next one's first byte is paid per part. 32 MiB parts reached 6.2x with 7.5 busy. Still small
 * enough that a part lost to a reset costs well under a second to send again at that speed, and
 * parts are streamed, so memory does not grow with them. Files over 312 GiB get bigger parts so
 * they stay within 10,000 parts.
 */
export const DEFAULT_MIN_PART_BYTES = 32 * MiB

/**
 * Parts of one file in flight at once (one HTTP connection each). One connection rarely fills a
 * runner's uplink to S3 (TCP windows, per-connection throttling on S3's side); eight do, and
 * with the default `concurrency` of 4 samples that is at most 32 connections. `npm run bench`
 * measures it.
 */
export const PARTS_IN_FLIGHT = 8

/**
 * Undocumented, test-only: the smallest part size in bytes (instead of 32 MiB), so that tests
 * get several parts out of small files. Below S3's 5 MiB minimum it is raised to 5 MiB.
 */
export const PART_BYTES_ENV = 'ONECODEX_UPLOAD_PART_BYTES'

/** The minimum part size: the test-only override when it is a whole number, else 32 MiB. */
export function minPartBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[PART_BYTES_ENV]?.trim()
  if (raw === undefined || !/^\d+$/.test(raw)) return DEFAULT_MIN_PART_BYTES
  return Math.max(MIN_PART_BYTES, Number(raw))
}

/**
 * The part size for a file of `size` bytes: `max(minimum, ceil(size / 10,000))` rounded up to a
 * whole MiB, so that no file up to S3's 5 TiB object limit needs more than 10,000 parts (5 TiB
 * gives 525 MiB parts, within S3's 5 GiB part limit).
 */
export function partBytesFor(size: number, minimum: number = DEFAULT_MIN_PART_BYTES): number {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`invalid file size ${size}`)
  if (size > MAX_OBJECT_BYTES)
    throw new RangeError(`${size} bytes is more than S3's ${MAX_OBJECT_BYTES}-byte object limit`)
  const floor = Math.max(MIN_PART_BYTES, minimum)
  const bytes = Math.ceil(Math.max(floor, Math.ceil(size / MAX_PARTS)) / MiB) * MiB
  return Math.min(bytes, MAX_PART_BYTES)
}

/** One part: its 1-based number and byte range [start, end) in the file. */
export interface PartRange {
  readonly number: number
  readonly start: number
  readonly end: number
}

/** The parts of a file of `size` bytes cut in `partBytes` pieces (the last one may be shorter). */
export function partRanges(size: number, partBytes: number): PartRange[] {
  const count = Math.ceil(size / partBytes)
  if (count > MAX_PARTS)
    throw new RangeError(`${count} parts of ${partBytes} bytes exceed S3's ${MAX_PARTS}-part limit`)
  const parts: PartRange[] = []
  for (let i = 0; i < count; i++) {
    parts.push({ number: i + 1, start: i * partBytes, end: Math.min(size, (i + 1) * partBytes) })
  }
  return parts
}
