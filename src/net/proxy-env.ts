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
