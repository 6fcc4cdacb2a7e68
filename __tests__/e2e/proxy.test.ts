/**
 * End to end behind a proxy: the bundled action run as a runner runs it, with HTTPS_PROXY naming
 * a real CONNECT proxy (written here, on 127.0.0.1) and api-url an https name that only the
 * proxy can reach (it maps it to a TLS front of the sandbox API). Nothing leaves the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { radosgwFromEnv } from '../../sandbox/radosgw-env.js'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/emulator.js'
import { ACTION_ENTRY, runAction } from '../../sandbox/runner.js'
import { startConnectProxy, type ConnectProxy } from '../helpers/connect-proxy.js'
import { fastq } from '../helpers/fixtures.js'
import { selfSignedCert } from '../helpers/tls-cert.js'

const storage: SandboxOptions['storage'] = radosgwFromEnv() ?? 'builtin'
const API_KEY = 'e2e-proxy-key-0123456789'
const API_HOST = 'api.onecodex.test'
const PROXY_USER = 'ci-bot'
const PROXY_PASSWORD = 'Pr0xy-s3cret'
const FILES = 12

let workspace: string
let certFile: string
let sandbox: Sandbox
let front: https.Server
let proxy: ConnectProxy
let proxyCert: { key: Buffer; cert: Buffer }
let frontPort: number

beforeAll(async () => {
  if (!existsSync(ACTION_ENTRY)) throw new Error(`${ACTION_ENTRY} is missing: run npm run bundle`)
  workspace = await mkdtemp(join(tmpdir(), 'e2e-proxy-'))
  for (let i = 1; i <= FILES; i++)
    await writeFile(join(workspace, `s${String(i).padStart(2, '0')}.fastq`), fastq(10 + i))
  const cert = selfSignedCert([API_HOST, '127.0.0.1'])
  proxyCert = cert
  certFile = join(workspace, 'ca.pem')
  await writeFile(certFile, cert.cert)
  sandbox = await startSandbox({ apiKey: API_KEY, storage })
  // TLS in front of the sandbox API (which speaks plain http on loopback)
  const api = new URL(sandbox.apiUrl)
  front = https.createServer(
    { key: cert.key, cert: cert.cert, keepAliveTimeout: 30_000 },
    (req, res) => {
      const upstream = http.request(
        {
          host: api.hostname,
          port: api.port,
          method: req.method,
          path: req.url,
          headers: req.headers
        },
        answer => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        }
      )
      upstream.on('error', () => res.destroy())
      req.pipe(upstream)
    }
  )
  await new Promise<void>(resolve => front.listen(0, '127.0.0.1', resolve))
  frontPort = (front.address() as AddressInfo).port
  proxy = await startConnectProxy({
    route: authority => (authority === `${API_HOST}:443` ? frontPort : undefined),
    requireAuthorization: `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`
  })
})

afterAll(async () => {
  await proxy?.close()
  front?.closeAllConnections()
  await new Promise(resolve => front?.close(resolve))
  await sandbox?.close()
  await rm(workspace, { recursive: true, force: true })
})

describe('the bundled action behind HTTPS_PROXY', () => {
  it(`reuses its tunnels: ${FILES} samples (${FILES * 2} API requests) through at most one tunnel per concurrent sample`, async () => {
    const result = await runAction({
      workspace,
      inputs: {
        'api-key': API_KEY,
        'api-url': `https://${API_HOST}`,
        files: '*.fastq',
        concurrency: '4'
      },
      env: {
        HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`,
        NODE_EXTRA_CA_CERTS: certFile,
        ONECODEX_UPLOAD_RETRY_BASE_MS: '5'
      }
    })
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs['sample-ids'])).toHaveLength(FILES)
    const apiCalls = sandbox.requests.filter(
      r => r.route === 'init_upload' || r.route === 'confirm_upload'
    )
    expect(apiCalls).toHaveLength(FILES * 2)
    // every API request went through the proxy (the API host is only reachable that way)...
    expect(proxy.connects.every(c => c.authority === `${API_HOST}:443`)).toBe(true)
    // ...over kept-alive tunnels: one per sample in flight at most, not one per request
    expect(proxy.connects.length).toBeGreaterThanOrEqual(1)
    expect(proxy.connects.length).toBeLessThanOrEqual(4)
    // the storage (loopback) was reached directly; the proxy password is never shown
    expect(sandbox.requests.filter(r => r.route === 'storage' && r.status === 201)).toHaveLength(
      FILES
    )
    expect(`${result.stdout}${result.summary}`).not.toContain(PROXY_PASSWORD)
  })

  it('fails clearly when the proxy refuses: not retried, its credentials never shown', async () => {
    // NO_PROXY ranges never exempt a host name (curl does not resolve names to match them)
    const before = proxy.connects.length
    const refused = await runAction({
      workspace,
      inputs: {
        'api-key': API_KEY,
        'api-url': `https://${API_HOST}`,
        files: 's01.fastq',
        'max-attempts': '2'
      },
      env: {
        HTTPS_PROXY: `http://${PROXY_USER}:wrong@127.0.0.1:${proxy.port}`,
        NO_PROXY: '10.0.0.0/8,192.168.0.0/16',
        NODE_EXTRA_CA_CERTS: certFile,
        ONECODEX_UPLOAD_RETRY_BASE_MS: '5'
      }
    })
    expect(refused.exitCode).not.toBe(0)
    expect(proxy.connects.length).toBe(before + 1) // a refusal is not retried
    const failed = JSON.parse(refused.outputs.failed) as { error: string }[]
    expect(failed[0].error).toContain(
      `the proxy http://127.0.0.1:${proxy.port} answered CONNECT ${API_HOST}:443 with HTTP 407`
    )
    expect(`${refused.stdout}${refused.summary}`).not.toContain('wrong@')
  })

  it('speaks TLS to an https:// proxy too, and still reuses its tunnels', async () => {
    const tlsProxy = await startConnectProxy({
      route: authority => (authority === `${API_HOST}:443` ? frontPort : undefined),
      tls: proxyCert
    })
    try {
      const result = await runAction({
        workspace,
        inputs: {
          'api-key': API_KEY,
          'api-url': `https://${API_HOST}`,
          files: 's0[1-6].fastq',
          concurrency: '1'
        },
        env: {
          HTTPS_PROXY: tlsProxy.url,
          NODE_EXTRA_CA_CERTS: certFile,
          ONECODEX_UPLOAD_RETRY_BASE_MS: '5'
        }
      })
      expect(result.exitCode).toBe(0)
      expect(JSON.parse(result.outputs['sample-ids'])).toHaveLength(6)
      expect(tlsProxy.url).toMatch(/^https:/)
      expect(tlsProxy.connects.length).toBe(1) // 12 API requests, one after the other: one tunnel
    } finally {
      await tlsProxy.close()
    }
  })
})
