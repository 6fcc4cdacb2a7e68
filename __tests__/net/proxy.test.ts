import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { HttpClient, readBodyText } from '../../src/net/http.js'
import {
  agentFor,
  bypassesProxy,
  describeProxy,
  proxyFor,
  TransportHttpAgent,
  TransportHttpsAgent
} from '../../src/net/proxy.js'
import { isRetryable, networkError } from '../../src/shared/upload-error.js'
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js'
import { selfSignedCert, type TestCert } from '../helpers/tls-cert.js'

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

describe('agents through a real CONNECT proxy (loopback only)', () => {
  let cert: TestCert
  let server: https.Server
  let serverPort: number
  let tlsConnections = 0
  const seen: { url: string; headers: Record<string, unknown> }[] = []
  let proxy: ConnectProxy | undefined
  let client: HttpClient | undefined

  beforeAll(async () => {
    cert = selfSignedCert(['storage.test', 'api.onecodex.test'])
    server = https.createServer(
      { key: cert.key, cert: cert.cert, keepAliveTimeout: 30_000 },
      (req, res) => {
        seen.push({ url: req.url ?? '', headers: req.headers })
        req.resume()
        req.on('end', () => res.end(JSON.stringify({ ok: true, url: req.url })))
      }
    )
    server.on('secureConnection', () => tlsConnections++)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    serverPort = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })
  afterEach(async () => {
    client?.dispose()
    client = undefined
    await proxy?.close()
    proxy = undefined
    seen.length = 0
    tlsConnections = 0
  })

  const toServer = (authority: string): number | undefined =>
    /^(storage|api\.onecodex)\.test:443$/.test(authority) ? serverPort : undefined

  async function call(url: string, body?: string): Promise<string> {
    const response = await client!.request(body === undefined ? 'GET' : 'POST', url, body, {})
    expect(response.message.statusCode).toBe(200)
    return readBodyText(response.message)
  }

  it('sends 40 sequential requests to one host through ONE tunnel (TLS inside it)', async () => {
    proxy = await startConnectProxy({ route: toServer })
    client = new HttpClient({ ca: cert.cert, env: { HTTPS_PROXY: proxy.url } })
    for (let i = 0; i < 40; i++)
      await call(`https://storage.test/bucket/${i}`, i % 2 === 0 ? `{"n":${i}}` : undefined)
    expect(seen).toHaveLength(40)
    expect(proxy.connects).toEqual([{ authority: 'storage.test:443', authorization: undefined }])
    expect(tlsConnections).toBe(1)
  })

  it('opens one tunnel per concurrent request at most, then reuses them; one pool per host', async () => {
    proxy = await startConnectProxy({ route: toServer })
    client = new HttpClient({ ca: cert.cert, env: { HTTPS_PROXY: proxy.url } })
    await Promise.all(Array.from({ length: 4 }, (_, i) => call(`https://storage.test/c${i}`)))
    const afterBurst = proxy.connects.length
    expect(afterBurst).toBeGreaterThanOrEqual(1)
    expect(afterBurst).toBeLessThanOrEqual(4)
    for (let i = 0; i < 20; i++) await call(`https://storage.test/s${i}`)
    for (let i = 0; i < 5; i++) await call(`https://api.onecodex.test/api/v1/x${i}`)
    expect(proxy.connects.length).toBe(afterBurst + 1) // + one tunnel for the API host
    expect(proxy.connects.at(-1)?.authority).toBe('api.onecodex.test:443')
  })

  it('sends proxy credentials to the proxy only, and never shows them', async () => {
    const expected = `Basic ${Buffer.from('ci-user:p@ss:word').toString('base64')}`
    proxy = await startConnectProxy({ route: toServer, requireAuthorization: expected })
    const proxyUrl = `http://ci-user:p%40ss%3Aword@127.0.0.1:${proxy.port}`
    client = new HttpClient({ ca: cert.cert, env: { HTTPS_PROXY: proxyUrl } })
    await call('https://storage.test/auth')
    await call('https://storage.test/auth2')
    expect(proxy.connects.map(c => c.authorization)).toEqual([expected])
    expect(seen.every(s => s.headers['proxy-authorization'] === undefined)).toBe(true)

    // A refusal names the proxy without its credentials, and is not retried.
    const refusing = new HttpClient({
      ca: cert.cert,
      env: { HTTPS_PROXY: `http://ci-user:wrong@127.0.0.1:${proxy.port}` }
    })
    try {
      const error = networkError(
        'init_upload',
        await refusing.get('https://storage.test/x').catch((e: unknown) => e)
      )
      expect(error.message).toBe(
        `init_upload failed: the proxy http://127.0.0.1:${proxy.port} answered CONNECT storage.test:443 with HTTP 407 Proxy Authentication Required (EPROXYREFUSED)`
      )
      expect(error.message).not.toContain('wrong')
      expect(isRetryable(error)).toBe(false)
    } finally {
      refusing.dispose()
    }
  })

  it('retries when the proxy cannot reach the host (502), not when it is refused', async () => {
    proxy = await startConnectProxy({ route: () => undefined })
    client = new HttpClient({ ca: cert.cert, env: { HTTPS_PROXY: proxy.url } })
    const error = networkError('x', await client.get('https://storage.test/').catch(e => e))
    expect(error.message).toContain('answered CONNECT storage.test:443 with HTTP 502')
    expect(isRetryable(error)).toBe(true)
  })

  it('gives up on a proxy that never answers CONNECT after one stall timeout', async () => {
    proxy = await startConnectProxy({ route: toServer, silent: true })
    client = new HttpClient({ ca: cert.cert, env: { HTTPS_PROXY: proxy.url }, idleTimeoutMs: 400 })
    const started = Date.now()
    const error = networkError('x', await client.get('https://storage.test/').catch(e => e))
    const elapsed = Date.now() - started
    expect(error.message).toBe(
      `x failed: the proxy ${proxy.url} did not answer CONNECT storage.test:443 in time (ETIMEDOUT)`
    )
    expect(isRetryable(error)).toBe(true)
    expect(elapsed).toBeGreaterThanOrEqual(390)
    expect(elapsed).toBeLessThan(800)
  })

  it('connects directly to a host NO_PROXY exempts: the proxy sees nothing', async () => {
    proxy = await startConnectProxy({ route: toServer })
    client = new HttpClient({
      ca: cert.cert,
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: '.test' },
      // the direct connection must find the test server without DNS
      lookup: (_host: string, _options: unknown, callback: (...args: unknown[]) => void) =>
        callback(null, [{ address: '127.0.0.1', family: 4 }])
    } as ConstructorParameters<typeof HttpClient>[0])
    await call(`https://storage.test:${serverPort}/direct`)
    await call(`https://storage.test:${serverPort}/direct2`)
    expect(proxy.connects).toEqual([])
    expect(seen.map(s => s.url)).toEqual(['/direct', '/direct2'])
    expect(tlsConnections).toBe(1)
  })

  it('hands out one shared keep-alive agent per protocol for SDK handlers', () => {
    const agent = agentFor('https://bucket.s3.amazonaws.com/key')
    expect(agent).toBeInstanceOf(TransportHttpsAgent)
    expect(agentFor('https://other.example.com/')).toBe(agent)
    expect(agentFor('http://127.0.0.1:9000/')).toBeInstanceOf(TransportHttpAgent)
    expect((agent as unknown as { keepAlive: boolean }).keepAlive).toBe(true)
  })
})
