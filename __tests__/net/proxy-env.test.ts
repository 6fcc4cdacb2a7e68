import { describe, expect, it } from '@jest/globals'
import {
  bypassesProxy,
  describeProxy,
  describeRoute,
  proxyEnvProblem,
  proxyFor
} from '../../src/net/proxy-env.js'

describe('bypassesProxy (NO_PROXY as curl reads it)', () => {
  it.each([
    ['10.0.0.0/8', '10.1.2.3', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.0/8', 'ten.example.com', false], // names are never resolved for a range
    ['192.168.1.0/24', '192.168.1.77', true],
    ['192.168.1.0/24', '192.168.2.1', false],
    ['172.16.0.0/12', '172.31.255.1', true],
    ['172.16.0.0/12', '172.32.0.1', false],
    ['192.168.1.10', '192.168.1.10', true],
    ['192.168.1.10', '192.168.1.11', false],
    ['fd00::/8', '[fd12:3456::1]', true],
    ['fd00::/8', '[fe80::1]', false],
    ['2001:db8::1', '[2001:db8:0::1]', true],
    ['.example.com', 'example.com', true],
    ['.example.com', 's3.example.com', true],
    ['example.com', 'a.b.example.com', true],
    ['example.com', 'badexample.com', false],
    ['*.example.com', 'x.example.com', true],
    ['EXAMPLE.com', 'Api.Example.COM.', true],
    ['*', 'anything.at.all', true],
    ['example.com:8443', 'example.com', false], // the request goes to 443
    ['example.com:443', 'example.com', true],
    ['[2001:db8::1]:443', '[2001:db8::1]', true],
    [' a.org ,b.org  storage.test ', 'storage.test', true],
    ['10.0.0.0/33, 10.0.0/8, /8, 10.0.0.0/x', '10.1.2.3', false], // malformed: ignored
    ['', 'example.com', false]
  ])('NO_PROXY=%j for %s → %s', (noProxy, host, expected) => {
    expect(bypassesProxy(host, 443, noProxy)).toBe(expected)
  })
})

describe('proxyFor', () => {
  const https443 = { protocol: 'https:', hostname: 'api.onecodex.com', port: '' }

  it('takes https_proxy (before HTTPS_PROXY) for https, http_proxy for http', () => {
    const env = {
      HTTPS_PROXY: 'http://upper:3128',
      https_proxy: 'http://lower:3128',
      HTTP_PROXY: 'http://plain:8080'
    }
    expect(proxyFor(https443, env)?.host).toBe('lower:3128')
    expect(proxyFor({ ...https443, protocol: 'http:' }, env)?.host).toBe('plain:8080')
    expect(proxyFor(https443, {})).toBeUndefined()
  })

  it('reads a proxy without a scheme as http:// and keeps its credentials out of descriptions', () => {
    const proxy = proxyFor(https443, { HTTPS_PROXY: 'user:s3cret@proxy.corp:3128' })
    expect(proxy?.protocol).toBe('http:')
    expect(proxy?.username).toBe('user')
    expect(describeProxy(proxy!)).toBe('http://proxy.corp:3128')
  })

  it('never proxies loopback hosts, and honours NO_PROXY ranges, names and no_proxy first', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '10.0.0.0/8,.internal' }
    for (const hostname of ['127.0.0.1', 'localhost', '[::1]', '127.9.9.9'])
      expect(proxyFor({ ...https443, hostname }, env)).toBeUndefined()
    expect(proxyFor({ ...https443, hostname: '10.20.30.40' }, env)).toBeUndefined()
    expect(proxyFor({ ...https443, hostname: 's3.internal' }, env)).toBeUndefined()
    expect(proxyFor(https443, env)?.hostname).toBe('proxy')
    expect(proxyFor(https443, { ...env, no_proxy: 'onecodex.com' })).toBeUndefined()
  })

  it('refuses a proxy scheme it cannot speak, naming the variable', () => {
    expect(() => proxyFor(https443, { HTTPS_PROXY: 'socks5://proxy:1080' })).toThrow(
      'HTTPS_PROXY uses socks5://: only http:// and https:// proxies are supported.'
    )
  })
})

