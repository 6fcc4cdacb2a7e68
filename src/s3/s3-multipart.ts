/**
 * One file (a source: a file or lanes back to back) sent as an S3 multipart upload: parts read
 * straight from disk by byte range, several in flight, each retried on its own; the parts
 * completed in order; the scan that hashes and checks the file kept right behind the parts
 * (`pace`); on a final failure the upload aborted.
 */
import * as core from '@actions/core'
import { formatBytes } from '../shared/format.js'
import type { ReadPace, Source } from '../shared/types.js'
import { ProgressReporter } from '../net/progress.js'
import type { RetryPolicy } from '../net/retry-helper.js'
import type { CompletedPart, S3Calls } from './s3-calls.js'
import { PartBody } from './s3-part-body.js'
import { abortExtraUploads, abortUpload, mayHaveCreated } from './s3-sweep.js'
import { PARTS_IN_FLIGHT, type PartRange } from './s3-part-size.js'
import { changedSegment } from '../net/source-reader.js'
import { UploadError } from '../shared/upload-error.js'

export interface MultipartFileOptions {
  readonly calls: S3Calls
  readonly key: string
  /** The file's parts (planParts), in order. */
  readonly parts: readonly PartRange[]
  /** Part bodies going out at once. */
  readonly partsInFlight: number
  readonly retry: RetryPolicy
  /** One log line of this sample (scrubbed by the caller). */
  readonly say: (line: string) => void
  /** One warning of this sample (scrubbed by the caller). Default core.warning. */
  readonly warn?: (line: string) => void
  /** Aborted when the job is cancelled. */
  readonly signal?: AbortSignal
  /**
   * The ordered scan of the file (its sha256 and content check, on a worker thread): allowed
   * up to the end of the parts started, awaited before a part starts so that it never falls so
   * far behind that it reads from disk again; a rejection (the file failed its check) stops
   * the upload.
   */
  readonly pace: ReadPace
}

export interface SentFile {
  readonly bytes: number
  readonly parts: number
}

/** Sends `file` to `key`; throws an UploadError after aborting the upload when it fails. */
export async function sendMultipartFile(
  file: Source,
  options: MultipartFileOptions
): Promise<SentFile> {
  const { calls, key, parts, retry, say, signal } = options
  const name = file.filename
  const stopped = (): UploadError =>
    new UploadError(`${name}: the upload was cancelled.`, { code: 'ABORTED', retryable: false })
  if (signal?.aborted) throw stopped()

  // CreateMultipartUpload is not idempotent: an attempt whose answer was lost may have opened an
  // upload the retry then duplicates. Only then are the key's open uploads swept at the end.
  let uncertain = false
  const sweep = (keep?: string): Promise<void> =>
    abortExtraUploads(name, {
      calls,
      key,
      keep,
      retry,
      say,
      warn: options.warn ?? core.warning,
      signal
    })
  let uploadId: string
  try {
    uploadId = await retry.execute(
      `${name}: CreateMultipartUpload`,
      () =>
        calls.createMultipartUpload(key, `${name}: CreateMultipartUpload`, signal).catch(error => {
          if (mayHaveCreated(error)) uncertain = true
          throw error
        }),
      { signal }
    )
  } catch (error) {
    if (uncertain) await sweep()
    throw error
  }
  core.debug(`${name}: multipart upload ${uploadId} of ${parts.length} parts to key ${key}`)
  const target = { key, uploadId }

  // Stops the other parts as soon as one fails for good, or the job is cancelled.
  const local = new AbortController()
  const onCancel = (): void => local.abort()
  signal?.addEventListener('abort', onCancel, { once: true })
  const pace = options.pace
  let sent: SentFile
  try {
    const etags = await sendParts(file, parts, target, pace, local, options)
    pace.allow(file.size)
    const changed = await changedSegment(file)
    if (changed) throw new UploadError(`${name}: ${changed}`, { retryable: false })
    await complete(name, target, etags, retry, calls, local.signal)
    sent = { bytes: file.size, parts: parts.length }
  } catch (error) {
    local.abort()
    const failure = signal?.aborted ? stopped() : error
    await abortUpload(name, uploadId, {
      calls,
      key,
      retry,
      say,
      warn: options.warn ?? core.warning,
      signal
    })
    // (the upload in use was just aborted above: the sweep leaves it alone)
    if (uncertain) await sweep(uploadId)
    throw failure
  } finally {
    signal?.removeEventListener('abort', onCancel)
  }
  if (uncertain) await sweep(uploadId)
  return sent
}

