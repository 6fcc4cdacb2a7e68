/**
 * The HTTP plumbing the API client and the storage client share: node's own http/https over
 * the agents of proxy.ts (keep-alive, HTTPS_PROXY / NO_PROXY, one stall timeout). Nothing here
 * retries and nothing follows a redirect: retries belong to the RetryPolicy, and a consumed
 * upload stream cannot be replayed.
 */
import http, { type ClientRequest, type IncomingMessage } from 'node:http'
import https from 'node:https'
import { createAgent, type AgentOptions } from './proxy.js'
import { stallErrorOf } from './stall-watchdog.js'

const USER_AGENT = 'onecodex-upload-action'

/** The default stall timeout: a request on which no byte moved for this long is given up. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000

/** The failures of requests that had been sent whole before they failed (see wasSent). */
const sentWhole = new WeakSet<object>()

/**
 * True when `error` (a rejection of HttpClient.request: no answer came) struck after the
 * request had been sent whole, e.g. a connection reset after the server read it: the server may
 * have acted on it. False for a request that never got through (refused, DNS, TLS, a tunnel).
 */
export function wasSent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && sentWhole.has(error)
}

/** A request body: text or bytes, or a stream that pipes itself into the request and ends it. */
export type RequestBody = string | Buffer | { pipe(destination: ClientRequest): unknown }

export interface HttpClientResponse {
  /** The response: status and headers read, body still to be read (e.g. with readBodyText). */
  message: IncomingMessage
  /** The request, e.g. to destroy it when an early answer makes the rest of the body moot. */
  request: ClientRequest
}

export interface RequestOptions {
  signal?: AbortSignal
}

/**
 * Requests over keep-alive connections (one pool per client and protocol), through the proxy
 * the environment names, each destroyed with a retryable ETIMEDOUT error when no byte moves on
 * it for the stall timeout: while connecting, sending, waiting or receiving, as long as the
 * response is being read.
 */
export class HttpClient {
  private readonly agents = new Map<string, http.Agent>()
  private disposed = false

  constructor(private readonly agentOptions: AgentOptions = {}) {}

  /**
   * One request. Resolves once the response head arrived; rejects on a network failure before
   * that (the stall timeout included). A string or Buffer body gets its Content-Length; a
   * stream body must set its own headers.
   */
  request(
    method: string,
    url: string,
    body: RequestBody | undefined,
    headers: Record<string, string>,
    options: RequestOptions = {}
  ): Promise<HttpClientResponse> {
    return new Promise((resolve, reject) => {
      if (this.disposed) throw new Error('the HTTP client was disposed')
      const target = new URL(url)
      const module =
        target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined
      if (!module) throw new Error(`unsupported protocol in ${target.origin}`)
      const all: Record<string, string> = { 'user-agent': USER_AGENT }
      for (const [name, value] of Object.entries(headers)) all[name.toLowerCase()] = value
      if (typeof body === 'string' || Buffer.isBuffer(body))
        all['content-length'] = String(Buffer.byteLength(body))
      let settled = false
      const request = module.request({
        method,
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        headers: all,
        agent: this.agentFor(target.protocol),
        signal: options.signal
      })
      request.on('response', message => {
        settled = true
        resolve({ message, request })
      })
      // Stays attached: a failure after the answer arrived reaches the reader of the body.
      request.on('error', error => {
        if (settled) return
        settled = true
        const failure = stallErrorOf(request) ?? error
        // Written whole (node flushed every byte to the socket): the server may have acted on it.
        if (request.writableFinished) sentWhole.add(failure)
        reject(failure)
      })
      if (body === undefined) request.end()
      else if (typeof body === 'string' || Buffer.isBuffer(body)) request.end(body)
      else body.pipe(request)
    })
  }

  get(url: string, headers: Record<string, string> = {}): Promise<HttpClientResponse> {
    return this.request('GET', url, undefined, headers)
  }

  post(
    url: string,
    body: string,
    headers: Record<string, string> = {}
  ): Promise<HttpClientResponse> {
    return this.request('POST', url, body, headers)
  }

  /** Closes the kept-alive connections. */
  dispose(): void {
    this.disposed = true
    for (const agent of this.agents.values()) agent.destroy()
    this.agents.clear()
  }

  private agentFor(protocol: string): http.Agent {
    let agent = this.agents.get(protocol)
    if (!agent) {
      agent = createAgent(protocol, this.agentOptions)
      this.agents.set(protocol, agent)
    }
    return agent
  }
}

/** A client whose requests are given up when no byte moves for `idleTimeoutMs` (120 s). */
export function createHttpClient(idleTimeoutMs: number = DEFAULT_IDLE_TIMEOUT_MS): HttpClient {
  return new HttpClient({ idleTimeoutMs })
}

/**
 * Reads a response body as text, keeping at most `limit` bytes (the rest is drained, so a
 * keep-alive socket can be reused). Rejects when the connection breaks mid-response, with the
 * stall error when the stall timeout ended it.
 */
export function readBodyText(message: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let kept = 0
    let done = false
    const request = (message as IncomingMessage & { req?: ClientRequest }).req
    const finish = (error?: Error): void => {
      if (done) return
      done = true
      if (error) reject(stallErrorOf(request) ?? error)
      else resolve(Buffer.concat(chunks).toString('utf8'))
    }
    message.on('data', (chunk: Buffer) => {
      if (kept >= limit) return
      const part = chunk.subarray(0, limit - kept)
      chunks.push(part)
      kept += part.length
    })
    message.on('end', () => finish())
    message.on('error', error => finish(error))
    message.on('close', () => {
      if (!message.complete) {
        const error = new Error('the connection closed before the response was complete')
        ;(error as NodeJS.ErrnoException).code = 'ECONNRESET'
        finish(error)
      } else finish()
    })
  })
}