describe('proxyEnvProblem: proxy variables refused before any request', () => {
  const api = 'https://app.onecodex.com'

  it.each<[string, Record<string, string>, string]>([
    [
      'a socks5 proxy',
      { HTTPS_PROXY: 'socks5://user:s3cret@proxy.corp:1080' },
      'HTTPS_PROXY uses socks5://: only http:// and https:// proxies are supported'
    ],
    ['not a URL', { HTTPS_PROXY: 'http://proxy corp:3128' }, 'HTTPS_PROXY is not a valid URL'],
    [
      'a port out of range',
      { HTTPS_PROXY: 'http://proxy:99999' },
      'HTTPS_PROXY is not a valid URL'
    ],
    ['no host', { HTTPS_PROXY: 'http://' }, 'HTTPS_PROXY is not a valid URL'],
    // The variable that is read (lowercase first, as curl) is the one named.
    [
      'the lowercase one, which wins',
      { https_proxy: 'ftp://proxy:21', HTTPS_PROXY: 'http://proxy:3128' },
      'https_proxy uses ftp://: only http:// and https:// proxies are supported'
    ]
  ])('%s', (_, env, reason) => {
    const problem = proxyEnvProblem(api, env)
    expect(problem).toBe(
      `${reason}: every https request of this step (api-url ${api} and One Codex's storage) would go through it. Write it as http://host:port (user:password@host:port when the proxy needs credentials, https:// for a TLS proxy), or unset it.`
    )
    expect(problem).not.toContain('s3cret')
    expect(problem).not.toMatch(/\.\./)
  })

  it('refuses nothing that no request would use', () => {
    // Usable proxies.
    expect(proxyEnvProblem(api, { HTTPS_PROXY: 'proxy.corp:3128' })).toBeUndefined()
    expect(proxyEnvProblem(api, { https_proxy: 'https://u:p@proxy.corp' })).toBeUndefined()
    // NO_PROXY exempts every host.
    expect(proxyEnvProblem(api, { HTTPS_PROXY: 'socks5://p:1080', NO_PROXY: '*' })).toBeUndefined()
    expect(proxyEnvProblem(api, { HTTPS_PROXY: 'socks5://p:1080', no_proxy: '*' })).toBeUndefined()
    // A loopback api-url (a local stand-in of One Codex): no request of it takes a proxy.
    expect(
      proxyEnvProblem('http://127.0.0.1:8080', { HTTPS_PROXY: 'socks5://p:1080' })
    ).toBeUndefined()
    // Plain http only ever goes to loopback hosts, which never take a proxy.
    expect(proxyEnvProblem(api, { HTTP_PROXY: 'socks5://p:1080' })).toBeUndefined()
  })

  it('NO_PROXY exempting api-url alone is not enough: the storage hosts may still use it', () => {
    expect(
      proxyEnvProblem(api, { HTTPS_PROXY: 'socks5://p:1080', NO_PROXY: 'app.onecodex.com' })
    ).toMatch(/^HTTPS_PROXY uses socks5:\/\//)
  })
})

describe('describeRoute: how messages say which way a request went', () => {
  const target = (url: string) => new URL(url)

  it('says no proxy only when no proxy variable is set', () => {
    expect(describeRoute(target('https://app.onecodex.com'), {})).toEqual({
      via: 'no proxy',
      proxied: false
    })
  })

  it('names the variable, and why it was not used', () => {
    expect(
      describeRoute(target('http://127.0.0.1:9'), { HTTPS_PROXY: 'http://proxy.corp:3128' })
    ).toEqual({ via: 'direct: HTTPS_PROXY is not used for loopback hosts', proxied: false })
    expect(
      describeRoute(target('https://app.onecodex.com'), {
        https_proxy: 'http://proxy.corp:3128',
        no_proxy: '.onecodex.com'
      })
    ).toEqual({ via: 'direct: no_proxy exempts app.onecodex.com from https_proxy', proxied: false })
    expect(
      describeRoute(target('https://app.onecodex.com'), {
        HTTPS_PROXY: 'http://u:s3cret@proxy.corp:3128'
      })
    ).toEqual({
      via: 'through the proxy http://proxy.corp:3128 from HTTPS_PROXY',
      proxied: true,
      variable: 'HTTPS_PROXY'
    })
    expect(
      describeRoute(target('https://app.onecodex.com'), { HTTPS_PROXY: 'socks5://p:1080' })
    ).toEqual({
      via: 'HTTPS_PROXY unusable: it uses socks5://: only http:// and https:// proxies are supported',
      proxied: true,
      variable: 'HTTPS_PROXY'
    })
  })
})