/**
 * Parts whose answer may be awaited beside the `partsInFlight` parts being sent: a part counts as
 * sending only while its body goes out; once its last byte is handed to the socket the next
 * part starts on another kept-alive connection while its answer is awaited. With the default
 * `concurrency` of 4 that is at most 4 × (8 + 8) = 64 connections, the S3 agent's limit.
 */
export const PARTS_AWAITING_ANSWER = PARTS_IN_FLIGHT

/**
 * Sends every part: at most `partsInFlight` bodies going out at once, and at most
 * PARTS_AWAITING_ANSWER more parts sent and awaiting S3's answer (or a retry's backoff). Parts
 * start in order; a retry takes the next free sending slot before any new part. Resolves with
 * the ETags in part order.
 */
async function sendParts(
  file: Source,
  parts: readonly PartRange[],
  target: { key: string; uploadId: string },
  hash: ReadPace,
  local: AbortController,
  { calls, retry, say, partsInFlight }: MultipartFileOptions
): Promise<CompletedPart[]> {
  const name = file.filename
  const progress = new ProgressReporter(name, file.size, say)
  const etags: CompletedPart[] = new Array(parts.length)
  const sendingAtOnce = Math.max(1, Math.min(partsInFlight, parts.length))
  const sending = new Slots(sendingAtOnce)
  const started = new Slots(sendingAtOnce + Math.min(PARTS_AWAITING_ANSWER, partsInFlight))
  // Bytes of completed parts plus what each attempt in flight has handed to its request so far.
  let sent = 0
  let failure: unknown
  const stop = (error: unknown): void => {
    failure ??= error
    local.abort()
  }

  // One listener on the file's signal, whatever the number of parts: each part has its own
  // signal (the SDK, the retry's backoff and untilAborted listen there), aborted from here.
  const partStops = new Set<AbortController>()
  const onStop = (): void => {
    for (const controller of partStops) controller.abort()
    const stopped = new UploadError(`${name}: the upload was stopped.`, { retryable: false })
    sending.close(stopped)
    started.close(stopped)
  }
  local.signal.addEventListener('abort', onStop, { once: true })

  const sendPart = async (part: PartRange): Promise<void> => {
    const what = `${name}: part ${part.number} of ${parts.length}`
    const length = part.end - part.start
    const partStop = new AbortController()
    partStops.add(partStop)
    try {
      const attempts = retry.execute(
        what,
        async attempt => {
          // The first attempt was given its sending slot when it was started.
          if (attempt > 1) await sending.take(true)
          let holding = true
          const release = (): void => {
            if (holding) sending.give()
            holding = false
          }
          let bytes = 0
          try {
            if (partStop.signal.aborted)
              throw new UploadError(`${what} was stopped.`, { retryable: false })
            const body = new PartBody(
              file,
              part.start,
              part.end,
              chunk => {
                bytes += chunk
                sent += chunk
                progress.update(sent)
              },
              release
            )
            try {
              return await calls.uploadPart(
                { ...target, partNumber: part.number },
                body,
                length,
                what,
                partStop.signal
              )
            } finally {
              body.destroy()
            }
          } catch (error) {
            // What this attempt had sent is sent again by the next one.
            sent -= bytes
            throw error
          } finally {
            release()
          }
        },
        // A backoff delay ends when the file is stopped: no timer outlives the upload.
        { signal: partStop.signal }
      )
      // A part waiting out a backoff delay must not hold up a stop.
      const etag = await untilAborted(attempts, partStop.signal, what)
      etags[part.number - 1] = { number: part.number, etag }
    } catch (error) {
      stop(error)
    } finally {
      partStops.delete(partStop)
      started.give()
    }
  }

  const running: Promise<void>[] = []
  // The heartbeat ("0 B/s for 30 s, waiting") runs while the parts are in flight.
  progress.start()
  try {
    for (const part of parts) {
      if (failure !== undefined || local.signal.aborted) break
      try {
        await started.take(false)
        // Never let the ordered hash fall so far behind that it reads from disk again.
        await hash.lagBehind(part.start)
        await sending.take(false)
      } catch (error) {
        stop(error)
        break
      }
      hash.allow(part.end)
      running.push(sendPart(part))
    }
    await Promise.all(running)
  } finally {
    progress.stop()
    local.signal.removeEventListener('abort', onStop)
  }
  if (failure !== undefined) throw failure
  if (local.signal.aborted) throw new UploadError(`${name}: the upload was cancelled.`)
  return etags
}

