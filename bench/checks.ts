/**
 * What every measured upload is held to (a fast but wrong upload must not score), and the
 * figures one throughput run yields.
 */
import { GiB } from './config.js'
import type { Measured } from './measure.js'
import { median } from './report.js'
import { sinkCpuSeconds, type SinkStats } from './sink-process.js'

/** Throws unless the sink saw exactly the expected form-POST traffic and refused nothing. */
export function checkSink(
  after: SinkStats,
  expect: { uploads: number; confirms?: number; resets?: number }
): void {
  if (after.errors.length > 0) throw new Error(`sink refused: ${after.errors.join('; ')}`)
  if (after.uploads !== expect.uploads)
    throw new Error(`sink got ${after.uploads} uploads, expected ${expect.uploads}`)
  if (expect.confirms !== undefined && after.confirms !== expect.confirms)
    throw new Error(`sink got ${after.confirms} confirms, expected ${expect.confirms}`)
  if (after.resets !== (expect.resets ?? 0))
    throw new Error(`sink reset ${after.resets} connections, expected ${expect.resets ?? 0}`)
  if (after.cancels > 0) throw new Error(`the action cancelled ${after.cancels} samples`)
}

/**
 * Throws unless one sample went the multipart way completely: init_multipart_upload, one S3
 * multipart upload completed to exactly `size` bytes, nothing left open or aborted, one
 * callback, no form POST, no refusal.
 */
export function checkMultipart(after: SinkStats, size: number, expect: { resets?: number } = {}) {
  if (after.errors.length > 0) throw new Error(`sink refused: ${after.errors.join('; ')}`)
  const problems: string[] = []
  if (after.multipartInits !== 1) problems.push(`${after.multipartInits} init_multipart_upload`)
  if (after.s3Completes !== 1 || after.objects.length !== 1)
    problems.push(`${after.s3Completes} completed multipart uploads`)
  else if (after.objects[0].size !== size)
    problems.push(`object of ${after.objects[0].size} bytes, file is ${size}`)
  if (after.openUploads > 0) problems.push(`${after.openUploads} multipart uploads left open`)
  if (after.s3Aborts > 0) problems.push(`${after.s3Aborts} aborted`)
  if (after.callbacks !== 1) problems.push(`${after.callbacks} callbacks`)
  if (after.uploads + after.initUploads > 0) problems.push('a form POST / init_upload')
  if (after.resets !== (expect.resets ?? 0)) problems.push(`${after.resets} connection resets`)
  if (after.cancels > 0) problems.push(`${after.cancels} samples cancelled`)
  if (problems.length > 0) throw new Error(`multipart run: ${problems.join(', ')}`)
}

export interface ThroughputRun {
  readonly wallS: number
  readonly mbps: number
  readonly cpuS: number
  readonly cpuPerGiB: number
  readonly peakRss: number
  /** Sink-side seconds from the first storage request's head to the last body's end. */
  readonly transferS: number
  readonly sinkCpuShare: number
  /** Storage connections busy on average over the transfer, and at most. */
  readonly meanConnections: number
  readonly maxConnections: number
}

export function throughputRun(
  m: Measured,
  bytes: number,
  before: SinkStats,
  after: SinkStats
): ThroughputRun {
  return {
    wallS: m.wallS,
    mbps: bytes / m.wallS / 1e6,
    cpuS: m.cpuS,
    cpuPerGiB: m.cpuS / (bytes / GiB),
    peakRss: m.peakRss,
    transferS: after.storageSpanS,
    sinkCpuShare: sinkCpuSeconds(before, after) / m.wallS,
    meanConnections: after.requestS / after.storageSpanS,
    maxConnections: after.maxInFlight
  }
}

/** Medians of a side's runs (and the runs themselves, for results.json). */
export function summarize(runs: readonly ThroughputRun[], bytes: number) {
  return {
    mbps: median(runs.map(r => r.mbps)),
    cpuPerGiB: median(runs.map(r => r.cpuPerGiB)),
    transferMbps: median(runs.map(r => bytes / r.transferS / 1e6)),
    peakRss: median(runs.map(r => r.peakRss)),
    sinkCpuShare: median(runs.map(r => r.sinkCpuShare)),
    meanConnections: median(runs.map(r => r.meanConnections)),
    maxConnections: median(runs.map(r => r.maxConnections)),
    runs
  }
}

export type Summary = ReturnType<typeof summarize>
