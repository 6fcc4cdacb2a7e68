/**
 * Turns what the AWS SDK throws into the project's UploadError, so that the RetryPolicy decides
 * about S3 calls by the same rules as about every other request: network errors, 408/429/5xx and
 * S3's SlowDown / RequestTimeout / InternalError are retried; 4xx such as AccessDenied fail at once.
 */
import { redactText } from '../shared/redact.js'
import { parseRetryAfter, UploadError } from '../shared/upload-error.js'

/** The fields of an SDK error (S3ServiceException, or a node/network error) that matter here. */
interface SdkErrorShape {
  name?: unknown
  code?: unknown
  message?: unknown
  $metadata?: { httpStatusCode?: unknown }
  $response?: { statusCode?: unknown; headers?: Record<string, string | undefined> }
}

/** Error names the SDK uses for a failure without a usable S3 error code. */
const GENERIC_NAMES = ['Error', 'UnknownError', 'Unknown', 'S3ServiceException']

/** Node and SDK errors that mean the request was cut (no answer): worth another attempt. */
const CONNECTION_NAMES: Record<string, string> = {
  TimeoutError: 'ETIMEDOUT',
  RequestTimeout: 'RequestTimeout'
}

const ACCESS_HINT =
  'S3 refused the temporary upload keys One Codex handed out (expired, or not valid for this bucket and key).'

/** S3 error codes that say the temporary keys are the problem. */
const KEY_CODES = [
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'TokenRefreshRequired'
]

/** True for the error an aborted SDK call rejects with (the job or the file was stopped). */
export function isAbortError(error: unknown): boolean {
  const name = (error as SdkErrorShape | null)?.name
  return name === 'AbortError'
}

/**
 * Builds the UploadError for a failed S3 call `what` (e.g. "x.fq: UploadPart 3 of 12"). The
 * message keeps only S3's code and message (never a request, header or signature) and is
 * scrubbed of `secrets` (the temporary keys), since S3 may echo an access key id back.
 */
export function s3Error(what: string, error: unknown, secrets: readonly string[]): UploadError {
  if (error instanceof UploadError)
    return new UploadError(redactText(error.message, secrets), {
      status: error.status,
      code: error.code,
      retryAfterMs: error.retryAfterMs,
      retryable: error.retryable
    })
  const e = (error ?? {}) as SdkErrorShape
  const rawStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode
  const status = typeof rawStatus === 'number' && rawStatus > 0 ? rawStatus : undefined
  const name = typeof e.name === 'string' ? e.name : undefined
  const nodeCode = typeof e.code === 'string' ? e.code : undefined
  // The SDK wraps what is not an Error of its own realm (e.g. under a test runner's VM) into
  // "AWS SDK error wrapper for <the error as text>": the text is all that is left of it.
  const message = redactText(
    typeof e.message === 'string'
      ? e.message.replace(/^AWS SDK error wrapper for (?:TimeoutError: )?/, '').trim()
      : '',
    secrets
  )

  if (isAbortError(error))
    return new UploadError(`${what} was stopped.`, { code: 'ABORTED', retryable: false })

  if (status === undefined) {
    // No answer from S3: a network error (ECONNRESET, EPIPE...) or the socket timeout.
    let code = nodeCode ?? /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(message)?.[1]
    code ??= name ? CONNECTION_NAMES[name] : undefined
    if (code === undefined && /socket hang up/i.test(message)) code = 'ECONNRESET'
    const reason =
      name === 'TimeoutError' && nodeCode === undefined
        ? 'no data moved within the socket timeout'
        : message.replace(/\.$/, '') || 'no answer'
    return new UploadError(
      `${what} failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}.`,
      { code }
    )
  }

  const code = name && !GENERIC_NAMES.includes(name) ? name : undefined
  const said = [code, message && message !== code ? message : undefined].filter(Boolean).join(': ')
  const headers = e.$response?.headers ?? {}
  const details = {
    status,
    code,
    retryAfterMs: parseRetryAfter(headers['retry-after'] ?? headers['Retry-After'])
  }
  const typed = new UploadError('', details)
  const hint =
    !typed.retryable && (status === 403 || (code !== undefined && KEY_CODES.includes(code)))
      ? ` ${ACCESS_HINT}`
      : ''
  return new UploadError(
    `${what} failed with HTTP ${status}${said ? ` (${clip(said)})` : ''}.${hint}`,
    details
  )
}

function clip(text: string): string {
  const line = text.split(/\r?\n/)[0]
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
