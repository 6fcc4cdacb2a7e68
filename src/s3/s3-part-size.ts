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

/** Once 1/partsInFlight of what is left is under this (8 MiB), the rest is one last round. */
const FINAL_ROUND_BELOW = 8 * MiB

/** One part: its 1-based number and byte range [start, end) in the file. */
export interface PartRange {
  readonly number: number
  readonly start: number
  readonly end: number
}

/**
 * The parts of a file of `size` bytes sent `partsInFlight` at a time with parts of `partBytes`
 * (partBytesFor): numbered from 1 in byte order, contiguous, computed once, up front, so a retry
 * re-sends exactly the range it had, and CompleteMultipartUpload lists the same plan.
 *
 * The point is that the last parts end together, so no connection idles while others finish:
 * - A file of at most `partsInFlight` × `partBytes` is one round: `partsInFlight` equal parts
 *   (fewer when they would be under S3's 5 MiB): 64 MiB goes as 8 parts of 8 MiB, not 2 of 32.
 * - A bigger one is sent in parts of `partBytes` while at least `partsInFlight` such parts
 *   remain; then each next part carries 1/`partsInFlight` of what is left (in whole MiB), so
 *   the parts get shorter towards the end; once that share would be under 8 MiB, the rest is one
 *   last round of at most `partsInFlight` equal parts of at least 5 MiB. The parts that start
 *   last are the shortest, and whichever connection is free first takes the next one. A 2 GiB
 *   file with 32 MiB parts: 57 of 32 MiB, then 28, 25, 22, 19, 17, 15, 13, 11, 10, 8, then 8 of
 *   7 MiB (75 parts instead of 64).
 * In a model of 8 connections each at its own pace (±10 %), taking the next part as they come
 * free (as sendParts does) with 5 ms lost per part, the transfer ends 3.0 % after the ideal for
 * 2 GiB (7.4 % with equal parts), 10 % for 200 MiB (40 %), 14 % for 64 MiB (4.2x: 2 parts).
 * Every part but the last is at least 5 MiB and at most `partBytes`; when `partBytes` leaves no
 * room to shorten (the 5 MiB minimum), or the plan would pass S3's
 * 10,000 parts, the file is cut in equal parts of `partBytes` (partRanges).
 */
export function planParts(size: number, partBytes: number, partsInFlight: number): PartRange[] {
  const slots = Math.max(1, Math.floor(partsInFlight))
  const lengths: number[] = []
  let left = size
  if (size > slots * partBytes) {
    for (;;) {
      const share = Math.ceil(left / slots / MiB) * MiB
      if (share < FINAL_ROUND_BELOW) break
      const length = Math.min(partBytes, share)
      lengths.push(length)
      left -= length
    }
  }
  const round = lastRound(left, partBytes, slots)
  if (!round || lengths.length + round.length > MAX_PARTS) return partRanges(size, partBytes)
  lengths.push(...round)
  const parts: PartRange[] = []
  let start = 0
  for (const [i, length] of lengths.entries()) {
    parts.push({ number: i + 1, start, end: start + length })
    start += length
  }
  return parts
}

/**
 * `bytes` as at most `slots` parts of 5 MiB to `partBytes`, whole MiB but the last (which takes
 * what is left under a MiB); undefined when no count of parts fits those bounds.
 */
function lastRound(bytes: number, partBytes: number, slots: number): number[] | undefined {
  const fewest = Math.ceil(bytes / partBytes)
  const most = Math.floor(bytes / MIN_PART_BYTES)
  if (fewest > most) return undefined
  const count = Math.max(fewest, Math.min(slots, most))
  const base = Math.floor(bytes / count / MiB) * MiB
  // Whole MiB left over go one each to the first parts; the bytes under a MiB to the last.
  const extra = Math.floor((bytes - count * base) / MiB)
  const lengths = Array.from({ length: count }, (_, i) => base + (i < extra ? MiB : 0))
  lengths[count - 1] += bytes - count * base - extra * MiB
  return lengths
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
