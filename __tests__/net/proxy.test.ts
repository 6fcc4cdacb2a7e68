import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { HttpClient, readBodyText } from '../../src/net/http.js'
import { agentFor, TransportHttpAgent, TransportHttpsAgent } from '../../src/net/proxy.js'
import { isRetryable, networkError } from '../../src/shared/upload-error.js'
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js'
import { selfSignedCert, type TestCert } from '../helpers/tls-cert.js'

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
