/**
 * Connections for every request the action makes: kept alive and reused, through the proxy the
 * environment names (`HTTPS_PROXY` / `HTTP_PROXY`, minus `NO_PROXY`), and watched for stalls.
 *
 * Why not @actions/http-client's agent: behind a proxy it uses `tunnel`, whose agent destroys
 * each tunnel as soon as its request is done unless another request for the same host is
 * already queued, so sequential requests (init, upload, confirm; sample after sample) each pay a
 * new CONNECT (and a new TLS handshake). Here a proxied connection is an ordinary keep-alive
 * socket of an ordinary node Agent that happens to be opened with CONNECT, so the Agent pools it
 * like any other. And its NO_PROXY check knows no CIDR ranges.
 */
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { bareHost, DEFAULT_PORTS, describeProxy, proxyFor, type ProxyEnv } from './proxy-env.js'
import { systemClock, watchRequest, type Clock } from './stall-watchdog.js'

export interface TransportAgentOptions {
  /**
   * A request on which no byte moved for this long (connecting, sending, waiting, receiving) is
   * destroyed with a retryable ETIMEDOUT error. Default 120 s; 0 turns the watch off.
   */
  idleTimeoutMs?: number
  /** Where proxy settings are read, when each connection is opened. Default process.env. */
  env?: ProxyEnv
  clock?: Clock
}

export type AgentOptions = https.AgentOptions & TransportAgentOptions

/** How long an unused kept-alive connection is kept (node's own global agent keeps 5 s). */
const FREE_SOCKET_TIMEOUT_MS = 5000

interface Transport {
  readonly idleTimeoutMs: number
  readonly env: ProxyEnv
  readonly clock: Clock
}

type ConnectCallback = (error: Error | null, socket: Duplex) => void
type ConnectionOptions = http.ClientRequestArgs & { timeout?: number; servername?: string }

function splitOptions(options: AgentOptions): [https.AgentOptions, Transport] {
  const { idleTimeoutMs, env, clock, ...agentOptions } = options
  return [
    { keepAlive: true, scheduling: 'lifo', timeout: FREE_SOCKET_TIMEOUT_MS, ...agentOptions },
    {
      idleTimeoutMs: idleTimeoutMs ?? 120_000,
      env: env ?? process.env,
      clock: clock ?? systemClock
    }
  ]
}

/**
 * Opens a CONNECT tunnel to `host`:`port` through `proxy`; hands over the raw socket (the
 * caller speaks TLS over it for https). Fails with a retryable code when the proxy cannot be
 * reached or answers 5xx, a fatal one when it refuses (407, 403, ...).
 */