/**
 * A counted set of slots, handed out first come first served, `urgent` takers (a part's retry)
 * before the others. close() refuses every taker, waiting or to come.
 */
class Slots {
  private readonly queue: { urgent: boolean; grant: () => void; refuse: (e: Error) => void }[] = []
  private closed?: UploadError

  constructor(private free: number) {}

  take(urgent: boolean): Promise<void> {
    if (this.closed) return Promise.reject(this.closed)
    if (this.free > 0 && this.queue.length === 0) {
      this.free--
      return Promise.resolve()
    }
    return new Promise((grant, refuse) => {
      const waiter = { urgent, grant, refuse }
      const at = urgent ? this.queue.findIndex(w => !w.urgent) : -1
      if (at < 0) this.queue.push(waiter)
      else this.queue.splice(at, 0, waiter)
    })
  }

  give(): void {
    const next = this.queue.shift()
    if (next) next.grant()
    else this.free++
  }

  close(error: UploadError): void {
    this.closed ??= error
    for (const waiter of this.queue.splice(0)) waiter.refuse(this.closed)
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise is left to settle alone). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  promise.catch(() => undefined)
  if (signal.aborted)
    return Promise.reject(new UploadError(`${what} was stopped.`, { retryable: false }))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(new UploadError(`${what} was stopped.`, { retryable: false }))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      error => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}

/**
 * CompleteMultipartUpload with the ETags in order. When an attempt's answer was lost, the next
 * one finds the upload gone (NoSuchUpload): nothing else ends an upload we never aborted, so
 * that means the first attempt completed it.
 */
async function complete(
  name: string,
  target: { key: string; uploadId: string },
  parts: readonly CompletedPart[],
  retry: RetryPolicy,
  calls: S3Calls,
  signal: AbortSignal
): Promise<void> {
  const what = `${name}: CompleteMultipartUpload`
  await retry.execute(
    what,
    async attempt => {
      try {
        await calls.completeMultipartUpload(target, parts, what, signal)
      } catch (error) {
        if (attempt > 1 && error instanceof UploadError && error.code === 'NoSuchUpload') return
        throw error
      }
    },
    { signal }
  )
}

/**
 * "64 parts of 32 MiB, 8 at a time", or "75 parts of 32 MiB down to 7 MiB, 8 at a time" when the
 * plan shortens its last parts, for the line that starts a file.
 */
export function describeParts(parts: readonly PartRange[], partsInFlight: number): string {
  const count = parts.length
  const at = Math.min(count, partsInFlight)
  const lengths = parts.map(part => part.end - part.start)
  // The last part is whatever is left: it does not count for the sizes shown.
  const sized = count > 1 ? lengths.slice(0, -1) : lengths
  const largest = Math.max(...sized)
  const smallest = Math.min(...sized)
  const each = smallest === largest ? size(largest) : `${size(largest)} down to ${size(smallest)}`
  return `${count} part${count === 1 ? '' : 's'} of ${each}, ${at} at a time`
}

function size(bytes: number): string {
  const MiB = 1024 * 1024
  return bytes % MiB === 0 ? `${bytes / MiB} MiB` : formatBytes(bytes)
}
