/**
 * The one error type every upload step throws, carrying what the retry policy needs to decide
 * (HTTP status, S3 error code, network error code, Retry-After) and a message fit for users.
 */

/** HTTP statuses worth another attempt. */
const RETRYABLE_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504]

/** S3 XML error codes worth another attempt, whatever the status. */
const RETRYABLE_S3_CODES: readonly string[] = ['SlowDown', 'RequestTimeout', 'InternalError']

/** Node network error codes worth another attempt. */
const RETRYABLE_NETWORK_CODES: readonly string[] = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE'
]

export interface UploadErrorDetails {
  /** HTTP status of the response, when there was one. */
  status?: number
  /** S3 XML `Code` (e.g. SlowDown) or a node error code (e.g. ECONNRESET). */
  code?: string
  /** Delay the server asked for (Retry-After), in milliseconds. */
  retryAfterMs?: number
  /** Overrides the classification from status/code. */
  retryable?: boolean
  /** Set when no other sample can succeed either (see AccountIssue). */
  account?: AccountIssue
  /**
   * A failure without an answer: true when the whole request had been sent (the server may
   * have acted on it), false when it failed before (refused, DNS, TLS).
   */
  requestSent?: boolean
}

/**
 * A failure of the whole account or of the way to One Codex, not of one sample: a key One Codex
 * does not accept (401), an account that may not upload (402), an api-url that cannot be
 * reached. `message` says the cause once, naming the input to check.
 */
export interface AccountIssue {
  readonly input: 'api-key' | 'api-url'
  readonly message: string
}

export class UploadError extends Error {
  readonly status?: number
  readonly code?: string
  readonly retryAfterMs?: number
  readonly retryable: boolean
  readonly account?: AccountIssue
  readonly requestSent?: boolean

  constructor(message: string, details: UploadErrorDetails = {}) {
    super(message)
    this.name = 'UploadError'
    this.status = details.status
    this.code = details.code
    this.retryAfterMs = details.retryAfterMs
    this.retryable = details.retryable ?? isRetryableDetails(details.status, details.code)
    this.account = details.account
    this.requestSent = details.requestSent
  }
}

function isRetryableDetails(status?: number, code?: string): boolean {
  if (
    code !== undefined &&
    (RETRYABLE_S3_CODES.includes(code) || RETRYABLE_NETWORK_CODES.includes(code))
  )
    return true
  return status !== undefined && RETRYABLE_STATUSES.includes(status)
}

/** True when another attempt may succeed: typed errors say so, bare network errors by code. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof UploadError) return error.retryable
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return RETRYABLE_NETWORK_CODES.includes(code)
  const message = error instanceof Error ? error.message : ''
  // http-client's own socket timeout and node's "socket hang up" carry no code.
  return /socket hang up|Request timeout|aborted/i.test(message)
}

/**
 * Wraps a network-level failure (no HTTP response) of `what` into an UploadError.
 * Keeps the node code (ECONNRESET...) for classification; never includes request data.
 */
export function networkError(what: string, error: unknown): UploadError {
  if (error instanceof UploadError) return error
  const err = error as NodeJS.ErrnoException
  let code = typeof err?.code === 'string' ? err.code : undefined
  // Not `instanceof Error`: errors from another realm (a vm context) are not.
  const message = typeof err?.message === 'string' ? err.message : String(error)
  // http-client's own socket timeout and node's "socket hang up" carry no code.
  const timedOut = /Request timeout/i.test(message)
  if (code === undefined && timedOut) code = 'ETIMEDOUT'
  if (code === undefined && /socket hang up/i.test(message)) code = 'ECONNRESET'
  const reason =
    code === 'ETIMEDOUT' && timedOut ? 'no data moved within the socket timeout' : message
  return new UploadError(
    `${what} failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}`,
    { code }
  )
}

/** Parses Retry-After (delta seconds or HTTP date) into milliseconds, capped at `capMs`. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  capMs: number = Infinity,
  now: number = Date.now()
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined || raw.trim() === '') return undefined
  const text = raw.trim()
  let ms: number
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000
  else {
    const date = Date.parse(text)
    if (Number.isNaN(date)) return undefined
    ms = date - now
  }
  return Math.min(Math.max(ms, 0), capMs)
}

interface ServerMessage {
  /** Human-readable message from the body (JSON message/msg/error/detail, or S3 XML Message). */
  message?: string
  /** S3 XML Code. */
  code?: string
}

/**
 * Extracts the server's own words from an error body: JSON `message`/`msg`/`error`/`detail`, or
 * S3 XML `<Code>`/`<Message>`. Nothing else of the body is kept (S3 bodies may echo signatures).
 */
function parseServerMessage(body: string, contentType?: string): ServerMessage {
  const text = body.trim()
  if (text === '') return {}
  if (text.startsWith('{') || /json/i.test(contentType ?? '')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>
      for (const key of ['message', 'msg', 'error', 'detail']) {
        const value = json[key]
        if (typeof value === 'string' && value !== '') return { message: clip(value) }
      }
    } catch {
      // not JSON after all
    }
    return {}
  }
  if (text.startsWith('<') || /xml/i.test(contentType ?? '')) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]
    return { code: code || undefined, message: message ? clip(decodeXml(message)) : undefined }
  }
  if (/html/i.test(contentType ?? '')) return {}
  return { message: clip(text.split(/\r?\n/)[0]) }
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

/**
 * Builds the UploadError for an HTTP error response of `what` (e.g. "init_upload for x.fq").
 * `hint` is appended for fatal statuses (e.g. the API-key hint for 401/403). Retry-After is
 * kept as sent unless `retryAfterCapMs` is given: the RetryPolicy caps the delay it waits.
 */
export function httpError(
  what: string,
  status: number,
  body: string,
  headers: Record<string, string | string[] | undefined>,
  options: {
    retryAfterCapMs?: number
    hint?: string
    /** Makes the error account-level; gets the server's words (`Code: message`, or ''). */
    account?: (said: string) => AccountIssue
  } = {}
): UploadError {
  const contentType = headers['content-type']
  const { message, code } = parseServerMessage(
    body,
    Array.isArray(contentType) ? contentType[0] : contentType
  )
  const said = [code, message].filter(Boolean).join(': ')
  const hint = options.hint && !isRetryableDetails(status, code) ? ` ${options.hint}` : ''
  return new UploadError(`${what} failed with HTTP ${status}${said ? ` (${said})` : ''}.${hint}`, {
    status,
    code,
    retryAfterMs: parseRetryAfter(headers['retry-after'], options.retryAfterCapMs),
    account: options.account?.(said)
  })
}
