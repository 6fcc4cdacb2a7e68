import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { startSandbox, type Sandbox } from '../../sandbox/emulator.js'
import { OneCodexClient } from '../../src/onecodex/client.js'
import { isRetryable, UploadError } from '../../src/shared/upload-error.js'

let sandbox: Sandbox
let client: OneCodexClient

beforeEach(async () => {
  sandbox = await startSandbox({ apiKey: 'sk_client_test_key' })
  client = new OneCodexClient(sandbox.apiUrl, sandbox.apiKey)
})
afterEach(async () => {
  client.dispose()
  await sandbox.close()
})

describe('OneCodexClient', () => {
  it('init_upload: sends the body as JSON with Basic auth and returns string fields in order', async () => {
    const body = { filename: 'a.fq', size: 10, upload_type: 'standard' as const }
    const init = await client.initUpload(body, 'a.fq')
    const request = sandbox.requests[0]
    expect(request.route).toBe('init_upload')
    expect(request.body).toEqual(body)
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from('sk_client_test_key:').toString('base64')}`
    )
    expect(request.headers['content-type']).toBe('application/json')
    expect(init.sampleId).toMatch(/^[0-9a-f]{16}$/)
    expect(init.uploadUrl.startsWith(sandbox.storageUrl)).toBe(true)
    expect(Object.keys(init.fields)).toContain('policy')
    for (const value of Object.values(init.fields)) expect(typeof value).toBe('string')
    expect(init.pairedEndUploadUrl).toBeUndefined()
  })

  it('init_upload for a pair returns the mate target too', async () => {
    const init = await client.initUpload(
      { filename: 'a_R1.fq', size: 20, upload_type: 'standard', paired_end_filename: 'a_R2.fq' },
      'a_R1.fq + a_R2.fq'
    )
    expect(init.pairedEndUploadUrl).toBeDefined()
    expect(init.pairedEndFields?.key).not.toBe(init.fields.key)
  })

  it('fails at once on 401, naming the api-key input', async () => {
    const wrong = new OneCodexClient(sandbox.apiUrl, 'not-the-key')
    try {
      const error = (await wrong
        .initUpload({ filename: 'a.fq', size: 1, upload_type: 'standard' }, 'a.fq')
        .catch(e => e)) as UploadError
      expect(error.status).toBe(401)
      expect(isRetryable(error)).toBe(false)
      expect(error.message).toContain('init_upload for a.fq failed with HTTP 401')
      expect(error.message).toContain('Invalid API key')
      // The run's cause, said once by the uploader's account-level stop.
      expect(error.account?.input).toBe('api-key')
      expect(error.account?.message).toContain('check the api-key input')
    } finally {
      wrong.dispose()
    }
  })

  it("carries the server's message on 400", async () => {
    const error = (await client
      .initUpload({ filename: 'a.fq', size: 1, upload_type: 'standard', sample_id: 'nope' }, 'a.fq')
      .catch(e => e)) as UploadError
    expect(error.status).toBe(400)
    expect(error.message).toContain('sample_id nope does not match any pre-uploaded sample.')
    expect(isRetryable(error)).toBe(false)
  })

  it('reads Retry-After on 429 and marks it retryable', async () => {
    sandbox.faults.add('init_upload', { kind: 'status', status: 429, retryAfter: '7' })
    const error = (await client
      .initUpload({ filename: 'a.fq', size: 1, upload_type: 'standard' }, 'a.fq')
      .catch(e => e)) as UploadError
    expect(error.retryable).toBe(true)
    expect(error.retryAfterMs).toBe(7000)
  })

  it('turns a connection reset into a retryable network error', async () => {
    sandbox.faults.add('confirm_upload', { kind: 'reset' })
    const error = (await client.confirmUpload('abc', 'a.fq').catch(e => e)) as UploadError
    expect(error).toBeInstanceOf(UploadError)
    expect(error.message).toContain('confirm_upload of sample abc (a.fq) failed')
    expect(isRetryable(error)).toBe(true)
  })

  it('confirm_upload posts {sample_id} and reports the refusal message', async () => {
    const error = (await client
      .confirmUpload('0000000000000000', 'a.fq')
      .catch(e => e)) as UploadError
    expect(sandbox.requests[0].body).toEqual({ sample_id: '0000000000000000' })
    expect(error.status).toBe(404)
    expect(error.message).toContain('Sample 0000000000000000 not found.')
  })

  it('refuses a plain-http api-url on a non-loopback host before any request', () => {
    expect(() => new OneCodexClient('http://app.example.com', 'k')).toThrow(
      'api-url "http://app.example.com" uses http'
    )
  })

  it('refuses a 200 that is not JSON', async () => {
    const server = http.createServer((req, res) => {
      req.resume()
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>captive portal</html>')
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const portal = new OneCodexClient(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      'k'
    )
    try {
      const error = (await portal
        .initUpload({ filename: 'a.fq', size: 1, upload_type: 'standard' }, 'a.fq')
        .catch(e => e)) as UploadError
      expect(error.message).toBe(
        'init_upload for a.fq answered HTTP 200 with a body that is not JSON.'
      )
    } finally {
      portal.dispose()
      server.closeAllConnections()
      server.close()
    }
  })

  it("the job's cancellation aborts a stalled request at once: stopped, not retried, not api-url unreachable", async () => {
    sandbox.faults.add('list_samples', { kind: 'stall' })
    const controller = new AbortController()
    const cancellable = new OneCodexClient(sandbox.apiUrl, sandbox.apiKey, {
      signal: controller.signal
    })
    try {
      const listing = cancellable.listSamplesPage({ filename: 'a.fq' }).then(
        () => undefined as never,
        (e: unknown) => e as UploadError
      )
      while (!sandbox.requests.some(r => r.route === 'list_samples'))
        await new Promise(resolve => setTimeout(resolve, 5))
      const abortedAt = Date.now()
      controller.abort()
      const error = await listing
      expect(Date.now() - abortedAt).toBeLessThan(500)
      expect(error.message).toBe('listing samples was stopped: the job was cancelled.')
      expect(error.code).toBe('ABORTED')
      expect(isRetryable(error)).toBe(false)
      expect(cancellable.unreachable).toBeUndefined()
      // Nothing more goes out once cancelled.
      const after = await cancellable
        .initUpload({ filename: 'a.fq', size: 1, upload_type: 'standard' }, 'a.fq')
        .then(
          () => undefined as never,
          (e: unknown) => e as UploadError
        )
      expect(after.code).toBe('ABORTED')
      expect(sandbox.requests.map(r => r.route)).toEqual(['list_samples'])
    } finally {
      cancellable.dispose()
    }
  })
})
