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
import { BlockList, isIP, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { isLoopbackHost } from '../shared/url-policy.js'
import { systemClock, watchRequest, type Clock } from './stall-watchdog.js'

export type ProxyEnv = Readonly<Record<string, string | undefined>>

/** Where a request goes: what decides between the proxy and a direct connection. */
export interface ProxyTarget {
  protocol: string
  hostname: string
  /** The port, or '' / undefined for the protocol's default. */
  port?: string | number
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/** `host` without IPv6 brackets and a trailing dot, lowercased. */
function bareHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase()
}

/**
 * True when NO_PROXY (`noProxy`) exempts `hostname`:`port`, as curl reads it: entries separated
 * by commas or spaces; `*` exempts everything; a name exempts itself and its subdomains
 * (`example.com` and `.example.com` both match `example.com` and `a.example.com`, never
 * `badexample.com`); an IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`) exempts IP
 * addresses in it (names are never resolved to check). An entry may end in `:port` (`[v6]:port`
 * for IPv6), then it exempts that port only.
 */
export function bypassesProxy(hostname: string, port: number, noProxy: string): boolean {
  const host = bareHost(hostname)
  const hostIp = isIP(host)
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') return true
    let entryPort: number | undefined
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
    if (bracketed) {
      entry = bracketed[1]
      entryPort = bracketed[2] === undefined ? undefined : Number(bracketed[2])
    } else {
      const withPort = /^([^:]+):(\d+)$/.exec(entry)
      if (withPort) {
        entry = withPort[1]
        entryPort = Number(withPort[2])
      }
    }
    if (entryPort !== undefined && entryPort !== port) continue
    const slash = entry.indexOf('/')
    if (slash !== -1) {
      if (hostIp && inRange(host, hostIp, entry.slice(0, slash), entry.slice(slash + 1)))
        return true
      continue
    }
    if (isIP(entry)) {
      if (hostIp && inRange(host, hostIp, entry, hostIp === 4 ? '32' : '128')) return true
      continue
    }
    const domain = bareHost(entry.replace(/^\*?\./, ''))
    if (domain !== '' && (host === domain || host.endsWith(`.${domain}`))) return true
  }
  return false
}

/** True when IP `host` (of `family`) lies in `network`/`prefix`; a malformed range never matches. */
function inRange(host: string, family: number, network: string, prefix: string): boolean {
  const networkFamily = isIP(network)
  if (networkFamily !== family || !/^\d{1,3}$/.test(prefix)) return false
  const type = family === 4 ? 'ipv4' : 'ipv6'
  const bits = Number(prefix)
  if (bits > (family === 4 ? 32 : 128)) return false
  const list = new BlockList()
  list.addSubnet(network, bits, type)
  return list.check(host, type)
}

/**
 * The proxy a request to `target` goes through, or undefined for a direct connection. https
 * takes `https_proxy` / `HTTPS_PROXY`, http `http_proxy` / `HTTP_PROXY` (lowercase first, as
 * curl); `no_proxy` / `NO_PROXY` exempts hosts (see bypassesProxy); loopback hosts never take a
 * proxy (a proxy cannot reach this machine's loopback). A proxy URL without a scheme is http://.
 * Throws for a proxy scheme other than http or https (e.g. socks5).
 */
export function proxyFor(target: ProxyTarget, env: ProxyEnv = process.env): URL | undefined {
  const host = bareHost(target.hostname)
  if (isLoopbackHost(host)) return undefined
  const secure = target.protocol === 'https:'
  const raw = (
    secure ? env.https_proxy || env.HTTPS_PROXY : env.http_proxy || env.HTTP_PROXY
  )?.trim()
  if (!raw) return undefined
  const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0
  const noProxy = env.no_proxy || env.NO_PROXY || ''
  if (noProxy && bypassesProxy(host, port, noProxy)) return undefined
  const variable = secure ? 'HTTPS_PROXY' : 'HTTP_PROXY'
  let proxy: URL
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`)
  } catch {
    throw new Error(`${variable} is not a valid URL.`)
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:')
    throw new Error(
      `${variable} uses ${proxy.protocol.replace(/:$/, '')}://: only http:// and https:// proxies are supported.`
    )
  if (proxy.hostname === '') throw new Error(`${variable} names no host.`)
  return proxy
}

/** The proxy as logs may show it: scheme, host and port, never the credentials. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`
}

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
