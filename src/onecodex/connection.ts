import { basicAuthorization } from './auth.js'
import { apiErrorOptions, unansweredIssue, type ApiPurpose } from './api-errors.js'
import { createHttpClient, readBodyText, requestWasSent, type HttpClient } from '../net/http.js'
import { describeRoute } from '../net/proxy-env.js'
import { httpError, networkError, UploadError, type AccountIssue } from '../shared/upload-error.js'
import { assertSecureUrl } from '../shared/url-policy.js'

export interface OneCodexClientOptions {
  /** Idle-socket timeout of API requests. Default 120 s. */
  socketTimeoutMs?: number
  /** What the calls are for, as a 402 or 403 names it. Default 'uploads'. */
  purpose?: ApiPurpose
  /**
   * The job's cancellation: when it aborts, every request of this client in flight is aborted
   * and fails as stopped (code ABORTED, not retried, never taken for api-url being
   * unreachable), and no new one is sent.
   */
  signal?: AbortSignal
}

export interface RouteOptions {
  /**
   * The route exists on every One Codex API (init_upload, init_multipart_upload, the listing):
   * a 404 from it means api-url is not One Codex's API, and stops the run (account-level).
   */
  mustExist?: boolean
}

/** Per GET: aborted with this signal too, and the most bytes of the answer kept (16 MiB). */
export interface GetOptions extends RouteOptions {
  signal?: AbortSignal
  bodyLimit?: number
}

/**
 * The connection to api-url under every One Codex call: one HTTP client, HTTP Basic (key as
 * username, empty password; the key goes to api-url only), JSON requests and answers, and
 * whether api-url ever answered. One request per call: retries belong to the caller.
 */
export class ApiConnection {
  protected readonly apiUrl: string
  private readonly http: HttpClient
  private readonly authorization: string
  private readonly purpose: ApiPurpose
  private readonly signal?: AbortSignal
  private answered = false
  /** While api-url never answered: the first failure that never reached it, if any. */
  private firstRefused?: string
  /** While api-url never answered: the first failure after a request had gone out in full. */
  private firstDropped?: string

  constructor(apiUrl: string, apiKey: string, options: OneCodexClientOptions = {}) {
    assertSecureUrl(apiUrl, 'api-url')
    this.apiUrl = apiUrl.replace(/\/+$/, '')
    this.authorization = basicAuthorization(apiKey)
    this.http = createHttpClient(options.socketTimeoutMs)
    this.purpose = options.purpose ?? 'uploads'
    this.signal = options.signal
  }

  /** True once api-url answered any request (whatever the status). */
  get reached(): boolean {
    return this.answered
  }

  /**
   * While api-url has never answered: the run's cause, naming api-url and whether a proxy was
   * in the way. Undefined once it answered. When every request went out in full and only the
   * answers were lost (each connection dropped after sending), it says that, not that One
   * Codex could not be reached.
   */
  get unreachable(): AccountIssue | undefined {
    if (this.answered) return undefined
    const origin = new URL(this.apiUrl).origin
    const route = describeRoute(new URL(this.apiUrl))
    if (this.firstRefused !== undefined)
      return unansweredIssue(origin, route, this.firstRefused, false)
    if (this.firstDropped !== undefined)
      return unansweredIssue(origin, route, this.firstDropped, true)
    return undefined
  }

  dispose(): void {
    this.http.dispose()
  }

  /** What the error wording needs of a route that must exist (see RouteOptions). */
  private routeOf(
    path: string,
    options: RouteOptions
  ): { apiUrl: string; path: string } | undefined {
    return options.mustExist ? { apiUrl: this.apiUrl, path } : undefined
  }