function openTunnel(
  proxy: URL,
  options: ConnectionOptions,
  defaultPort: number,
  transport: Transport,
  callback: (error: Error | null, socket?: Socket) => void
): void {
  const host = bareHost(String(options.host ?? options.hostname ?? 'localhost'))
  const port = Number(options.port) || defaultPort
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`
  const headers: Record<string, string> = { host: authority }
  if (proxy.username || proxy.password) {
    const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
    headers['proxy-authorization'] = `Basic ${Buffer.from(user).toString('base64')}`
  }
  const via = describeProxy(proxy)
  let done = false
  const finish = (error: Error | null, socket?: Socket): void => {
    if (done) {
      socket?.destroy()
      return
    }
    done = true
    callback(error, socket)
  }
  const fail = (message: string, code: string): void => {
    const error: NodeJS.ErrnoException = new Error(message)
    error.code = code
    finish(error)
  }
  const request = (proxy.protocol === 'https:' ? https : http).request({
    host: bareHost(proxy.hostname),
    port: Number(proxy.port) || DEFAULT_PORTS[proxy.protocol],
    method: 'CONNECT',
    path: authority,
    headers,
    agent: false,
    setHost: false
  })
  // A CONNECT has no body, so node's socket timeout fires after one period here.
  if (transport.idleTimeoutMs > 0)
    request.setTimeout(transport.idleTimeoutMs, () => {
      fail(`the proxy ${via} did not answer CONNECT ${authority} in time`, 'ETIMEDOUT')
      request.destroy()
    })
  request.once('connect', (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.setTimeout(0)
    const status = response.statusCode ?? 0
    if (status !== 200) {
      socket.destroy()
      // 5xx: the proxy could not reach the host, another attempt may; anything else is a refusal.
      return fail(
        `the proxy ${via} answered CONNECT ${authority} with HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`,
        status >= 500 ? 'ECONNRESET' : 'EPROXYREFUSED'
      )
    }
    if (head.length > 0) socket.unshift(head)
    finish(null, socket)
  })
  request.once('error', (error: NodeJS.ErrnoException) => {
    const wrapped: NodeJS.ErrnoException = new Error(
      `could not open a tunnel through the proxy ${via}: ${error.message}`
    )
    wrapped.code = error.code ?? 'ECONNRESET'
    finish(wrapped)
  })
  request.end()
}

/**
 * The proxy a new connection of an agent for `protocol` goes through (undefined: direct), or
 * null when the proxy settings are unusable: `callback` then already has the error.
 */
function connectionProxy(
  protocol: 'http:' | 'https:',
  options: ConnectionOptions,
  transport: Transport,
  callback: ConnectCallback | undefined
): URL | undefined | null {
  try {
    return proxyFor(
      { protocol, hostname: String(options.host ?? ''), port: options.port ?? '' },
      transport.env
    )
  } catch (error) {
    callback?.(error as Error, undefined as never)
    return null
  }
}

/** Watches `request` for stalls, unless the transport's watch is off. */
function watch(request: http.ClientRequest, transport: Transport): void {
  if (transport.idleTimeoutMs > 0) watchRequest(request, transport.idleTimeoutMs, transport.clock)
}

/**
 * Keep-alive agent for https: direct connections as node's own, or TLS through a CONNECT tunnel
 * when the environment names a proxy for the host. Tunnels are pooled like any socket, so N
 * requests to one host open one tunnel (per concurrent request), not N.
 */
export class TransportHttpsAgent extends https.Agent {
  private readonly transport: Transport

  constructor(options: AgentOptions = {}) {
    const [agentOptions, transport] = splitOptions(options)
    super(agentOptions)
    this.transport = transport
  }

  override createConnection(
    options: ConnectionOptions,
    callback?: ConnectCallback
  ): Duplex | null | undefined {
    const proxy = connectionProxy('https:', options, this.transport, callback)
    if (proxy === null) return undefined
    if (!proxy) return super.createConnection(options)
    openTunnel(proxy, options, 443, this.transport, (error, socket) => {
      if (error || !socket) return callback?.(error ?? new Error('no tunnel'), undefined as never)
      let tls: Duplex | null | undefined
      try {
        tls = super.createConnection({ ...options, socket } as ConnectionOptions)
      } catch (failure) {
        socket.destroy()
        return callback?.(failure as Error, undefined as never)
      }
      if (tls) callback?.(null, tls)
    })
    return undefined
  }

  /** Every request through this agent is watched for stalls. */
  addRequest(request: http.ClientRequest, options: unknown): void {
    watch(request, this.transport)
    ;(https.Agent.prototype as unknown as AddRequest).addRequest.call(this, request, options)
  }
}

/** The same for plain http (loopback in practice; a tunnel when a proxy is named for the host). */
export class TransportHttpAgent extends http.Agent {
  private readonly transport: Transport

  constructor(options: AgentOptions = {}) {
    const [agentOptions, transport] = splitOptions(options)
    super(agentOptions)
    this.transport = transport
  }

  override createConnection(
    options: ConnectionOptions,
    callback?: ConnectCallback
  ): Duplex | null | undefined {
    const proxy = connectionProxy('http:', options, this.transport, callback)
    if (proxy === null) return undefined
    const create = (http.Agent.prototype as unknown as CreateConnection).createConnection
    if (!proxy) return create.call(this, options)
    openTunnel(proxy, options, 80, this.transport, (error, socket) => {
      if (error || !socket) return callback?.(error ?? new Error('no tunnel'), undefined as never)
      if (options.timeout) socket.setTimeout(options.timeout)
      callback?.(null, socket)
    })
    return undefined
  }

  addRequest(request: http.ClientRequest, options: unknown): void {
    watch(request, this.transport)
    ;(http.Agent.prototype as unknown as AddRequest).addRequest.call(this, request, options)
  }
}

interface AddRequest {
  addRequest(request: http.ClientRequest, options: unknown): void
}
interface CreateConnection {
  createConnection(options: ConnectionOptions, callback?: ConnectCallback): Duplex
}

/** A new keep-alive, proxy-aware, stall-watching agent for `protocol` ('http:' or 'https:'). */
export function createAgent(protocol: string, options: AgentOptions = {}): http.Agent {
  if (protocol === 'https:') return new TransportHttpsAgent(options)
  if (protocol === 'http:') return new TransportHttpAgent(options)
  throw new Error(`unsupported protocol ${protocol}`)
}

const shared = new Map<string, http.Agent>()

/**
 * The process-wide agent for requests to `url` (its protocol), for code whose requests are made
 * by a library: e.g. the AWS SDK's `new NodeHttpHandler({ httpsAgent: agentFor('https://s3…'),
 * httpAgent: agentFor('http://…') })`. Keep-alive, HTTPS_PROXY / NO_PROXY as curl reads them,
 * and a request stalled for `idleTimeoutMs` (default 120 s) destroyed with ETIMEDOUT.
 */
export function agentFor(url: string | URL, options: { idleTimeoutMs?: number } = {}): http.Agent {
  const protocol = typeof url === 'string' ? new URL(url).protocol : url.protocol
  const idle = options.idleTimeoutMs ?? 120_000
  const key = `${protocol}${idle}`
  let agent = shared.get(key)
  if (!agent) {
    agent = createAgent(protocol, { idleTimeoutMs: idle })
    shared.set(key, agent)
  }
  return agent
}
