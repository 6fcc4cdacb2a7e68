/**
 * Which proxy a request takes, from the environment: `HTTPS_PROXY` / `HTTP_PROXY`, minus
 * `NO_PROXY` (names, subdomains, IP addresses and CIDR ranges, ports), never for loopback.
 */
import { BlockList, isIP } from 'node:net'
import { isLoopbackHost } from '../shared/url-policy.js'

export type ProxyEnv = Readonly<Record<string, string | undefined>>

/** Where a request goes: what decides between the proxy and a direct connection. */
export interface ProxyTarget {
  protocol: string
  hostname: string
  /** The port, or '' / undefined for the protocol's default. */
  port?: string | number
}

export const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/** `host` without IPv6 brackets and a trailing dot, lowercased. */
export function bareHost(host: string): string {
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

/** The variable that carries the proxy for `protocol`, and its value: lowercase first, as curl. */
function proxyVariable(
  protocol: string,
  env: ProxyEnv
): { name: string; value: string } | undefined {
  const names =
    protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY']
  for (const name of names) {
    const value = env[name]?.trim()
    if (value) return { name, value }
  }
  return undefined
}

/** The NO_PROXY variable that is read (lowercase first), and its value. */
function noProxyVariable(env: ProxyEnv): { name: string; value: string } | undefined {
  for (const name of ['no_proxy', 'NO_PROXY']) {
    const value = env[name]?.trim()
    if (value) return { name, value }
  }
  return undefined
}

/**
 * A proxy variable's value as a URL (no scheme: http://), or why it cannot be used, worded to
 * follow the variable's name ("is not a valid URL"). Never quotes the value: it may hold a
 * password.
 */
function parseProxy(value: string): { proxy: URL } | { reason: string } {
  let proxy: URL
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`)
  } catch {
    return { reason: 'is not a valid URL' }
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:')
    return {
      reason: `uses ${proxy.protocol.replace(/:$/, '')}://: only http:// and https:// proxies are supported`
    }
  if (proxy.hostname === '') return { reason: 'names no host' }
  return { proxy }
}

/** Which way a request to a target goes, and the variable that decided it. */
export type ProxyChoice =
  /** No proxy variable is set for its protocol. */
  | { kind: 'none' }
  /** A loopback host: never through a proxy, whatever is set (`variable`: one that is). */
  | { kind: 'loopback'; variable?: string }
  /** NO_PROXY (`noProxy`: the variable read) exempts the host from `variable`. */
  | { kind: 'exempt'; variable: string; noProxy: string }
  | { kind: 'proxy'; variable: string; proxy: URL }
  /** `variable` would carry it but cannot be used (`reason` follows the variable's name). */
  | { kind: 'invalid'; variable: string; reason: string }

/**
 * Which way a request to `target` goes. https takes `https_proxy` / `HTTPS_PROXY`, http
 * `http_proxy` / `HTTP_PROXY` (lowercase first, as curl); `no_proxy` / `NO_PROXY` exempts hosts
 * (see bypassesProxy); loopback hosts never take a proxy (a proxy cannot reach this machine's
 * loopback). A proxy URL without a scheme is http://; a scheme other than http or https (e.g.
 * socks5), an unparsable URL or one without a host is `invalid`.
 */
export function proxyChoice(target: ProxyTarget, env: ProxyEnv = process.env): ProxyChoice {
  const host = bareHost(target.hostname)
  const set = proxyVariable(target.protocol, env)
  if (isLoopbackHost(host)) {
    const any = set ?? proxyVariable('https:', env) ?? proxyVariable('http:', env)
    return { kind: 'loopback', ...(any ? { variable: any.name } : {}) }
  }
  if (!set) return { kind: 'none' }
  const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0
  const noProxy = noProxyVariable(env)
  if (noProxy && bypassesProxy(host, port, noProxy.value))
    return { kind: 'exempt', variable: set.name, noProxy: noProxy.name }
  const parsed = parseProxy(set.value)
  return 'proxy' in parsed
    ? { kind: 'proxy', variable: set.name, proxy: parsed.proxy }
    : { kind: 'invalid', variable: set.name, reason: parsed.reason }
}

/**
 * The proxy a request to `target` goes through, or undefined for a direct connection (see
 * proxyChoice). Throws, naming the variable, when the proxy variable it would take is unusable.
 */
export function proxyFor(target: ProxyTarget, env: ProxyEnv = process.env): URL | undefined {
  const choice = proxyChoice(target, env)
  if (choice.kind === 'invalid') throw new Error(`${choice.variable} ${choice.reason}.`)
  return choice.kind === 'proxy' ? choice.proxy : undefined
}

/**
 * Why the proxy settings must be fixed before any request, or undefined. Checked: the variable
 * every https request would take (`https_proxy`, else `HTTPS_PROXY`) — api-url's requests, and
 * the storage's, whose hosts init_upload names only later — unless no request could take it:
 * NO_PROXY is `*`, or api-url is a loopback host (a local stand-in of One Codex, its storage
 * local too; each request still checks its own way). `HTTP_PROXY` is never checked: plain http
 * goes to loopback hosts only (see url-policy), and those never take a proxy.
 */
export function proxyEnvProblem(apiUrl: string, env: ProxyEnv = process.env): string | undefined {
  let api: URL
  try {
    api = new URL(apiUrl)
  } catch {
    return undefined // api-url's own check says what is wrong with it
  }
  if (isLoopbackHost(bareHost(api.hostname))) return undefined
  if (noProxyVariable(env)?.value === '*') return undefined
  const set = proxyVariable('https:', env)
  if (!set) return undefined
  const parsed = parseProxy(set.value)
  if ('proxy' in parsed) return undefined
  return `${set.name} ${parsed.reason}: every https request of this step (api-url ${api.origin} and One Codex's storage) would go through it. Write it as http://host:port (user:password@host:port when the proxy needs credentials, https:// for a TLS proxy), or unset it.`
}

/**
 * How messages name the way to `target`: "no proxy" only when no proxy variable is set; else
 * the variable and what it did ("through the proxy http://proxy:3128 from HTTPS_PROXY", "direct:
 * NO_PROXY exempts x from HTTPS_PROXY", ...). Origins only: never credentials. `proxied` when a
 * proxy was, or should have been, in the way.
 */
export function describeRoute(
  target: ProxyTarget,
  env: ProxyEnv = process.env
): { via: string; proxied: boolean; variable?: string } {
  const choice = proxyChoice(target, env)
  switch (choice.kind) {
    case 'none':
      return { via: 'no proxy', proxied: false }
    case 'loopback':
      return choice.variable
        ? { via: `direct: ${choice.variable} is not used for loopback hosts`, proxied: false }
        : { via: 'no proxy', proxied: false }
    case 'exempt':
      return {
        via: `direct: ${choice.noProxy} exempts ${bareHost(target.hostname)} from ${choice.variable}`,
        proxied: false
      }
    case 'proxy':
      return {
        via: `through the proxy ${describeProxy(choice.proxy)} from ${choice.variable}`,
        proxied: true,
        variable: choice.variable
      }
    case 'invalid':
      return {
        via: `${choice.variable} unusable: it ${choice.reason}`,
        proxied: true,
        variable: choice.variable
      }
  }
}

/** The proxy as logs may show it: scheme, host and port, never the credentials. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`
}
