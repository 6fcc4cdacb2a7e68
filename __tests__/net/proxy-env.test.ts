import { describe, expect, it } from '@jest/globals'
import { bypassesProxy, describeProxy, proxyFor } from '../../src/net/proxy-env.js'

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
