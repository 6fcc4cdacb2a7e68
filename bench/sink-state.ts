import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/**
 * What the sink process (bench/sink-server.ts) counts and checks, shared by its form-POST side
 * (sink-server.ts) and its S3 multipart side (sink-s3.ts). Reset by the harness before each run.
 */

/** A fault the harness arms for the next run. */
export interface Fault {
  /**
   * Reset the connection (TCP RST) once, when the storage has received this many bytes of the
   * file: for a form POST, bytes of its file part; for S3, inside the part whose range covers
   * this offset, at that offset.
   */
  readonly resetAtByte?: number
  /**
   * Hold every API and storage request this many milliseconds before handling it (its body
   * waits in the socket meanwhile): one round trip of a real path, which the WAN cap alone
   * lacks. The auto-threshold section uses it to count what the multipart route's extra
   * requests cost.
   */
  readonly latencyMs?: number
}

export interface StoredObject {
  readonly key: string
  readonly size: number
  readonly parts: number
  /** The size of every part but the last. */
  readonly partSize: number
}

/** One storage request as the sink saw it: its connection and when it started and ended. */
export interface RequestSpan {
  /** The TCP connection it came on (numbered in order of first use since the sink started). */
  readonly connection: number
  /** Seconds since the run's first storage request's head: the head, and the body's end. */
  readonly startS: number
  readonly endS: number
}

export interface Stats {
  initUploads: number
  /** Form POSTs that arrived whole and passed every check. */
  uploads: number
  uploadBytes: number
  fileBytes: number
  confirms: number
  /** Seconds from the last form POST's request head to its body's end, as the sink saw it. */
  lastTransferS: number
  /**
   * File bytes the storage received in all (form file parts and S3 part/object bodies),
   * including requests cut short by a reset: minus the file size, the bytes sent again.
   */
  payloadBytes: number
  /** Seconds from the first storage request's head to the last storage body's end. */
  storageSpanS: number
  /** Most storage requests in flight at once (connections busy sending). */
  maxInFlight: number
  /**
   * Storage request seconds summed over requests (head to body end): over storageSpanS, the
   * mean number of connections busy.
   */
  requestS: number
  /** The storage requests of the run in the order they ended (at most MAX_SPANS). */
  requests: RequestSpan[]
  /**
   * The monotonic clock (process.hrtime, nanoseconds, as a string) at the first storage
   * request's head: the same clock in every process of the machine, so the harness can place
   * the storage spans on its own time line.
   */
  spanStartNs?: string
  /** The API requests of the run (path, monotonic ns at arrival; at most MAX_SPANS). */
  apiCalls: { path: string; atNs: string }[]
  /** Connections the sink reset on purpose. */
  resets: number
  multipartInits: number
  /** S3 CreateMultipartUpload calls. */
  s3Creates: number
  /** UploadPart (and PutObject) requests answered 200. */
  s3Parts: number
  s3Completes: number
  s3Aborts: number
  callbacks: number
  cancels: number
  /** Multipart uploads created and neither completed nor aborted (filled in by /__bench/stats). */
  openUploads: number
  /** Objects completed in the S3 side since the last reset. */
  objects: StoredObject[]
  /** Filenames given to init_upload / init_multipart_upload, in order. */
  filenames: string[]
  errors: string[]
}

export function freshStats(): Stats {
  return {
    initUploads: 0,
    uploads: 0,
    uploadBytes: 0,
    fileBytes: 0,
    confirms: 0,
    lastTransferS: 0,
    payloadBytes: 0,
    storageSpanS: 0,
    maxInFlight: 0,
    requestS: 0,
    requests: [],
    apiCalls: [],
    resets: 0,
    multipartInits: 0,
    s3Creates: 0,
    s3Parts: 0,
    s3Completes: 0,
    s3Aborts: 0,
    callbacks: 0,
    cancels: 0,
    openUploads: 0,
    objects: [],
    filenames: [],
    errors: []
  }
}

export const state: {
  stats: Stats
  fault: Fault
  /** Whether the armed reset has happened. */
  resetDone: boolean
  spanStart?: bigint
  /** Bumped by every reset, so that a late request of an earlier run counts nowhere. */
  epoch: number
} = { stats: freshStats(), fault: {}, resetDone: false, epoch: 0 }

export function resetState(fault: Fault): void {
  state.stats = freshStats()
  state.fault = fault
  state.resetDone = false
  state.spanStart = undefined
  state.epoch++
}

/** Notes an API request's arrival (for the time line of a run). */
export function apiCall(path: string): void {
  if (state.stats.apiCalls.length < MAX_SPANS)
    state.stats.apiCalls.push({ path, atNs: String(process.hrtime.bigint()) })
}

/** Records a refusal: any refusal fails the bench run. */
export function fail(message: string): void {
  if (state.stats.errors.length < 50) state.stats.errors.push(message)
}

/**
 * Notes a storage request's head arriving (for the storage span and the connections in flight)
 * and returns the function that notes its body's end; it also runs when the request closes
 * early (reset, refused), and counts once.
 */
export function storageRequest(req: IncomingMessage): () => void {
  const started = process.hrtime.bigint()
  let connection = connections.get(req.socket)
  if (connection === undefined) connections.set(req.socket, (connection = ++connectionCount))
  if (state.spanStart === undefined) {
    state.spanStart = started
    state.stats.spanStartNs = String(started)
  }
  inFlight++
  state.stats.maxInFlight = Math.max(state.stats.maxInFlight, inFlight)
  const epoch = state.epoch
  let done = false
  const end = (): void => {
    if (done) return
    done = true
    inFlight--
    if (epoch !== state.epoch) return // a request from before the last reset
    const now = process.hrtime.bigint()
    state.stats.requestS += Number(now - started) / 1e9
    if (state.spanStart !== undefined) {
      state.stats.storageSpanS = Number(now - state.spanStart) / 1e9
      if (state.stats.requests.length < MAX_SPANS)
        state.stats.requests.push({
          connection: connection!,
          startS: Number(started - state.spanStart) / 1e9,
          endS: state.stats.storageSpanS
        })
    }
  }
  req.once('close', end)
  return end
}

let inFlight = 0
const connections = new WeakMap<Socket, number>()
let connectionCount = 0
/** Enough for 10,000 parts or the many-files section's 200 POSTs. */
const MAX_SPANS = 10_000

/**
 * Whether the armed reset is due for a body that carries file bytes [offset, offset + length)
 * and has received `received` of them so far. True at most once per run.
 */
export function resetDue(offset: number, length: number, received: number): boolean {
  const at = state.fault.resetAtByte
  if (at === undefined || state.resetDone) return false
  if (at < offset || at >= offset + length || received < at - offset) return false
  state.resetDone = true
  state.stats.resets++
  return true
}
