/**
 * What every measured upload is held to (a fast but wrong upload must not score), and the
 * figures one throughput run yields.
 */
import { GiB } from './config.js'
import type { Measured } from './measure.js'
import { median } from './report.js'
import { sinkCpuSeconds, type SinkStats } from './sink-process.js'
import type { RequestSpan } from './sink-state.js'

/**
 * Where the storage connections stood idle during a transfer, in connection-seconds: with
 * `slots` the most requests in flight at once, the span holds slots x span of capacity; what
 * the requests did not use is idle, split into the ramp (from the first request's head until
 * `slots` were first in flight), the tail (from the last moment `slots` were in flight to the
 * end: fewer parts than connections left, or parts ending at different times) and the gaps in
 * between (a connection waiting between one part's end and the next part's head).
 */
export interface Idle {
  readonly slots: number
  readonly rampS: number
  readonly gapS: number
  readonly tailS: number
  /** Wall seconds of the tail (from the last moment at `slots` to the end). */
  readonly tailWallS: number
}

export function idleOf(requests: readonly RequestSpan[]): Idle {
  const events = requests
    .flatMap(r => [
      { t: r.startS, d: 1 },
      { t: r.endS, d: -1 }
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d)
  let inFlight = 0
  let slots = 0
  for (const e of events) slots = Math.max(slots, (inFlight += e.d))
  if (slots === 0) return { slots: 0, rampS: 0, gapS: 0, tailS: 0, tailWallS: 0 }
  let firstFull = NaN
  let lastFull = NaN
  inFlight = 0
  for (const e of events) {
    inFlight += e.d
    if (inFlight === slots) firstFull = Number.isNaN(firstFull) ? e.t : firstFull
    if (e.d < 0 && inFlight === slots - 1) lastFull = e.t
  }
  const end = events.at(-1)!.t
  let rampS = 0
  let gapS = 0
  let tailS = 0
  inFlight = 0
  let t = events[0].t
  for (const e of events) {
    const idle = (slots - inFlight) * (e.t - t)
    if (e.t <= firstFull) rampS += idle
    else if (t >= lastFull) tailS += idle
    else gapS += idle
    t = e.t
    inFlight += e.d
  }
  return { slots, rampS, gapS, tailS, tailWallS: end - lastFull }
}

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

/**
 * Where a run's wall time went, from the sink's clock (the machine's monotonic clock, like the
 * harness's): `startS` from the spawn to the first API request (node's start, the bundle,
 * planning); `setupS` from there to the first storage request's head (init, and for the
 * multipart route loading the SDK); `transferS` the storage span (CreateMultipartUpload, parts,
 * CompleteMultipartUpload; or the POST); `finishS` from the span's end to the last API request
 * (confirm_upload or the callback: on the multipart route the hash finishing after the last
 * part); `exitS` from there to the exit. Undefined for runs without API requests.
 */
export interface Phases {
  readonly startS: number
  readonly setupS: number
  readonly transferS: number
  readonly finishS: number
  readonly exitS: number
}

export function phasesOf(m: Measured, after: SinkStats): Phases | undefined {
  const calls = after.apiCalls ?? []
  if (calls.length === 0 || after.spanStartNs === undefined) return undefined
  const s = (ns: bigint): number => Number(ns - m.startedNs) / 1e9
  const first = s(BigInt(calls[0].atNs))
  if (first < 0) return undefined // requests made before the measured command (the ceiling's)
  const last = s(BigInt(calls[calls.length - 1].atNs))
  const spanStart = s(BigInt(after.spanStartNs))
  const spanEnd = spanStart + after.storageSpanS
  return {
    startS: first,
    setupS: spanStart - first,
    transferS: after.storageSpanS,
    finishS: last - spanEnd,
    exitS: m.wallS - last
  }
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
  readonly idle: Idle
  readonly phases?: Phases
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
    maxConnections: after.maxInFlight,
    idle: idleOf(after.requests),
    phases: phasesOf(m, after)
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
    /** Median idle connection-seconds (ramp, gaps, tail) and median wall minus transfer. */
    idle: {
      rampS: median(runs.map(r => r.idle.rampS)),
      gapS: median(runs.map(r => r.idle.gapS)),
      tailS: median(runs.map(r => r.idle.tailS)),
      tailWallS: median(runs.map(r => r.idle.tailWallS))
    },
    outsideTransferS: median(runs.map(r => r.wallS - r.transferS)),
    phases: runs.some(r => r.phases)
      ? {
          startS: median(runs.map(r => r.phases?.startS ?? NaN)),
          setupS: median(runs.map(r => r.phases?.setupS ?? NaN)),
          finishS: median(runs.map(r => r.phases?.finishS ?? NaN)),
          exitS: median(runs.map(r => r.phases?.exitS ?? NaN))
        }
      : undefined,
    runs
  }
}

export type Summary = ReturnType<typeof summarize>
