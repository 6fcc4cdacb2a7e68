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
import { partRanges, type PartRange } from './s3-part-size.js'
import { changedSegment } from '../net/source-reader.js'
import { UploadError } from '../shared/upload-error.js'

export interface MultipartFileOptions {
  readonly calls: S3Calls
  readonly key: string
  readonly partBytes: number
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
  const { calls, key, retry, say, signal } = options
  const name = file.filename
  const parts = partRanges(file.size, options.partBytes)
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

/** Sends every part, `partsInFlight` at a time; resolves with the ETags in part order. */
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
  // Bytes of completed parts, plus what each part in flight has handed to its request so far.
  let completedBytes = 0
  const inFlight = new Map<number, number>()
  const report = (): void => {
    let sent = completedBytes
    for (const bytes of inFlight.values()) sent += bytes
    progress.update(sent)
  }

  let next = 0
  let failure: unknown
  const worker = async (): Promise<void> => {
    while (next < parts.length && failure === undefined && !local.signal.aborted) {
      const part = parts[next++]
      const what = `${name}: part ${part.number} of ${parts.length}`
      try {
        // Never let the ordered hash fall so far behind that it reads from disk again.
        await hash.lagBehind(part.start)
        hash.allow(part.end)
        const attempts = retry.execute(
          what,
          async () => {
            if (local.signal.aborted)
              throw new UploadError(`${what} was stopped.`, { retryable: false })
            inFlight.set(part.number, 0)
            const body = new PartBody(file, part.start, part.end, bytes => {
              inFlight.set(part.number, (inFlight.get(part.number) ?? 0) + bytes)
              report()
            })
            try {
              return await calls.uploadPart(
                { ...target, partNumber: part.number },
                body,
                part.end - part.start,
                what,
                local.signal
              )
            } finally {
              inFlight.delete(part.number)
              body.destroy()
            }
          },
          // A backoff delay ends when the file is stopped: no timer outlives the upload.
          { signal: local.signal }
        )
        // A part waiting out a backoff delay must not hold up a stop.
        const etag = await untilAborted(attempts, local.signal, what)
        etags[part.number - 1] = { number: part.number, etag }
        completedBytes += part.end - part.start
        report()
      } catch (error) {
        failure ??= error
        local.abort()
      }
    }
  }
  const workers = Math.max(1, Math.min(partsInFlight, parts.length))
  // The heartbeat ("0 B/s for 30 s, waiting") runs while the parts are in flight.
  progress.start()
  try {
    await Promise.all(Array.from({ length: workers }, worker))
  } finally {
    progress.stop()
  }
  if (failure !== undefined) throw failure
  if (local.signal.aborted) throw new UploadError(`${name}: the upload was cancelled.`)
  return etags
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

/** "38 parts of 32 MiB, 8 at a time" for the line that starts a file. */
export function describeParts(size: number, partBytes: number, partsInFlight: number): string {
  const count = Math.ceil(size / partBytes)
  const at = Math.min(count, partsInFlight)
  const MiB = 1024 * 1024
  const each = partBytes % MiB === 0 ? `${partBytes / MiB} MiB` : formatBytes(partBytes)
  return `${count} part${count === 1 ? '' : 's'} of ${each}, ${at} at a time`
}