  /**
   * A request to api-url that got no answer: the message names api-url and which way it went
   * (the proxy, or why none); before any answer, the first such failure of each kind (never
   * reached it, or dropped after the request was sent) is kept for the run's cause.
   */
  private unreachableError(label: string, error: unknown): UploadError {
    if (this.signal?.aborted)
      return new UploadError(`${label} was stopped: the job was cancelled.`, {
        code: 'ABORTED',
        retryable: false
      })
    const failure = networkError(label, error)
    const origin = new URL(this.apiUrl).origin
    const route = describeRoute(new URL(this.apiUrl))
    const sent = requestWasSent(error)
    if (!this.answered) {
      const reason = failure.message.replace(`${label} failed: `, '')
      if (sent) this.firstDropped ??= reason
      else this.firstRefused ??= reason
    }
    return new UploadError(
      `${failure.message}${sent ? ' after the request was sent' : ''} (api-url ${origin}, ${route.via})`,
      {
        code: failure.code,
        status: failure.status,
        retryable: failure.retryable,
        ...(sent !== undefined ? { requestSent: sent } : {})
      }
    )
  }

  /**
   * GET `pathAndQuery` on api-url: the parsed JSON answer and its headers. Any status but 2xx,
   * and a body that is not JSON (an empty one included), is an error.
   */
  protected async getJson(
    pathAndQuery: string,
    label: string,
    extraHeaders: Record<string, string>,
    options: GetOptions = {}
  ): Promise<{ json: unknown; headers: Record<string, string | string[] | undefined> }> {
    let status: number
    let text: string
    let headers: Record<string, string | string[] | undefined>
    try {
      const response = await this.http.request(
        'GET',
        `${this.apiUrl}${pathAndQuery}`,
        undefined,
        { authorization: this.authorization, accept: 'application/json', ...extraHeaders },
        { signal: either(this.signal, options.signal) }
      )
      status = response.message.statusCode ?? 0
      this.answered = true
      headers = response.message.headers
      text = await readBodyText(response.message, options.bodyLimit ?? 16 * 1024 * 1024)
    } catch (error) {
      throw this.unreachableError(label, error)
    }
    if (status < 200 || status >= 300)
      throw httpError(
        label,
        status,
        text,
        headers,
        apiErrorOptions(status, undefined, this.routeOf(pathAndQuery, options), this.purpose)
      )
    try {
      return { json: JSON.parse(text) as unknown, headers }
    } catch {
      throw new UploadError(`${label} answered HTTP ${status} with a body that is not JSON.`, {
        retryable: false
      })
    }
  }

  /** POST `body` as JSON to `path` on api-url: the parsed answer ({} for an empty one). */
  protected async postJson(
    path: string,
    body: unknown,
    label: string,
    options: RouteOptions = {}
  ): Promise<unknown> {
    let status: number
    let text: string
    let headers: Record<string, string | string[] | undefined>
    try {
      const response = await this.http.request(
        'POST',
        `${this.apiUrl}${path}`,
        JSON.stringify(body),
        {
          authorization: this.authorization,
          'content-type': 'application/json',
          accept: 'application/json'
        },
        { signal: this.signal }
      )
      status = response.message.statusCode ?? 0
      this.answered = true
      headers = response.message.headers
      text = await readBodyText(response.message)
    } catch (error) {
      throw this.unreachableError(label, error)
    }
    if (status < 200 || status >= 300) {
      const project = (body as { project?: unknown } | null)?.project
      throw httpError(
        label,
        status,
        text,
        headers,
        apiErrorOptions(
          status,
          typeof project === 'string' ? project : undefined,
          this.routeOf(path, options),
          this.purpose
        )
      )
    }
    if (text.trim() === '') return {}
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new UploadError(`${label} answered HTTP ${status} with a body that is not JSON.`, {
        retryable: false
      })
    }
  }
}

/**
 * Whether a failed API request may still have been acted on (for init_upload: a sample made
 * whose answer never arrived): a 5xx (a gateway may have lost the answer), an answer that
 * could not be read, a failure after the request was sent in full. Not: a 4xx (refused), or a
 * failure before the request went out (refused connection, DNS, TLS).
 */
export function mayHaveBeenActedOn(error: unknown): boolean {
  if (!(error instanceof UploadError)) return true
  if (error.status !== undefined) return error.status >= 500 || error.status < 400
  return error.requestSent !== false
}

/** The job's signal and a call's own, as one (either aborts the request). */
function either(a?: AbortSignal, b?: AbortSignal): AbortSignal | undefined {
  return a && b ? AbortSignal.any([a, b]) : (a ?? b)
}
